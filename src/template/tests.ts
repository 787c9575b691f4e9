/**
 * Jinja2's and Ansible's tests (`x is defined`, `result is failed`, `v is version('2.0', '>=')`,
 * `name is match('^web')`...). Only `defined`/`undefined` and the type tests accept Undefined
 * values; every other test raises on them, as under Ansible's StrictUndefined.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { items } from './filters-lists.js';
import { contains } from './operators.js';
import { defineTest } from './registry.js';
import { pyRegex, regexExec } from './regex.js';
import { Undef, fail, isFloat, isMapping, isNumber, pyCmp, pyEq, pyStr, pyTruthy, toNum } from './pyvalues.js';

const notUndef = (f: (v: unknown) => boolean) => ([v]: unknown[]) => !(v instanceof Undef) && f(v);

defineTest('defined', ['value'], ([v]) => !(v instanceof Undef), true);
defineTest('undefined', ['value'], ([v]) => v instanceof Undef, true);
defineTest('none', ['value'], notUndef((v) => v === null), true);
defineTest('boolean', ['value'], notUndef((v) => typeof v === 'boolean'), true);
defineTest('true', ['value'], notUndef((v) => v === true), true);
defineTest('false', ['value'], notUndef((v) => v === false), true);
defineTest('integer', ['value'], notUndef((v) => isNumber(v) && !isFloat(v)), true);
defineTest('float', ['value'], notUndef((v) => isFloat(v)), true);
defineTest('number', ['value'], notUndef((v) => isNumber(v) || typeof v === 'boolean'), true);
defineTest('string', ['value'], notUndef((v) => typeof v === 'string'), true);
defineTest('mapping', ['value'], notUndef(isMapping), true);
defineTest(['sequence', 'iterable'], ['value'], notUndef((v) => typeof v === 'string' || Array.isArray(v) || isMapping(v)), true);
defineTest('callable', ['value'], ([v]) => typeof v === 'function');
defineTest('escaped', ['value'], () => false);
defineTest('odd', ['value'], ([v]) => Math.abs(toNum(v) % 2) === 1);
defineTest('even', ['value'], ([v]) => toNum(v) % 2 === 0);
defineTest('divisibleby', ['value', 'num'], ([v, n]) => toNum(v) % toNum(n) === 0);
defineTest('lower', ['value'], ([v]) => /\p{Ll}/u.test(pyStr(v)) && !/\p{Lu}/u.test(pyStr(v)));
defineTest('upper', ['value'], ([v]) => /\p{Lu}/u.test(pyStr(v)) && !/\p{Ll}/u.test(pyStr(v)));
defineTest('sameas', ['value', 'other'], ([v, o]) => v === o);
defineTest('in', ['value', 'seq'], ([v, seq]) => contains(seq, v));
defineTest('contains', ['seq', 'value'], ([seq, v]) => contains(seq, v));
defineTest(['==', 'eq', 'equalto'], ['value', 'other'], ([a, b]) => pyEq(a, b));
defineTest(['!=', 'ne'], ['value', 'other'], ([a, b]) => !pyEq(a, b));
defineTest(['<', 'lt', 'lessthan'], ['value', 'other'], ([a, b]) => pyCmp(a, b, '<') < 0);
defineTest(['<=', 'le'], ['value', 'other'], ([a, b]) => pyCmp(a, b, '<=') <= 0);
defineTest(['>', 'gt', 'greaterthan'], ['value', 'other'], ([a, b]) => pyCmp(a, b, '>') > 0);
defineTest(['>=', 'ge'], ['value', 'other'], ([a, b]) => pyCmp(a, b, '>=') >= 0);
defineTest('truthy', ['value', 'convert_bool'], ([v]) => pyTruthy(v));
defineTest('falsy', ['value', 'convert_bool'], ([v]) => !pyTruthy(v));
defineTest('any', ['value'], ([v]) => items(v).some(pyTruthy));
defineTest('all', ['value'], ([v]) => items(v).every(pyTruthy));
defineTest(['subset', 'issubset'], ['value', 'other'], ([a, b]) => items(a).every((x) => items(b).some((y) => pyEq(x, y))));
defineTest(['superset', 'issuperset'], ['value', 'other'], ([a, b]) => items(b).every((x) => items(a).some((y) => pyEq(x, y))));
defineTest(['nan', 'isnan'], ['value'], ([v]) => Number.isNaN(toNum(v)));

function result(v: unknown, test: string): Record<string, unknown> {
  if (!isMapping(v)) fail(`The '${test}' test expects a dictionary`);
  return v;
}
defineTest(['failed', 'failure'], ['value'], ([v]) => result(v, 'failed').failed ?? false);
defineTest(['succeeded', 'success', 'successful'], ['value'], ([v]) => !pyTruthy(result(v, 'failed').failed ?? false));
defineTest('unreachable', ['value'], ([v]) => result(v, 'unreachable').unreachable ?? false);
defineTest('reachable', ['value'], ([v]) => !pyTruthy(result(v, 'unreachable').unreachable ?? false));
defineTest(['skipped', 'skip'], ['value'], ([v]) => result(v, 'skipped').skipped ?? false);
defineTest(['changed', 'change'], ['value'], ([v]) => {
  const r = result(v, 'changed');
  if (Object.hasOwn(r, 'changed')) return r.changed;
  return Array.isArray(r.results) && isMapping(r.results[0]) && r.results.some((x) => isMapping(x) && pyTruthy(x.changed ?? false));
});
defineTest('finished', ['value'], ([v]) => !Object.hasOwn(result(v, 'finished'), 'finished') || pyEq(result(v, 'finished').finished, 1));
defineTest('started', ['value'], ([v]) => !Object.hasOwn(result(v, 'started'), 'started') || pyEq(result(v, 'started').started, 1));

function regexTest(v: unknown, pattern: unknown, ic: unknown, ml: unknown, type: unknown): boolean {
  if (typeof v !== 'string') v = pyStr(v);
  const re = pyRegex(pattern ?? '', { ignorecase: pyTruthy(ic ?? false), multiline: pyTruthy(ml ?? false) });
  return regexExec(re, v as string, type === 'match') !== null;
}
defineTest('match', ['value', 'pattern', 'ignorecase', 'multiline'], ([v, p, ic, ml]) => regexTest(v, p, ic, ml, 'match'));
defineTest('search', ['value', 'pattern', 'ignorecase', 'multiline'], ([v, p, ic, ml]) => regexTest(v, p, ic, ml, 'search'));
defineTest('regex', ['value', 'pattern', 'ignorecase', 'multiline', 'match_type'], ([v, p, ic, ml, type = 'search']) => regexTest(v, p, ic, ml, type));

/** distutils LooseVersion: numbers and letter runs, compared as Python lists. */
function looseVersion(s: string): unknown[] {
  return s
    .split(/(\d+|[a-z]+|\.)/)
    .filter((x) => x && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}
/** distutils StrictVersion: N.N[.N][{a|b}N]. */
function strictVersion(s: string): unknown[] {
  const m = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/.exec(s);
  if (!m) fail(`invalid version number '${s}'`);
  return [Number(m[1]), Number(m[2]), Number(m[4] ?? 0), m[5] ? m[5][0] : 'z', Number(m[6] ?? 0)];
}
/** Semantic versioning: major.minor.patch[-prerelease]; a prerelease sorts before the release. */
function semver(s: string): unknown[] {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s);
  if (!m) fail(`invalid semantic version '${s}'`);
  const pre = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? [0, Number(p)] : [1, p])) : [[2]];
  return [Number(m[1]), Number(m[2]), Number(m[3]), pre];
}
const OPS: Record<string, string> = { '==': 'eq', '=': 'eq', eq: 'eq', '<': 'lt', lt: 'lt', '<=': 'le', le: 'le', '>': 'gt', gt: 'gt', '>=': 'ge', ge: 'ge', '!=': 'ne', '<>': 'ne', ne: 'ne' };
defineTest(['version', 'version_compare'], ['value', 'version', 'operator', 'strict', 'version_type'], ([v, other, op = 'eq', strict = null, type = null]) => {
  if (!pyTruthy(v)) fail('Input version value cannot be empty');
  if (!pyTruthy(other)) fail('Version parameter to compare against cannot be empty');
  const o = OPS[pyStr(op)] ?? fail(`Invalid operator type (${pyStr(op)}). Must be one of ${Object.keys(OPS).map((k) => `'${k}'`).join(', ')}`);
  const parse = pyTruthy(strict) || type === 'strict' ? strictVersion : type === 'semver' || type === 'semantic' ? semver : type === null || type === 'loose' ? looseVersion : fail(`Invalid version type (${pyStr(type)})`);
  const a = parse(pyStr(v));
  const b = parse(pyStr(other));
  let c: number;
  try {
    c = pyEq(a, b) ? 0 : pyCmp(a, b);
  } catch (e) {
    fail(`Version comparison failed: ${(e as Error).message}`);
  }
  return { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[o];
});

function fsTest(f: (p: string) => boolean) {
  return ([v]: unknown[]) => {
    try {
      return f(pyStr(v));
    } catch {
      return false;
    }
  };
}
defineTest(['abs', 'is_abs'], ['value'], ([v]) => isAbsolute(pyStr(v)));
defineTest('exists', ['value'], fsTest((p) => existsSync(p)));
defineTest(['file', 'is_file'], ['value'], fsTest((p) => statSync(p).isFile()));
defineTest(['directory', 'is_dir'], ['value'], fsTest((p) => statSync(p).isDirectory()));
defineTest(['link', 'is_link'], ['value'], fsTest((p) => lstatSync(p).isSymbolicLink()));

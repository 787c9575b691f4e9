/**
 * parseKV against ansible-core's parse_kv. The table below was produced by running
 * `ansible.parsing.splitter.parse_kv(text)` and `parse_kv(text, check_raw=True)` from
 * ansible-core 2.14 (/usr/bin/python3) on each input; `_raw_params` is Ansible's name for the
 * free-form text, so parseKV is called with '_raw_params' as the free-form key to compare.
 * An `__error__` entry means Ansible refuses the input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseKV, splitArgs, COMMAND_SPECIAL_KEYS } from '../../src/playbook/kv.js';
import { UserError } from '../../src/core/errors.js';

type Expect = Record<string, string>;

// [text, parse_kv(text), parse_kv(text, check_raw=True)]
const ANSIBLE_CASES: [string, Expect, Expect][] = [
  ["src=a dest=b", {"src": "a", "dest": "b"}, {"_raw_params": "src=a dest=b"}],
  ["src=a dest=\"/tmp/x y\" mode=0644", {"src": "a", "dest": "/tmp/x y", "mode": "0644"}, {"_raw_params": "src=a dest=\"/tmp/x y\" mode=0644"}],
  ["src=a dest='/tmp/x y' mode=0644", {"src": "a", "dest": "/tmp/x y", "mode": "0644"}, {"_raw_params": "src=a dest='/tmp/x y' mode=0644"}],
  ["echo hi chdir=/tmp creates=/x", {"chdir": "/tmp", "creates": "/x", "_raw_params": "echo hi"}, {"chdir": "/tmp", "creates": "/x", "_raw_params": "echo hi"}],
  ["echo hi", {"_raw_params": "echo hi"}, {"_raw_params": "echo hi"}],
  ["echo \"a  b\"   c", {"_raw_params": "echo \"a  b\"   c"}, {"_raw_params": "echo \"a  b\"   c"}],
  ["a=b  c=d", {"a": "b", "c": "d"}, {"_raw_params": "a=b  c=d"}],
  ["a=b c=d   ", {"a": "b", "c": "d"}, {"_raw_params": "a=b c=d   "}],
  ["a=b\n", {"a": "b"}, {"_raw_params": "a=b\n"}],
  ["a=b\nc=d", {"a": "b", "c": "d"}, {"_raw_params": "a=b\nc=d"}],
  ["echo one\necho two chdir=/tmp", {"chdir": "/tmp", "_raw_params": "echo one\necho two"}, {"chdir": "/tmp", "_raw_params": "echo one\necho two"}],
  ["a=b \\\nc=d", {"a": "b", "c": "d"}, {"_raw_params": "a=b c=d"}],
  ["a=b\\=c", {"a": "b\\=c"}, {"_raw_params": "a=b\\=c"}],
  ["x\\=y z", {"_raw_params": "x=y z"}, {"_raw_params": "x=y z"}],
  ["=foo", {"_raw_params": "=foo"}, {"_raw_params": "=foo"}],
  ["foo= bar=", {"foo": "", "bar": ""}, {"_raw_params": "foo= bar="}],
  ["a==b", {"a": "=b"}, {"_raw_params": "a==b"}],
  ["a=\"b=c\"", {"a": "b=c"}, {"_raw_params": "a=\"b=c\""}],
  ["msg={{ a | default(\"x y\") }} b=1", {"msg": "{{ a | default(\"x y\") }}", "b": "1"}, {"_raw_params": "msg={{ a | default(\"x y\") }} b=1"}],
  ["msg=\"{{ a }} and {{ b }}\"", {"msg": "{{ a }} and {{ b }}"}, {"_raw_params": "msg=\"{{ a }} and {{ b }}\""}],
  ["msg={{ foo }}", {"msg": "{{ foo }}"}, {"_raw_params": "msg={{ foo }}"}],
  ["{{ cmd }} chdir={{ dir }}", {"chdir": "{{ dir }}", "_raw_params": "{{ cmd }}"}, {"chdir": "{{ dir }}", "_raw_params": "{{ cmd }}"}],
  ["msg={% if x %}yes{% else %}no{% endif %}", {"msg": "{% if x %}yes{% else %}no{% endif %}"}, {"_raw_params": "msg={% if x %}yes{% else %}no{% endif %}"}],
  ["msg={# note with spaces #}x", {"msg": "{# note with spaces #}x"}, {"_raw_params": "msg={# note with spaces #}x"}],
  ["a={{ {'k': 'v v'} }}", {"a": "{{ {'k': 'v v'} }}"}, {"_raw_params": "a={{ {'k': 'v v'} }}"}],
  ["a={{ '}}' }}", {"a": "{{ '}}'", "_raw_params": "}}"}, {"_raw_params": "a={{ '}}' }}"}],
  ["tab\there=1", {"tab\there": "1"}, {"_raw_params": "tab\there=1"}],
  ["content=\"line1\\nline2\"", {"content": "line1\nline2"}, {"_raw_params": "content=\"line1\\nline2\""}],
  ["content=line1\\nline2", {"content": "line1\nline2"}, {"_raw_params": "content=line1\\nline2"}],
  ["a=\\u00e9 b=\\x41 c=\\U0001F600", {"a": "é", "b": "A", "c": "😀"}, {"_raw_params": "a=\\u00e9 b=\\x41 c=\\U0001F600"}],
  ["a=\\\\n", {"a": "\\n"}, {"_raw_params": "a=\\\\n"}],
  ["path=C:\\\\Temp", {"path": "C:\\Temp"}, {"_raw_params": "path=C:\\\\Temp"}],
  ["a=it\\'s", {"a": "it's"}, {"_raw_params": "a=it\\'s"}],
  ["a='it\\'s'", {"a": "it's"}, {"_raw_params": "a='it\\'s'"}],
  ["a=\"say \\\"hi\\\"\"", {"a": "say \"hi\""}, {"_raw_params": "a=\"say \\\"hi\\\"\""}],
  ["a=b\\", {"a": "b\\"}, {"_raw_params": "a=b\\"}],
  ["a='' b=\"\"", {"a": "", "b": ""}, {"_raw_params": "a='' b=\"\""}],
  ["a=\"\"", {"a": ""}, {"_raw_params": "a=\"\""}],
  ["a=' x '", {"a": " x "}, {"_raw_params": "a=' x '"}],
  ["a= x", {"a": "", "_raw_params": "x"}, {"_raw_params": "a= x"}],
  ["a='x\" b=y", {"__error__": "AnsibleParserError"}, {"__error__": "AnsibleParserError"}],
  ["a=b\"c d\" e=f", {"a": "b\"c d\"", "e": "f"}, {"_raw_params": "a=b\"c d\" e=f"}],
  ["echo 'single' \"double\" mixed'quo ted'", {"_raw_params": "echo 'single' \"double\" mixed'quo ted'"}, {"_raw_params": "echo 'single' \"double\" mixed'quo ted'"}],
  ["grep -E 'a|b' /etc/hosts removes=/nope", {"removes": "/nope", "_raw_params": "grep -E 'a|b' /etc/hosts"}, {"removes": "/nope", "_raw_params": "grep -E 'a|b' /etc/hosts"}],
  ["cat <<EOF > /tmp/x stdin=hello", {"stdin": "hello", "_raw_params": "cat <<EOF > /tmp/x"}, {"stdin": "hello", "_raw_params": "cat <<EOF > /tmp/x"}],
  ["ls warn=false executable=/bin/bash", {"warn": "false", "executable": "/bin/bash", "_raw_params": "ls"}, {"warn": "false", "executable": "/bin/bash", "_raw_params": "ls"}],
  ["echo a=b c=d chdir=/tmp", {"a": "b", "c": "d", "chdir": "/tmp", "_raw_params": "echo"}, {"chdir": "/tmp", "_raw_params": "echo a=b c=d"}],
  ["echo x=\"1 2\" chdir=\"/tmp/a b\"", {"x": "1 2", "chdir": "/tmp/a b", "_raw_params": "echo"}, {"chdir": "/tmp/a b", "_raw_params": "echo x=\"1 2\""}],
  ["chdir=/tmp", {"chdir": "/tmp"}, {"chdir": "/tmp"}],
  ["creates=/x removes=/y", {"creates": "/x", "removes": "/y"}, {"creates": "/x", "removes": "/y"}],
  ["key=value with=\"spaces in it\" and=\"{{ jinja }}\"", {"key": "value", "with": "spaces in it", "and": "{{ jinja }}"}, {"_raw_params": "key=value with=\"spaces in it\" and=\"{{ jinja }}\""}],
  ["a=1 b=2 a=3", {"a": "3", "b": "2"}, {"_raw_params": "a=1 b=2 a=3"}],
  [" =x", {"_raw_params": "=x"}, {"_raw_params": "=x"}],
  ["\"a=b\"", {"\"a": "b\""}, {"_raw_params": "\"a=b\""}],
  ["'a b'=c", {"'a b'": "c"}, {"_raw_params": "'a b'=c"}],
  ["\"quoted word\" chdir=/", {"chdir": "/", "_raw_params": "\"quoted word\""}, {"chdir": "/", "_raw_params": "\"quoted word\""}],
  ["a=\"multi\nline\" b=2", {"a": "multi\nline", "b": "2"}, {"_raw_params": "a=\"multi\nline\" b=2"}],
  ["a={{ x\n}} b=1", {"a": "{{ x\n}}", "b": "1"}, {"_raw_params": "a={{ x\n}} b=1"}],
  ["a=b  ", {"a": "b"}, {"_raw_params": "a=b  "}],
  ["stdin_add_newline=no strip_empty_ends=yes echo", {"stdin_add_newline": "no", "strip_empty_ends": "yes", "_raw_params": "echo"}, {"stdin_add_newline": "no", "strip_empty_ends": "yes", "_raw_params": "echo"}],
  ["echo \\= sign", {"_raw_params": "echo = sign"}, {"_raw_params": "echo = sign"}],
  ["echo \\\\=x", {"_raw_params": "echo =x"}, {"_raw_params": "echo =x"}],
  ["a=\\\"x\\\"", {"a": "x"}, {"_raw_params": "a=\\\"x\\\""}],
  ["dest=/etc/{{ name }}.conf owner=root group=root mode=u=rw,g=r,o=r", {"dest": "/etc/{{ name }}.conf", "owner": "root", "group": "root", "mode": "u=rw,g=r,o=r"}, {"_raw_params": "dest=/etc/{{ name }}.conf owner=root group=root mode=u=rw,g=r,o=r"}],
];

/** What parseKV should give for one of Ansible's answers. */
function check(text: string, expected: Expect, freeFormKey?: string): void {
  const label = JSON.stringify(text) + (freeFormKey ? ' (free-form)' : '');
  if ('__error__' in expected) {
    assert.throws(() => parseKV(text, freeFormKey), UserError, label);
  } else if (!freeFormKey && '_raw_params' in expected) {
    // Ansible returns _raw_params and then rejects the task ("extra params"): parseKV refuses at once.
    assert.throws(() => parseKV(text), (e: unknown) => e instanceof UserError && /extra params/.test(e.message), label);
  } else {
    assert.deepEqual(parseKV(text, freeFormKey), expected, label);
  }
}

test('parseKV matches ansible parse_kv on k=v strings', () => {
  assert.ok(ANSIBLE_CASES.length >= 60);
  for (const [text, kv] of ANSIBLE_CASES) check(text, kv);
});

test('parseKV matches ansible parse_kv(check_raw=True) for free-form modules', () => {
  for (const [text, , raw] of ANSIBLE_CASES) check(text, raw, '_raw_params');
});

test('the free-form words go to the module free-form key, with original spacing', () => {
  assert.deepEqual(parseKV('echo "a  b"   c chdir=/tmp creates=/x', 'cmd'), {
    cmd: 'echo "a  b"   c',
    chdir: '/tmp',
    creates: '/x',
  });
  assert.deepEqual(parseKV('echo one\necho two', 'cmd'), { cmd: 'echo one\necho two' });
  // Only special keys are extracted: other k=v words belong to the command.
  assert.deepEqual(parseKV('env FOO=bar ls removes=/y', 'cmd'), { cmd: 'env FOO=bar ls', removes: '/y' });
  // No free-form words: no free-form key at all.
  assert.deepEqual(parseKV('chdir=/tmp', 'cmd'), { chdir: '/tmp' });
});

test('the set of special keys is a parameter', () => {
  const raw = parseKV('/tmp/script.sh arg1 creates=/x executable=/bin/bash', 'cmd', ['creates']);
  assert.deepEqual(raw, { cmd: '/tmp/script.sh arg1 executable=/bin/bash', creates: '/x' });
  assert.deepEqual(parseKV('x=1 y=2 z', 'free', new Set(['y'])), { free: 'x=1 z', y: '2' });
  assert.ok(COMMAND_SPECIAL_KEYS.has('chdir') && COMMAND_SPECIAL_KEYS.has('stdin') && !COMMAND_SPECIAL_KEYS.has('cmd'));
});

test('values stay strings and Jinja blocks stay whole', () => {
  const r = parseKV('mode=0644 count=3 force=yes msg="{{ a }} {{ b }}" path={{ base }}/{{ name | default("x y") }}');
  assert.deepEqual(r, { mode: '0644', count: '3', force: 'yes', msg: '{{ a }} {{ b }}', path: '{{ base }}/{{ name | default("x y") }}' });
  for (const v of Object.values(r)) assert.equal(typeof v, 'string');
});

test('splitArgs keeps quotes and Jinja blocks inside words', () => {
  assert.deepEqual(splitArgs(`a="b c" d='e f' {{ x y }} g`), ['a="b c"', "d='e f'", '{{ x y }}', 'g']);
  assert.deepEqual(splitArgs('a\nb c'), ['a\n', 'b', 'c']);
});

test('unbalanced quotes, unbalanced Jinja and leading blanks are user errors', () => {
  for (const text of [`a='x`, 'a="b\\"', 'msg={{ x', 'a={% if x', '  a=b', '\na=b']) {
    assert.throws(() => parseKV(text), UserError, text);
  }
});

// A live comparison on generated inputs, when ansible-core is installed next to /usr/bin/python3.
const PY = '/usr/bin/python3';
const hasAnsible = existsSync(PY) && spawnSync(PY, ['-c', 'import ansible.parsing.splitter'], { encoding: 'utf8' }).status === 0;

test('parseKV agrees with ansible parse_kv on generated inputs', { skip: hasAnsible ? false : 'ansible-core not installed' }, () => {
  const pieces = ['a=b', 'k="v w"', "k='v w'", 'x', '"q r"', '{{ j k }}', '{% if a %}b{% endif %}', '\\=', '=', 'chdir=/d', 'p=\\n',
    "'", '"', '\\"', '\\', '{{', '}}', ' ', '  ', '\n', 'c=', 'e\\=f', 'u=\\u00e9', 'creates="/a b"', 'm=u=rw'];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const inputs: string[] = [];
  for (let i = 0; i < 400; i++) {
    const n = 1 + rnd(6);
    let s = '';
    for (let j = 0; j < n; j++) s += (j && rnd(3) ? ' ' : '') + pieces[rnd(pieces.length)];
    inputs.push(s);
  }
  const script = `
import json, sys
from ansible.parsing.splitter import parse_kv
out = []
for s in json.load(sys.stdin):
    rec = []
    for cr in (False, True):
        try:
            rec.append(parse_kv(s, check_raw=cr))
        except Exception as e:
            rec.append({"__error__": type(e).__name__})
    out.append(rec)
print(json.dumps(out))
`;
  const r = spawnSync(PY, ['-c', script], { input: JSON.stringify(inputs), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const answers = JSON.parse(r.stdout) as [Expect, Expect][];
  assert.equal(answers.length, inputs.length);
  inputs.forEach((text, i) => {
    check(text, answers[i]![0]);
    check(text, answers[i]![1], '_raw_params');
  });
});

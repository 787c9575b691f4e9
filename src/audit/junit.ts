/**
 * drift.junit.xml: the report as JUnit XML, one testsuite per host and one testcase per host x
 * task, so that CI systems (GitLab, Jenkins, GitHub) show drift as failed tests: drifted is a
 * failure with its diff, would fail an error, skipped and unpredictable are skipped; an
 * unreachable host is one errored testcase.
 */
import type { DriftReport, TaskDrift } from './schema.js';

/** Characters XML 1.0 cannot hold at all (controls but tab, newline and return; lone surrogates; U+FFFE/F). */
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(s: string): string {
  return s.replace(INVALID, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const attrs = (a: Record<string, string | number>) => Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');

function body(t: TaskDrift): string {
  if (t.no_log) return 'the output has been hidden due to no_log: true';
  return [t.msg ?? '', ...t.diff.map((d) => d.unified)].filter(Boolean).join('\n');
}

function testcase(host: string, t: TaskDrift): string {
  const head = `    <testcase${attrs({ classname: host, name: `${t.name} (${t.file}:${t.line})`, file: t.file, line: t.line })}`;
  switch (t.status) {
    case 'in sync':
      return `${head}/>`;
    case 'drifted':
      return `${head}>\n      <failure${attrs({ type: 'drifted', message: `drifted${t.since ? ` (${t.since})` : ''}` })}>${xmlEscape(body(t))}</failure>\n    </testcase>`;
    case 'would fail':
      return `${head}>\n      <error${attrs({ type: 'would fail', message: t.no_log ? 'would fail' : (t.msg ?? 'would fail').split('\n')[0]! })}>${xmlEscape(body(t))}</error>\n    </testcase>`;
    case 'skipped':
    case 'unpredictable':
      return `${head}>\n      <skipped${attrs({ message: t.status === 'unpredictable' ? 'unpredictable: check mode cannot tell what it would do' : (t.msg ?? 'skipped') })}/>\n    </testcase>`;
  }
}

export function junitXml(report: DriftReport): string {
  const suites = Object.entries(report.hosts).map(([host, h]) => {
    const cases = h.reachable ? h.tasks.map((t) => testcase(host, t)) : [];
    if (!h.reachable) cases.push(`    <testcase${attrs({ classname: host, name: 'reachable' })}>\n      <error${attrs({ type: 'unreachable', message: h.reason ?? 'unreachable' })}/>\n    </testcase>`);
    const count = (s: TaskDrift['status'][]) => (h.reachable ? h.tasks.filter((t) => s.includes(t.status)).length : 0);
    const a = { name: host, tests: cases.length, failures: count(['drifted']), errors: h.reachable ? count(['would fail']) : 1, skipped: count(['skipped', 'unpredictable']), timestamp: report.run.started.replace(/\.\d+Z$/, ''), time: 0 };
    return `  <testsuite${attrs(a)}>\n${cases.join('\n')}\n  </testsuite>`;
  });
  const all = Object.values(report.hosts);
  const total = suites.length ? all.reduce((n, h) => n + (h.reachable ? h.tasks.length : 1), 0) : 0;
  const failures = all.reduce((n, h) => n + (h.reachable ? h.tasks.filter((t) => t.status === 'drifted').length : 0), 0);
  const errors = all.reduce((n, h) => n + (h.reachable ? h.tasks.filter((t) => t.status === 'would fail').length : 1), 0);
  const top = { name: 'tsplay audit', tests: total, failures, errors, time: (report.run.duration_ms / 1000).toFixed(3) };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs(top)}>\n${suites.join('\n')}\n</testsuites>\n`;
}

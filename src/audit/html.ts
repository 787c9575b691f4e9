/**
 * drift.html: one static page, CSS and script inline (it opens from a file or a CI artifact),
 * for people: the fleet's counts, a hosts x tasks matrix coloured by status (sticky headers,
 * filters by host pattern and status, hosts with identical drift grouped), and the diff of a
 * cell on a click.
 *
 * Safety: the report goes in as JSON inside a script element of type application/json, with
 * `<`, `>`, `&` and the JavaScript line separators escaped, so no value can close the element;
 * the page's script writes every value through textContent or an escaping function. A file
 * holding `<script>` shows as text and runs nothing.
 */
import type { DriftReport } from './schema.js';

/** JSON that can sit inside a <script> element: nothing in it can end the element or start a comment. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const STYLE = `
:root { --sync: #2e7d32; --drift: #e65100; --fail: #c62828; --skip: #9e9e9e; --unp: #6a1b9a; --unr: #37474f; --none: #eceff1; font-family: system-ui, sans-serif; font-size: 14px; }
body { margin: 0; color: #212121; }
header { padding: 12px 16px; border-bottom: 1px solid #ddd; }
h1 { font-size: 18px; margin: 0 0 6px; }
.meta { color: #555; font-size: 12px; }
.cards { display: flex; gap: 10px; margin: 10px 0 0; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; min-width: 90px; }
.card b { display: block; font-size: 20px; }
.card.drifted b { color: var(--drift); } .card.in-sync b { color: var(--sync); } .card.unreachable b { color: var(--unr); } .card.would-fail b { color: var(--fail); }
.controls { display: flex; gap: 14px; align-items: center; padding: 8px 16px; border-bottom: 1px solid #ddd; flex-wrap: wrap; }
.controls input[type=search] { width: 220px; padding: 3px 6px; }
main { display: flex; height: calc(100vh - 190px); min-height: 300px; }
#matrix { overflow: auto; flex: 1; }
table { border-collapse: separate; border-spacing: 0; }
th, td { border-right: 1px solid #fff; border-bottom: 1px solid #fff; }
thead th { position: sticky; top: 0; background: #fafafa; z-index: 2; vertical-align: bottom; padding: 4px 2px; font-weight: normal; }
thead th .rot { writing-mode: vertical-rl; transform: rotate(180deg); max-height: 180px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 12px; }
th.host { position: sticky; left: 0; background: #fafafa; z-index: 1; text-align: left; padding: 2px 8px; font-weight: normal; white-space: nowrap; max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
thead th.host { z-index: 3; }
td.c { width: 18px; min-width: 18px; height: 18px; cursor: pointer; text-align: center; font-size: 11px; color: #fff; }
td.c:hover { outline: 2px solid #000; }
td.sel { outline: 3px solid #1565c0; }
.s-in-sync { background: var(--sync); } .s-drifted { background: var(--drift); } .s-would-fail { background: var(--fail); }
.s-skipped { background: var(--skip); } .s-unpredictable { background: var(--unp); } .s-none { background: var(--none); cursor: default; }
td.unr { background: var(--unr); color: #fff; padding: 0 8px; white-space: nowrap; max-width: 0; overflow: hidden; text-overflow: ellipsis; }
.count { color: #555; font-size: 12px; }
aside { width: 45%; max-width: 760px; border-left: 1px solid #ddd; overflow: auto; padding: 10px 14px; display: none; }
aside.open { display: block; }
aside h2 { font-size: 15px; margin: 0 0 4px; }
aside .where { color: #555; font-size: 12px; margin-bottom: 8px; }
pre { background: #fafafa; border: 1px solid #eee; padding: 6px; overflow: auto; font-size: 12px; }
pre .add { color: #1b5e20; background: #e8f5e9; display: block; } pre .del { color: #b71c1c; background: #ffebee; display: block; }
pre .hunk { color: #0d47a1; display: block; } pre .file { color: #555; font-weight: bold; display: block; }
.badge { display: inline-block; border-radius: 3px; padding: 0 5px; color: #fff; font-size: 12px; }
.legend span { margin-right: 8px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
.new { font-weight: bold; } .fixed { color: var(--sync); }
`;

/** The page's script: plain browser JavaScript, run on the embedded report. */
const SCRIPT = String.raw`
(function () {
  var R = JSON.parse(document.getElementById('drift-data').textContent);
  var ORDER = ['in sync', 'skipped', 'unpredictable', 'drifted', 'would fail'];
  var SYM = { 'in sync': '', skipped: '', unpredictable: '?', drifted: '\u0394', 'would fail': '\u2715' };
  function cls(s) { return 's-' + s.replace(' ', '-'); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function $(id) { return document.getElementById(id); }
  var names = Object.keys(R.hosts);
  // Columns: each task (file, line, name) in the order the hosts met them.
  var cols = [], colOf = {};
  names.forEach(function (n) {
    R.hosts[n].tasks.forEach(function (t) {
      var k = t.file + ':' + t.line + '\u0000' + t.name;
      if (!(k in colOf)) { colOf[k] = cols.length; cols.push(t); }
    });
  });
  // Per host: per column the results, the worst status, and a signature of its drift for grouping.
  var rows = names.map(function (n) {
    var h = R.hosts[n], cells = cols.map(function () { return []; });
    h.tasks.forEach(function (t) { cells[colOf[t.file + ':' + t.line + '\u0000' + t.name]].push(t); });
    var status = cells.map(function (c) {
      var w = -1; c.forEach(function (t) { w = Math.max(w, ORDER.indexOf(t.status)); }); return w < 0 ? null : ORDER[w];
    });
    var sig = h.reachable ? status.map(function (s, i) {
      return (s || '-') + (s === 'drifted' || s === 'would fail' ? '#' + cells[i].map(function (t) { return t.diff.map(function (d) { return d.unified; }).join() + (t.msg || ''); }).join() : '');
    }).join('|') : 'unreachable|' + h.reason;
    return { name: n, host: h, cells: cells, status: status, sig: sig };
  });
  var s = R.summary;
  $('cards').innerHTML = [
    ['hosts', s.hosts, ''], ['in sync', s.in_sync, 'in-sync'], ['drifted', s.drifted, 'drifted'], ['unreachable', s.unreachable, 'unreachable'],
    ['would fail', s.would_fail, 'would-fail'], ['drifted results', s.drifted_tasks, '']
  ].concat(s.new !== undefined ? [['new since', s.new, 'drifted'], ['fixed since', s.fixed, 'in-sync']] : []).map(function (c) {
    return '<div class="card ' + c[2] + '" data-count="' + esc(c[0]) + '"><b>' + c[1] + '</b>' + esc(c[0]) + '</div>';
  }).join('');
  $('meta').textContent = 'tsplay ' + R.run.tsplay_version + ' \u00b7 ' + R.run.started + ' \u00b7 ' + R.run.playbooks.map(function (p) { return p.path; }).join(', ') +
    ' \u00b7 inventory ' + R.run.inventory.map(function (p) { return p.path; }).join(', ') + (R.run.limit ? ' \u00b7 limit ' + R.run.limit : '') + (R.run.since ? ' \u00b7 since ' + R.run.since : '');
  function glob(p) {
    if (!p) return null;
    if (!/[*?]/.test(p)) return function (n) { return n.indexOf(p) >= 0; };
    var re = new RegExp('^' + p.replace(/[.+^$()|{}\[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    return function (n) { return re.test(n); };
  }
  var shown = [], visibleCols = [];
  function render() {
    var match = glob($('filter').value.trim());
    var want = {};
    Array.prototype.forEach.call(document.querySelectorAll('.st'), function (b) { want[b.value] = b.checked; });
    var onlyDrift = $('onlydrift').checked;
    var list = rows.filter(function (r) { return want[r.host.status] && (!match || match(r.name)); });
    // Grouped: one row per drift signature, named by its first host.
    var groups = [];
    if ($('group').checked) {
      var bySig = {};
      list.forEach(function (r) { if (!(r.sig in bySig)) { bySig[r.sig] = { row: r, members: [] }; groups.push(bySig[r.sig]); } bySig[r.sig].members.push(r.name); });
    } else groups = list.map(function (r) { return { row: r, members: [r.name] }; });
    visibleCols = cols.map(function (_, i) { return i; }).filter(function (i) {
      return !onlyDrift || list.some(function (r) { return r.status[i] === 'drifted' || r.status[i] === 'would fail'; });
    });
    shown = groups;
    var head = '<tr><th class="host">host' + (groups.length !== list.length ? 's (grouped)' : '') + '</th>' + visibleCols.map(function (i) {
      var t = cols[i]; return '<th title="' + esc(t.name + ' \u2014 ' + t.file + ':' + t.line + ' (' + t.module + ')') + '"><div class="rot">' + esc(t.name) + '</div></th>';
    }).join('') + '</tr>';
    var body = groups.map(function (g, gi) {
      var r = g.row, more = g.members.length > 1 ? ' <span class="count">+' + (g.members.length - 1) + '</span>' : '';
      var th = '<th class="host" title="' + esc(g.members.join(', ')) + '">' + esc(r.name) + more + '</th>';
      if (!r.host.reachable) return '<tr data-g="' + gi + '">' + th + '<td class="unr" colspan="' + Math.max(1, visibleCols.length) + '" title="' + esc(r.host.reason || '') + '">unreachable: ' + esc(r.host.reason || '') + '</td></tr>';
      return '<tr data-g="' + gi + '">' + th + visibleCols.map(function (i) {
        var st = r.status[i];
        if (!st) return '<td class="c s-none"></td>';
        var isNew = r.cells[i].some(function (t) { return t.since === 'new'; });
        return '<td class="c ' + cls(st) + (isNew ? ' new' : '') + '" data-c="' + i + '" title="' + esc(st) + '">' + SYM[st] + (isNew ? '*' : '') + '</td>';
      }).join('') + '</tr>';
    }).join('');
    $('thead').innerHTML = head;
    $('tbody').innerHTML = body;
    $('shown').textContent = list.length + ' of ' + rows.length + ' hosts' + (groups.length !== list.length ? ' in ' + groups.length + ' groups' : '') + ', ' + visibleCols.length + ' of ' + cols.length + ' tasks';
  }
  function diffLines(text) {
    var pre = document.createElement('pre');
    text.replace(/\n$/, '').split('\n').forEach(function (l) {
      var span = document.createElement('span');
      span.className = /^(\+\+\+|---) /.test(l) ? 'file' : l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : l.slice(0, 2) === '@@' ? 'hunk' : '';
      span.textContent = l + (span.className ? '' : '\n');
      pre.appendChild(span);
    });
    return pre;
  }
  function el(tag, text, cl) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cl) e.className = cl; return e; }
  function open(g, c, td) {
    var prev = document.querySelector('td.sel'); if (prev) prev.classList.remove('sel');
    td.classList.add('sel');
    var r = g.row, side = $('detail');
    side.textContent = '';
    side.classList.add('open');
    side.appendChild(el('h2', cols[c].name));
    side.appendChild(el('div', r.name + (g.members.length > 1 ? ' and ' + (g.members.length - 1) + ' more with the same drift: ' + g.members.slice(1).join(', ') : '') +
      ' \u2014 ' + cols[c].file + ':' + cols[c].line + ' (' + cols[c].module + ')', 'where'));
    r.cells[c].forEach(function (t) {
      var b = el('div');
      var badge = el('span', t.status + (t.since ? ' (' + t.since + ')' : ''), 'badge ' + cls(t.status));
      b.appendChild(badge);
      if (t.items.length) b.appendChild(el('span', ' items: ' + t.items.join(', ')));
      side.appendChild(b);
      if (t.no_log) side.appendChild(el('p', 'no_log: true \u2014 this task hides what differs.'));
      if (t.msg) side.appendChild(el('pre', t.msg));
      t.diff.forEach(function (d) { side.appendChild(el('div', d.path, 'where')); side.appendChild(diffLines(d.unified)); });
    });
    if (r.host.facts) side.appendChild(el('div', [r.host.facts.os, r.host.facts.kernel, r.host.facts.arch].filter(Boolean).join(' \u00b7 '), 'where'));
    if (r.host.fixed && r.host.fixed.length) {
      side.appendChild(el('div', 'fixed since the previous audit on ' + r.name + ':', 'where'));
      r.host.fixed.forEach(function (f) { side.appendChild(el('div', f.name + ' (' + f.file + ':' + f.line + ')', 'fixed')); });
    }
  }
  $('tbody').addEventListener('click', function (e) {
    var td = e.target.closest('td[data-c]'); if (!td) return;
    open(shown[Number(td.parentNode.getAttribute('data-g'))], Number(td.getAttribute('data-c')), td);
  });
  ['filter', 'group', 'onlydrift'].forEach(function (id) { $(id).addEventListener('input', render); });
  Array.prototype.forEach.call(document.querySelectorAll('.st'), function (b) { b.addEventListener('input', render); });
  render();
  document.body.setAttribute('data-ready', '1');
})();
`;

/** What the page needs of the report: all of it but each diff's before and after text (it shows the unified diff). */
export function pageData(report: DriftReport): unknown {
  const hosts = Object.fromEntries(Object.entries(report.hosts).map(([n, h]) => [n, { ...h, tasks: h.tasks.map((t) => ({ ...t, diff: t.diff.map(({ path, unified }) => ({ path, unified })) })) }]));
  return { ...report, hosts };
}

export function driftHtml(report: DriftReport): string {
  const statuses = ['drifted', 'in sync', 'unreachable'];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tsplay drift audit</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Drift audit</h1>
<div class="meta" id="meta"></div>
<div class="cards" id="cards"></div>
</header>
<div class="controls">
<label>hosts <input type="search" id="filter" placeholder="name or pattern (web*)"></label>
${statuses.map((s) => `<label><input type="checkbox" class="st" value="${s}" checked> ${s}</label>`).join('\n')}
<label><input type="checkbox" id="onlydrift"> only tasks that drifted</label>
<label><input type="checkbox" id="group"> group hosts with identical drift</label>
<span class="count" id="shown"></span>
<span class="legend"><span><i class="s-in-sync"></i>in sync</span><span><i class="s-drifted"></i>drifted</span><span><i class="s-would-fail"></i>would fail</span><span><i class="s-unpredictable"></i>unpredictable</span><span><i class="s-skipped"></i>skipped</span><span><i class="s-none"></i>not run</span></span>
</div>
<main>
<div id="matrix"><table><thead id="thead"></thead><tbody id="tbody"></tbody></table></div>
<aside id="detail"></aside>
</main>
<script id="drift-data" type="application/json">${scriptSafeJson(pageData(report))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

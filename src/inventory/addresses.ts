/**
 * Host names as inventory files write them: `web1:2222`, `[::1]:22`, `web[01:20]`, `db[a:c]`,
 * `h[1:10:2]`. Ports of ansible.parsing.utils.addresses.parse_address and of
 * plugins/inventory.expand_hostname_range, so that the same line yields the same hosts and
 * ports as in ansible-inventory. Range errors are thrown as RangeSyntaxError for the caller to
 * attach a file and line.
 */

export class RangeSyntaxError extends Error {}

const W = '[\\p{L}\\p{N}_]';
const NUMERIC_RANGE = '\\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\\]';
const HEX_RANGE = '\\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\\]';
const ALNUM_RANGE = '\\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\\]';
const I4 = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const I6 = `(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const LABEL = `(?:${W}|${ALNUM_RANGE})(?:${W}|[_-]|${ALNUM_RANGE})*(?<![_-])`;

// Python writes the IPv6 alternatives as `^A|B|...|Z$` and applies them with re.match, so every
// alternative is anchored at the start and only the last one at the end; kept as is.
const IPV6_ALTS = [
  `(?:${I6}:){7}${I6}`,
  `(?:${I6}:){1,6}:`,
  `(?:${I6}:)(?::${I6}){1,6}`,
  `(?:${I6}:){2}(?::${I6}){1,5}`,
  `(?:${I6}:){3}(?::${I6}){1,4}`,
  `(?:${I6}:){4}(?::${I6}){1,3}`,
  `(?:${I6}:){5}(?::${I6}){1,2}`,
  `(?:${I6}:){6}(?::${I6})`,
  `:(?::${I6}){1,6}`,
  `${I6}?::`,
  `(?:0:){6}(?:${I6}\\.){3}${I6}`,
  `::(?:ffff:)?(?:${I6}\\.){3}${I6}`,
  `(?:0:){5}ffff:(?:${I6}\\.){3}${I6}$`,
];

const PATTERNS = {
  bracketedHostport: /^\[(.+)\]:([0-9]+)$/su,
  hostport: /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/su,
  ipv4: new RegExp(`^(?:${I4}\\.){3}${I4}$`, 'iu'),
  ipv6: new RegExp(`^(?:${IPV6_ALTS.join('|')})`, 'iu'),
  hostname: new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'iu'),
};

/** True when `name` is an IPv4 or IPv6 address (used for inventory_hostname_short). */
export function isIpAddress(name: string): boolean {
  return PATTERNS.ipv4.test(name) || PATTERNS.ipv6.test(name);
}

/**
 * Splits `host[:port]` as parse_address does. Returns null where Python raises, which callers
 * treat as "use the text as the host name, no port".
 */
export function parseAddress(address: string, allowRanges: boolean): { host: string; port?: number } | null {
  let port: number | undefined;
  for (const re of [PATTERNS.bracketedHostport, PATTERNS.hostport]) {
    const m = re.exec(address);
    if (m) {
      address = m[1]!;
      port = parseInt(m[2]!, 10);
    }
  }
  if (!PATTERNS.ipv4.test(address) && !PATTERNS.ipv6.test(address) && !PATTERNS.hostname.test(address)) return null;
  if (!allowRanges && address.includes('[')) return null;
  return { host: address, port };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Python's int() on a range bound: optional sign, digits with single underscores, surrounding blanks. */
function pyInt(s: string): number {
  if (!/^\s*[-+]?[0-9]+(?:_[0-9]+)*\s*$/.test(s)) throw new RangeSyntaxError(`invalid literal for int() with base 10: '${s}'`);
  return parseInt(s.replace(/_/g, ''), 10);
}

function zfill(s: string, width: number): string {
  const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
  const body = sign ? s.slice(1) : s;
  return sign + body.padStart(width - sign.length, '0');
}

/** Expands every `[beg:end(:step)]` in a name, left to right, as expand_hostname_range does. */
export function expandHostnameRange(line: string): string[] {
  const parts = line.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3) throw new RangeSyntaxError(`cannot expand '${line}': a host range is written [begin:end] or [begin:end:step]`);
  const [head, nrange, tail] = parts as [string, string, string];
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new RangeSyntaxError('host range must be begin:end or begin:end:step');
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const stepText = bounds.length === 2 ? '1' : bounds[2]!;
  if (!end) throw new RangeSyntaxError('host range must specify end value');
  let fill = (x: string) => x;
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new RangeSyntaxError('host range must specify equal-length begin and end formats');
    fill = (x) => zfill(x, beg.length);
  }
  let seq: string[];
  // str.index finds substrings, so `[ab:cd]` is a letter range in Ansible too.
  const iBeg = LETTERS.indexOf(beg);
  const iEnd = LETTERS.indexOf(end);
  const step = pyInt(stepText);
  if (iBeg >= 0 && iEnd >= 0 && step !== 0) {
    if (iBeg > iEnd) throw new RangeSyntaxError('host range must have begin <= end');
    seq = [];
    if (step > 0) for (let i = iBeg; i <= iEnd; i += step) seq.push(LETTERS[i]!);
  } else {
    const b = pyInt(beg);
    const e = pyInt(end);
    if (step === 0) throw new RangeSyntaxError('range() arg 3 must not be zero');
    seq = [];
    if (step > 0) for (let i = b; i <= e; i += step) seq.push(String(i));
    else for (let i = b; i > e + 1; i += step) seq.push(String(i));
  }
  const out: string[] = [];
  for (const r of seq) {
    const name = head + fill(r) + tail;
    if (name.includes('[')) out.push(...expandHostnameRange(name));
    else out.push(name);
  }
  return out;
}

/**
 * Turns one host entry into host names and an optional port (BaseInventoryPlugin's
 * _expand_hostpattern). An entry that parse_address rejects is kept whole, as in Ansible.
 */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  const parsed = parseAddress(pattern, true);
  const name = parsed ? parsed.host : pattern;
  const hosts = name.includes('[') ? expandHostnameRange(name) : [name];
  // Ansible silently adds no host for `db[5:1]`; an empty range is always a typo.
  if (hosts.length === 0) throw new RangeSyntaxError(`host range '${name}' expands to no hosts (begin is after end, or the step is negative)`);
  return { hosts, port: parsed?.port };
}

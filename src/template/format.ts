/**
 * Python string formatting, as templates use it: `'%s-%02d' % (a, b)`, the `format` filter
 * (printf style) and `'{}:{:>5}'.format(a, b)`. Numbers are rendered the way Python renders
 * them, including half-even rounding on exact ties (`'%.2f' % 0.125` is `0.12`).
 */
import { fail, floatRepr, isFloat, isMapping, isNumber, isTuple, norm, pyRepr, pyStr, toNum, typeName } from './pyvalues.js';

/** `x` with `digits` decimals, rounding exact binary ties to even as Python does (JS rounds them up). */
export function toFixedPy(x: number, digits: number): string {
  if (!Number.isFinite(x)) return floatRepr(x);
  const s = x.toFixed(digits);
  const long = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const tail = long.slice(long.indexOf('.') + 1 + digits);
  if (digits < 70 && /^50*$/.test(tail)) {
    // An exact tie: toFixed rounded away from zero; go back down if that made the last digit odd.
    const lastDigit = Number(s.replace(/\D/g, '').slice(-1));
    if (lastDigit % 2 === 1) {
      const step = 10 ** -digits;
      return (Math.sign(x) * (Math.abs(Number(s)) - step)).toFixed(digits);
    }
  }
  return s;
}

function expPy(x: number, digits: number, upper: boolean): string {
  const [m, e] = x.toExponential(digits).split('e');
  const n = Number(e);
  const out = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  return upper ? out.toUpperCase() : out;
}

function generalPy(x: number, precision: number, alt: boolean, upper: boolean): string {
  if (!Number.isFinite(x)) return floatRepr(x);
  const p = precision === 0 ? 1 : precision;
  const exp = x === 0 ? 0 : Number(x.toExponential(p - 1).split('e')[1]);
  let out = exp >= -4 && exp < p ? toFixedPy(x, p - 1 - exp) : expPy(x, p - 1, upper);
  if (!alt) out = out.replace(/(\.\d*?)0+(?=$|e)/i, '$1').replace(/\.(?=$|e)/i, '');
  return out;
}

function toInt(v: unknown, conv: string): number {
  v = norm(v);
  if (!isNumber(v) && typeof v !== 'boolean') fail(`%${conv} format: a real number is required, not ${typeName(v)}`);
  return Math.trunc(toNum(v));
}

function toFloat(v: unknown, conv: string): number {
  v = norm(v);
  if (!isNumber(v) && typeof v !== 'boolean') fail(`must be real number, not ${typeName(v)} (%${conv})`);
  return toNum(v);
}

/** Renders one number or string for a conversion type shared by %-format and format specs. */
function convert(v: unknown, type: string, precision: number | undefined, alt: boolean): string {
  switch (type) {
    case 's':
      return precision === undefined ? pyStr(v) : pyStr(v).slice(0, precision);
    case 'r':
    case 'a':
      return pyRepr(v);
    case 'd':
    case 'i':
    case 'u':
      return String(toInt(v, type));
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const n = toInt(v, type);
      const base = type === 'o' ? 8 : type === 'b' ? 2 : 16;
      const digits = Math.abs(n).toString(base);
      const prefix = alt ? (type === 'o' ? '0o' : type === 'b' ? '0b' : '0x') : '';
      const body = (n < 0 ? '-' : '') + prefix + digits;
      return type === 'X' ? body.toUpperCase() : body;
    }
    case 'f':
    case 'F':
      return toFixedPy(toFloat(v, type), precision ?? 6);
    case 'e':
    case 'E':
      return expPy(toFloat(v, type), precision ?? 6, type === 'E');
    case 'g':
    case 'G':
      return generalPy(toFloat(v, type), precision ?? 6, alt, type === 'G');
    case '%':
      return toFixedPy(toFloat(v, type) * 100, precision ?? 6) + '%';
    case 'c':
      return typeof v === 'string' ? v : String.fromCodePoint(toInt(v, 'c'));
    default:
      fail(`unsupported format character '${type}'`);
  }
}

function pad(body: string, width: number, align: string, fill: string, numeric: boolean): string {
  if (body.length >= width) return body;
  const n = width - body.length;
  if (align === '<') return body + fill.repeat(n);
  if (align === '^') return fill.repeat(Math.floor(n / 2)) + body + fill.repeat(n - Math.floor(n / 2));
  if (align === '=' && numeric) {
    const sign = /^[-+ ]/.test(body) ? body[0] : '';
    return sign + fill.repeat(n) + body.slice(sign.length);
  }
  return fill.repeat(n) + body;
}

const PERCENT = /%(?:\(([^)]*)\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;

/** Python's `fmt % args`: args is a tuple (spread), a dict (named fields) or a single value. */
export function percentFormat(fmt: string, args: unknown): string {
  args = norm(args);
  const list = isTuple(args) ? (args as unknown[]) : [args];
  const named = isMapping(args) ? args : undefined;
  let next = 0;
  const take = (): unknown => {
    if (next >= list.length) fail('not enough arguments for format string');
    return list[next++];
  };
  const out = fmt.replace(PERCENT, (_m, key: string | undefined, flags: string, w: string, p: string, type: string) => {
    if (type === '%') return '%';
    const width = w === '*' ? toInt(take(), 'd') : Number(w ?? 0);
    const precision = p === '*' ? toInt(take(), 'd') : p === undefined ? undefined : Number(p);
    const value = key !== undefined ? (named ? named[key] : fail('format requires a mapping')) : take();
    let body = convert(value, type, precision, flags.includes('#'));
    const numeric = !'srac'.includes(type);
    if (numeric && !body.startsWith('-')) {
      if (flags.includes('+')) body = '+' + body;
      else if (flags.includes(' ')) body = ' ' + body;
    }
    if (flags.includes('-')) return pad(body, width, '<', ' ', numeric);
    if (flags.includes('0') && numeric) return pad(body, width, '=', '0', true);
    return pad(body, width, '>', ' ', numeric);
  });
  if (!named && next < list.length) fail('not all arguments converted during string formatting');
  return out;
}

const SPEC = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([_,])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function formatSpec(v: unknown, spec: string): string {
  const m = SPEC.exec(spec);
  if (!m) fail(`invalid format specifier '${spec}'`);
  const [, fill, align, sign, alt, zero, width, group, precision, typeIn] = m;
  v = norm(v);
  const numeric = isNumber(v) || typeof v === 'boolean';
  const type = typeIn ?? (numeric ? (isFloat(v) ? 'g' : 'd') : 's');
  let body: string;
  if (!typeIn && numeric && isFloat(v) && precision === undefined) body = pyStr(v);
  else body = convert(v, type === 'n' ? 'g' : type, precision === undefined ? undefined : Number(precision), !!alt);
  if (group && numeric) {
    const [int, frac] = body.split('.');
    body = int!.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (frac !== undefined ? '.' + frac : '');
  }
  if (numeric && !body.startsWith('-') && (sign === '+' || sign === ' ')) body = sign + body;
  const a = align ?? (zero && numeric ? '=' : numeric ? '>' : '<');
  return pad(body, Number(width ?? 0), a, fill ?? (zero ? '0' : ' '), numeric);
}

/** Python's `str.format(*args, **kwargs)` with `{}`, `{0}`, `{name}`, `!r`/`!s` and format specs. */
export function strFormat(fmt: string, args: unknown[], kwargs: Record<string, unknown>): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}/g, (m, field: string, conv: string, spec: string) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const [head, ...rest] = field.split(/(?=[.[])/);
    let v: unknown = head === '' ? args[auto++] : /^\d+$/.test(head!) ? args[Number(head)] : kwargs[head!];
    if (v === undefined) fail(head === '' || /^\d+$/.test(head!) ? 'Replacement index out of range' : `KeyError: '${head}'`);
    for (const r of rest) {
      const key = r.startsWith('.') ? r.slice(1) : r.slice(1, -1);
      v = Array.isArray(v) ? v[Number(key)] : isMapping(v) ? v[key] : undefined;
    }
    if (conv === 'r' || conv === 'a') v = pyRepr(v);
    else if (conv === 's') v = pyStr(v);
    return spec ? formatSpec(v, spec) : pyStr(v);
  });
}

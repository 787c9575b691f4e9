/** The one-character escapes of Python string literals (`\n`, `\t`, `\\`...), shared by every reader of Python-style text. */
export const PY_SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

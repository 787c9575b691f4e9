/**
 * The one shell-quoting helper, called by the sh`` tag (src/core/sh.ts) and nowhere else: every
 * value that reaches a remote or local shell is interpolated into sh`` and quoted here. Single
 * quotes make every byte literal in POSIX sh; a single quote itself is closed, escaped and
 * reopened.
 */
export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each element of an argv and joins them into one shell command line. */
export function quoteArgv(argv: readonly (string | number)[]): string {
  return argv.map(quote).join(' ');
}

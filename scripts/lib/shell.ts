/** A word for a POSIX shell, single-quoted. */
export const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Arguments as a user would type them: quoted only where the shell would otherwise change them (globs, spaces, $). */
export function shellJoin(args: readonly string[]): string {
  return args.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a))).join(' ');
}

/**
 * The commands a REPORT.md prints: each `$ …` line of a console block (its output follows it), and each
 * bash block whole (a multi-line curl). What a user would copy and paste, exactly as printed.
 */
export function reportCommands(markdown: string): string[] {
  const out: string[] = [];
  const blocks = markdown.matchAll(/^```(console|bash)\n([\s\S]*?)^```$/gm);
  for (const [, lang, body] of blocks) {
    if (lang === 'bash') out.push((body as string).trimEnd());
    else for (const line of (body as string).split('\n')) if (line.startsWith('$ ')) out.push(line.slice(2));
  }
  return out;
}

import chalk from 'chalk';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './stack.ts';

/**
 * What a lifecycle script shows: printed to the terminal as it happens and kept as Markdown in
 * evidence/<run-id>/REPORT.md, the file a student hands in.
 */
export class Evidence {
  readonly dir: string;
  private readonly md: string[] = [];
  private readonly deliverables: Array<{ item: string; proof: string }> = [];

  constructor(readonly runId: string, private readonly quiet = false, baseDir = join(ROOT, 'evidence')) {
    this.dir = join(baseDir, runId);
    mkdirSync(this.dir, { recursive: true });
    this.md.push(`# rastro evidence — ${runId}\n`);
  }

  /** A new run directory under evidence/ (or RASTRO_EVIDENCE_DIR, which the tests point elsewhere). */
  static create(script: string, quiet = false): Evidence {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
    return new Evidence(`${stamp}-${script}`, quiet, process.env.RASTRO_EVIDENCE_DIR ?? join(ROOT, 'evidence'));
  }

  /** For tests: prints nothing and keeps its files in a temporary directory. */
  static silent(script: string): Evidence {
    return new Evidence(`${script}-${process.pid}-${Date.now()}`, true, join(tmpdir(), 'rastro-evidence'));
  }

  /** Called before each printed line (the chaos live view uses it to stop redrawing over output). */
  beforePrint: () => void = () => {};

  private out(s: string): void {
    if (this.quiet) return;
    this.beforePrint();
    console.log(s);
  }

  section(title: string): void {
    this.out(`\n${chalk.bold.cyan(`== ${title}`)}`);
    this.md.push(`\n## ${title}\n`);
  }

  step(text: string): void {
    this.out(`${chalk.dim('•')} ${text}`);
    this.md.push(`- ${text}`);
  }

  /** A command and what it printed, verbatim. */
  command(cmd: string, output?: string): void {
    this.out(chalk.yellow(`$ ${cmd}`));
    if (output !== undefined && output !== '') this.out(output);
    this.md.push('\n```console', `$ ${cmd}`, ...(output ? [output] : []), '```\n');
  }

  block(lang: string, text: string, caption?: string): void {
    if (caption) this.step(caption);
    this.out(text);
    this.md.push(`\n\`\`\`${lang}`, text, '```\n');
  }

  ok(text: string): void {
    this.out(`${chalk.green('✔')} ${text}`);
    this.md.push(`- ✅ ${text}`);
  }

  fail(text: string): void {
    this.out(`${chalk.red('✘')} ${text}`);
    this.md.push(`- ❌ ${text}`);
  }

  /** A course deliverable and where this report proves it; listed as a table at the top of REPORT.md. */
  deliverable(item: string, proof: string): void {
    this.deliverables.push({ item, proof });
  }

  /** An image saved in the evidence directory, shown in the report. */
  image(file: string, caption: string): void {
    const rel = file.startsWith(`${this.dir}/`) ? file.slice(this.dir.length + 1) : file;
    this.out(`${chalk.dim('•')} ${caption}: ${file}`);
    this.md.push(`\n**${caption}**\n\n![${caption}](${rel})\n`);
  }

  /** Writes REPORT.md (again) and returns its path. */
  save(): string {
    const file = join(this.dir, 'REPORT.md');
    const [title, ...body] = this.md;
    const index = this.deliverables.length === 0 ? [] : ['\n## Course deliverables in this report\n', '| deliverable | proof |', '| --- | --- |', ...this.deliverables.map((d) => `| ${d.item} | ${d.proof} |`), ''];
    writeFileSync(file, `${[title, ...index, ...body].join('\n')}\n`);
    return file;
  }
}

import chalk from 'chalk';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../shared/stack.ts';

/**
 * What a lifecycle script shows: printed to the terminal as it happens and kept as Markdown in
 * evidence/<run-id>/REPORT.md, the file a student hands in. The file is rewritten after every entry,
 * so a run that fails half-way still leaves its report up to the failure.
 */
export class Evidence {
  readonly dir: string;
  private readonly md: string[] = [];
  private readonly deliverables: Array<{ item: string; proof: string }> = [];

  constructor(readonly runId: string, private readonly quiet = false, baseDir = join(ROOT, 'evidence')) {
    this.dir = join(baseDir, runId);
    mkdirSync(this.dir, { recursive: true });
    this.md.push(`# rastro evidence — ${runId}\n`);
    this.save();
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

  /** Appends to the report and writes it at once. */
  private add(...lines: string[]): void {
    this.md.push(...lines);
    this.save();
  }

  private out(s: string): void {
    if (this.quiet) return;
    this.beforePrint();
    console.log(s);
  }

  section(title: string): void {
    this.out(`\n${chalk.bold.cyan(`== ${title}`)}`);
    this.add(`\n## ${title}\n`);
  }

  step(text: string): void {
    this.out(`${chalk.dim('•')} ${text}`);
    this.add(`- ${text}`);
  }

  /** A command and what it printed, verbatim. */
  command(cmd: string, output?: string): void {
    this.out(chalk.yellow(`$ ${cmd}`));
    if (output !== undefined && output !== '') this.out(output);
    this.add('\n```console', `$ ${cmd}`, ...(output ? [output] : []), '```\n');
  }

  block(lang: string, text: string, caption?: string): void {
    if (caption) this.step(caption);
    this.out(text);
    this.add(`\n\`\`\`${lang}`, text, '```\n');
  }

  ok(text: string): void {
    this.out(`${chalk.green('✔')} ${text}`);
    this.add(`- ✅ ${text}`);
  }

  fail(text: string): void {
    this.out(`${chalk.red('✘')} ${text}`);
    this.add(`- ❌ ${text}`);
  }

  /** A course deliverable and where this report proves it; listed as a table at the top of REPORT.md. */
  deliverable(item: string, proof: string): void {
    this.deliverables.push({ item, proof });
    this.save();
  }

  /**
   * A picture made by `render` (which returns a caption suffix, if any). Pictures are extras: when one
   * cannot be made (no Chromium, say) the report says "skipped" and why, and the run goes on.
   */
  async picture(file: string, caption: string, render: () => Promise<string | void>): Promise<boolean> {
    try {
      const suffix = await render();
      this.image(file, suffix ? `${caption} (${suffix})` : caption);
      return true;
    } catch (err) {
      this.step(`${caption}: skipped: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /** An image saved in the evidence directory, shown in the report. */
  image(file: string, caption: string): void {
    const rel = file.startsWith(`${this.dir}/`) ? file.slice(this.dir.length + 1) : file;
    this.out(`${chalk.dim('•')} ${caption}: ${file}`);
    this.add(`\n**${caption}**\n\n![${caption}](${rel})\n`);
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

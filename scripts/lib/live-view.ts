import chalk from 'chalk';
import { describeTopic } from './kafka-admin.ts';
import { QUERIES as Q } from './metrics/catalogue.ts';
import { PrometheusClient } from './prometheus.ts';
import type { Runtime } from './runtime/types.ts';
import { formatValue } from './render/svg-chart.ts';
import { redrawInPlace } from '../../shared/cli.ts';

export interface LiveState {
  at: number;
  brokersUp: string;
  leaders: string;
  underReplicated: number;
  producerRate: number;
  producerRetries: number;
  sinkLag: number;
  freshnessMs: number;
  phase: string;
}

/**
 * The chaos run's terminal dashboard: refreshed in place on a terminal, one line per refresh
 * otherwise (CI logs). Reads Kafka metadata and Prometheus; never throws (a sample that fails shows "?").
 */
export class LiveView {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private lastSent = 0;
  private lastAt = Date.now();
  phase = 'warming up';
  private readonly prom: PrometheusClient;

  constructor(private readonly rt: Runtime, private readonly producerStats: () => { sent: number; retriedBatches: number }, private readonly intervalMs = 2000) {
    this.prom = new PrometheusClient(rt.addresses.prometheusUrl);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async scalar(expr: string): Promise<number> {
    const r = await this.prom.query(expr).catch(() => []);
    return r[0]?.value ?? Number.NaN;
  }

  async sample(): Promise<LiveState> {
    const now = Date.now();
    const stats = this.producerStats();
    const rate = ((stats.sent - this.lastSent) * 1000) / Math.max(now - this.lastAt, 1);
    this.lastSent = stats.sent;
    this.lastAt = now;
    const up = await this.prom.query(Q.brokerScrapeState).catch(() => []);
    // Every node, the broker-only ones make scale added included.
    const nodes = this.rt.nodes();
    const brokersUp = nodes.map((id) => {
      const v = up.find((s) => s.metric.service === `kafka-${id}`)?.value;
      return v === 1 ? chalk.green(`kafka-${id} ▲`) : v === 0 ? chalk.red(`kafka-${id} ▼`) : chalk.dim(`kafka-${id} ?`);
    }).join('  ');
    const parts = await describeTopic(this.rt.access.kafka('monitor'), this.rt.stack.topics.locations).catch(() => []);
    const leaders = nodes.map((id) => `${id}:${parts.filter((p) => p.leader === id).length}`).join(' ');
    return {
      at: now,
      brokersUp,
      leaders,
      underReplicated: parts.filter((p) => p.isr.length < p.replicas.length).length,
      producerRate: rate,
      producerRetries: stats.retriedBatches,
      sinkLag: await this.scalar(Q.sinkLag),
      freshnessMs: await this.scalar(Q.freshnessLast),
      phase: this.phase,
    };
  }

  private async tick(): Promise<void> {
    const s = await this.sample();
    const lines = [
      `${chalk.bold('phase')} ${chalk.cyan(s.phase)}   ${chalk.dim(new Date(s.at).toISOString().slice(11, 19))}`,
      `${chalk.bold('brokers')} ${s.brokersUp}`,
      `${chalk.bold('leaders')} ${s.leaders}   ${chalk.bold('under-replicated')} ${s.underReplicated > 0 ? chalk.yellow(String(s.underReplicated)) : chalk.green('0')}`,
      `${chalk.bold('producer')} ${formatValue(s.producerRate, 'ops')} acknowledged, ${s.producerRetries} batches retried   ${chalk.bold('sink lag')} ${formatValue(s.sinkLag)}   ${chalk.bold('freshness')} ${formatValue(s.freshnessMs, 'ms')}`,
    ];
    if (redrawInPlace(process.env, process.stdout.isTTY === true)) {
      if (this.drawn > 0) process.stdout.write(`\x1b[${this.drawn}A\x1b[0J`);
      process.stdout.write(`${lines.join('\n')}\n`);
      this.drawn = lines.length;
    } else {
      // Plain log: one line, no redraw.
      process.stdout.write(`${lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')).join(' | ')}\n`);
    }
  }

  /** Lets normal output continue below the view instead of being overwritten by the next redraw. */
  detach(): void {
    this.drawn = 0;
  }
}

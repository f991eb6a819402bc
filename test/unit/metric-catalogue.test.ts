import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ProducerMetrics } from '../../producer/src/metrics.ts';
import { allQueries, METRICS, QUERIES } from '../../scripts/lib/metrics/catalogue.ts';
import { readDashboard } from '../../scripts/lib/metrics/dashboard-file.ts';
import { TIMELINE_PANELS } from '../../scripts/lib/render/timeline.ts';
import { loadStack, ROOT } from '../../shared/stack.ts';

const named = allQueries(loadStack());
const ALERTS_FILE = join(ROOT, 'config', 'prometheus', 'alerts.yml');

/**
 * Queries the dashboard or the alert rules may spell without the catalogue, each with the reason.
 * Empty today: a query added to the JSON or the rules belongs in scripts/lib/metrics/catalogue.ts.
 */
const NOT_IN_CATALOGUE = new Map<string, string>();

/** An alert rule's expression split into a named query and its threshold (`<query> > 5000`). */
function alertQuery(expr: string): string {
  const m = /^(.*\S)\s+(?:>|<|>=|<=|==|!=)\s+-?[\d.]+$/s.exec(expr.trim());
  return m?.[1] ?? expr.trim();
}

describe('metric catalogue', () => {
  it('holds every query of the Grafana dashboard (panels and annotations)', () => {
    const d = readDashboard();
    const exprs = [...d.panels.flatMap((p) => p.queries.map((q) => ({ where: `panel "${p.title}"`, expr: q.expr }))), ...d.annotations.map((a) => ({ where: `annotation "${a.name}"`, expr: a.expr }))];
    expect(exprs.length).toBeGreaterThan(30);
    const unknown = exprs.filter((e) => !named.has(e.expr) && !NOT_IN_CATALOGUE.has(e.expr)).map((e) => `${e.where}: ${e.expr}`);
    expect(unknown).toEqual([]);
  });

  it('holds the query of every alert rule, compared with a threshold', () => {
    const rules = (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(8);
    const unknown = rules.filter((r) => !named.has(alertQuery(r.expr)) && !NOT_IN_CATALOGUE.has(r.expr)).map((r) => `${r.alert}: ${r.expr}`);
    expect(unknown).toEqual([]);
    expect(alertQuery('sum by (topic) (x{a="b"}) > 5000')).toBe('sum by (topic) (x{a="b"})');
  });

  it('feeds the chaos timeline', () => {
    for (const q of TIMELINE_PANELS.flatMap((p) => p.queries)) expect(named.has(q.expr), q.expr).toBe(true);
  });

  it('counts brokers against the configured targets, never a literal node count', () => {
    // up{job="kafka"} stays present (0) for a stopped node, so the total does not shrink with it.
    expect(QUERIES.clusterWhole).toContain(QUERIES.brokersConfigured);
    for (const q of named.keys()) expect(q, q).not.toMatch(/[=/]\s*3\b/);
  });

  it("names the producer's metrics as the producer registers them", async () => {
    const registered = new Set((await new ProducerMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const ours = Object.values(METRICS).filter((n) => n.startsWith('rastro_producer_'));
    expect(ours.length).toBeGreaterThan(3);
    // A histogram registers its base name; Prometheus stores <name>_bucket.
    for (const n of ours) expect(registered, n).toContain(n.replace(/_bucket$/, ''));
  });
});

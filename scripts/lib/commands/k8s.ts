import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { K8S_DIR, manifestDrift, renderManifests } from '../k8s/render.ts';
import { displayPath } from '../../../shared/security.ts';
import { loadStack } from '../../../shared/stack.ts';
import { parseCommand, type CommandSpec } from '../../../shared/cli.ts';

export const SPEC: CommandSpec = {
  name: './scripts/k8s.mjs',
  summary: 'the stack as Strimzi and Kubernetes manifests in deploy/kubernetes/ (make k8s), generated from config/ and the principals; no Kubernetes runs here',
  options: { check: { type: 'boolean', description: 'write nothing; exit 1 when a checked-in manifest differs from what the sources give' } },
  examples: ['make k8s', './scripts/k8s.mjs --check'],
  exits: { 0: 'written (or, with --check, up to date)', 1: '--check: a manifest is stale', 2: 'bad usage', 3: 'crashed' },
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ check?: boolean }>(SPEC, argv);
  if (args === undefined) return 0;
  const stack = loadStack({ portOffset: 0 });
  if (args.values.check) {
    const drift = manifestDrift(stack);
    console.log(drift.length === 0 ? `${displayPath(K8S_DIR)}: up to date` : `${displayPath(K8S_DIR)}: stale ${drift.join(', ')} (run make k8s)`);
    return drift.length === 0 ? 0 : 1;
  }
  const files = renderManifests(stack);
  mkdirSync(K8S_DIR, { recursive: true });
  for (const f of readdirSync(K8S_DIR)) if (/^\d\d-.*\.yaml$/.test(f) && !files.has(f)) rmSync(join(K8S_DIR, f));
  for (const [file, text] of files) writeFileSync(join(K8S_DIR, file), text);
  console.log(`${displayPath(K8S_DIR)}: ${[...files.keys()].join(', ')}`);
  return 0;
}

#!/usr/bin/env node
// @ts-check
// The producer as one precompiled ES module (esbuild; packages stay in node_modules): a run then starts
// without a TypeScript compiler (tsx cost ~0.5 s of every start). Built by `make` (scripts/setup.mjs) and,
// should the sources have changed since, by the producer's own entry before it runs (about 0.3 s, once).
//   node producer/build.mjs        build when stale, print what it did
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** One level below the root, like shared/, so that the bundle's ROOT (shared/stack.ts, from import.meta.url) is the checkout's. */
export const BUNDLE = join(ROOT, '.rastro', 'producer.mjs');
const META = `${BUNDLE}.meta.json`;
const ENTRY = join(ROOT, 'producer', 'src', 'entry.ts');

/** True when the bundle exists and is newer than every source it was built from (and this builder). */
export function bundleFresh() {
  if (!existsSync(BUNDLE) || !existsSync(META)) return false;
  const built = statSync(BUNDLE).mtimeMs;
  /** @type {{ inputs: Record<string, unknown> }} */
  const meta = JSON.parse(readFileSync(META, 'utf8'));
  const inputs = [...Object.keys(meta.inputs).map((f) => join(ROOT, f)), fileURLToPath(import.meta.url)];
  return inputs.every((f) => existsSync(f) && statSync(f).mtimeMs <= built);
}

/** Builds the bundle unless it is fresh; returns what it did. */
export async function ensureBundle() {
  if (bundleFresh()) return 'fresh';
  const esbuild = await import('esbuild');
  const r = await esbuild
    .build({ entryPoints: [ENTRY], outfile: BUNDLE, absWorkingDir: ROOT, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', metafile: true, write: false, logLevel: 'silent' })
    .catch((/** @type {Error} */ err) => {
      throw new Error(`build the producer (${ENTRY} → ${BUNDLE}) with esbuild: ${err.message}`);
    });
  const code = r.outputFiles.find((f) => f.path === BUNDLE);
  if (code === undefined) throw new Error(`build the producer: esbuild wrote no ${BUNDLE}`);
  // Written aside, then renamed: a producer starting meanwhile (several run at once in the bench and the
  // tests) reads the old bundle or the new one, never half of one. The metadata goes first: a bundle is
  // never newer than the inputs it lists.
  mkdirSync(dirname(BUNDLE), { recursive: true });
  for (const [file, text] of /** @type {const} */ ([[META, JSON.stringify(r.metafile)], [BUNDLE, code.text]])) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return 'built';
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`producer bundle ${BUNDLE}: ${await ensureBundle()}`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../../shared/stack.ts';

/**
 * The model `docker compose config` would print for compose.yml (+ compose.secure.yml), without Docker:
 * each file parsed (YAML merge keys resolved), its values interpolated from .env's variables as the
 * Compose Specification says, then the files merged in order. Compose v2 is not packaged where the
 * tests run; this is what lets them check the files a Docker host would read. It covers the parts of
 * the specification these files use; anything else it meets it refuses, naming it, rather than guess.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ComposeModel = { services: Record<string, any>; volumes?: Record<string, unknown> } & Record<string, unknown>;

/** ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, $VAR and $$. */
const REFERENCE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(\{[^}]*\}?))/g;

/** One string's interpolation; `where` names the file and path for an error. */
export function interpolate(value: string, vars: ReadonlyMap<string, string>, where: string): string {
  return value.replace(REFERENCE, (whole, dollar: string | undefined, name: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined, bad: string | undefined) => {
    if (dollar !== undefined) return '$';
    if (bad !== undefined) throw new Error(`${where}: invalid interpolation ${JSON.stringify(whole)}`);
    const key = (name ?? bare) as string;
    const v = vars.get(key);
    const unsetOrEmpty = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
    switch (op?.replace(':', '')) {
      case undefined:
        return v ?? '';
      case '-':
        return unsetOrEmpty ? interpolate(arg ?? '', vars, where) : (v as string);
      case '?':
        if (unsetOrEmpty) throw new Error(`${where}: required variable ${key} is missing a value: ${arg ?? ''}`);
        return v as string;
      case '+':
        return unsetOrEmpty ? '' : interpolate(arg ?? '', vars, where);
      default:
        throw new Error(`${where}: invalid interpolation ${JSON.stringify(whole)}`);
    }
  });
}

/** Interpolates every string of a parsed file, keys excepted (Compose does not interpolate keys). */
function interpolateAll(node: unknown, vars: ReadonlyMap<string, string>, where: string): unknown {
  if (typeof node === 'string') return interpolate(node, vars, where);
  if (Array.isArray(node)) return node.map((v, i) => interpolateAll(v, vars, `${where}[${i}]`));
  if (node !== null && typeof node === 'object') {
    // Extension fields (x-…) are not part of the model.
    return Object.fromEntries(Object.entries(node).filter(([k]) => !k.startsWith('x-')).map(([k, v]) => [k, interpolateAll(v, vars, `${where}.${k}`)]));
  }
  return node;
}

/** The container path of a short or long volume entry: merging keys volumes by it. */
function mountTarget(v: unknown): string {
  if (typeof v === 'string') return v.split(':')[1] ?? v;
  if (v !== null && typeof v === 'object' && 'target' in v) return String((v as { target: unknown }).target);
  throw new Error(`compose merge: a volume entry without a target: ${JSON.stringify(v)}`);
}

/** Sequences Compose merges as sets; `volumes` by target; every other sequence is replaced by the later file. */
const UNION = new Set(['ports', 'expose', 'extra_hosts', 'env_file', 'dns', 'dns_search', 'tmpfs', 'external_links']);

/** Compose's merge of a later file over an earlier one (Compose Specification, "Merge and override"). */
export function mergeCompose(base: unknown, over: unknown, key = ''): unknown {
  if (over === undefined) return base;
  if (Array.isArray(base) && Array.isArray(over)) {
    if (key === 'volumes' || key === 'devices') {
      const byTarget = new Map(base.map((v) => [mountTarget(v), v]));
      for (const v of over) byTarget.set(mountTarget(v), v);
      return [...byTarget.values()];
    }
    if (UNION.has(key)) return [...base, ...over.filter((v) => !base.some((b) => JSON.stringify(b) === JSON.stringify(v)))];
    return over;
  }
  if (base !== null && typeof base === 'object' && !Array.isArray(base) && over !== null && typeof over === 'object' && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over)) out[k] = mergeCompose(out[k], v, k);
    return out;
  }
  return over;
}

/** The files compose reads for a security mode, in order (what `make up` writes into COMPOSE_FILE). */
export function composeFiles(secure: boolean): string[] {
  return secure ? ['compose.yml', 'compose.secure.yml'] : ['compose.yml'];
}

/** The merged, interpolated model of the project's compose files for `vars` (what .env holds). */
export function composeModel(secure: boolean, vars: ReadonlyMap<string, string>, root = ROOT): ComposeModel {
  let model: unknown = {};
  for (const file of composeFiles(secure)) {
    const parsed = parse(readFileSync(join(root, file), 'utf8'), { merge: true }) as unknown;
    model = mergeCompose(model, interpolateAll(parsed, vars, file));
  }
  return model as ComposeModel;
}

/** A service's environment as a map, from either the mapping or the KEY=VALUE list form. */
export function environmentOf(service: { environment?: unknown }): Map<string, string> {
  const env = service.environment;
  if (env === undefined || env === null) return new Map();
  if (Array.isArray(env)) return new Map(env.map((e) => String(e)).map((e) => [e.split('=')[0] as string, e.slice(e.indexOf('=') + 1)]));
  return new Map(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** The listeners of a broker service: name → { port, protocol } from KAFKA_LISTENERS and the protocol map. */
export function brokerListeners(service: { environment?: unknown }): Map<string, { port: number; protocol: string }> {
  const env = environmentOf(service);
  const protocols = new Map((env.get('KAFKA_LISTENER_SECURITY_PROTOCOL_MAP') ?? '').split(',').filter(Boolean).map((p) => p.split(':') as [string, string]));
  const out = new Map<string, { port: number; protocol: string }>();
  for (const l of (env.get('KAFKA_LISTENERS') ?? '').split(',').filter(Boolean)) {
    const m = /^([A-Z_]+):\/\/[^:]*:(\d+)$/.exec(l);
    if (!m) throw new Error(`KAFKA_LISTENERS entry ${l} is not NAME://host:port`);
    out.set(m[1] as string, { port: Number(m[2]), protocol: protocols.get(m[1] as string) ?? m[1] as string });
  }
  return out;
}

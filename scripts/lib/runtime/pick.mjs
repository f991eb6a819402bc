// @ts-check
// Which runtime to use, from what was probed: pure logic shared by the scripts (runtime/index.ts) and the
// prerequisite check (scripts/setup.mjs, which runs before npm ci, hence plain JavaScript).

/** `docker compose up --wait` arrived in Compose 2.1. */
export const COMPOSE_MIN = [2, 1];
/** compose.yml's healthchecks use start_interval, which Compose refuses on engines older than 25 (API 1.44). */
export const ENGINE_MIN = [25, 0];

/** @param {string} text `docker compose version --short` output, e.g. "2.29.1" or "v2.29.1" @returns {number[] | undefined} */
export function parseComposeVersion(text) {
  const m = /^v?(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** @param {number[]} v @param {number[]} want */
function atLeast(v, want) {
  const [maj = 0, min = 0] = v;
  const [wantMaj = 0, wantMin = 0] = want;
  return maj > wantMaj || (maj === wantMaj && min >= wantMin);
}

/**
 * @param {{ forced: string | undefined, engine: string | undefined, compose: string | undefined }} p
 *   forced: RUNTIME; engine: the server version `docker info` printed (undefined when no engine answered);
 *   compose: `docker compose version --short` output (undefined when it failed)
 * @returns {{ name: 'docker' | 'native', note?: string }}
 */
export function decideRuntime(p) {
  const forced = p.forced ?? '';
  if (forced === 'native') return { name: 'native' };
  if (forced !== '' && forced !== 'docker') throw new Error(`RUNTIME=${forced}: expected docker or native`);
  const version = p.compose === undefined ? undefined : parseComposeVersion(p.compose);
  const engine = p.engine === undefined ? undefined : parseComposeVersion(p.engine);
  let problem;
  if (p.engine === undefined) problem = 'no Docker engine answers (`docker info` failed)';
  else if (engine !== undefined && !atLeast(engine, ENGINE_MIN)) problem = `Docker Engine ${p.engine.trim()} is too old (${ENGINE_MIN[0]}+ is needed for the healthchecks' start_interval)`;
  else if (version === undefined) problem = 'the Docker engine has no Compose v2 plugin (`docker compose version` failed; install docker-compose-plugin, or Docker Desktop)';
  else if (!atLeast(version, COMPOSE_MIN)) problem = `docker compose ${version.join('.')} is too old (${COMPOSE_MIN.join('.')}+ is needed for --wait; update docker-compose-plugin)`;
  if (problem === undefined) return { name: 'docker' };
  if (forced === 'docker') throw new Error(`RUNTIME=docker: ${problem}`);
  // Auto-picked: a bare engine (or none) means native, said once when an engine is there but unusable.
  return p.engine !== undefined ? { name: 'native', note: `${problem}; using the native runtime (RUNTIME=docker to insist)` } : { name: 'native' };
}

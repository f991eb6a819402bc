// @ts-check
// Which runtime to use, from what was probed: pure logic shared by the scripts (runtime/index.ts) and the
// prerequisite check (scripts/setup.mjs, which runs before npm ci, hence plain JavaScript).

/**
 * compose.yml's healthchecks use start_interval: Compose reads it from 2.24 on, and 2.24.1 fixed the engine
 * check that came with it (docker/compose#11360); `up --wait` is older (2.1).
 */
export const COMPOSE_MIN = [2, 24, 1];
/** start_interval also needs the engine's API 1.44, which Docker Engine 25 brought. */
export const ENGINE_MIN = [25, 0];

/** The line every command prints first: which runtime runs, and how to choose the other. */
export const RUNTIME_LINE = {
  native: 'runtime: native (RUNTIME=docker for compose)',
  docker: 'runtime: docker (compose.yml; RUNTIME=native for local processes, the tested runtime)',
};

/** @param {string} text `docker compose version --short` output, e.g. "2.29.1" or "v2.29.1" @returns {number[] | undefined} */
export function parseComposeVersion(text) {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** @param {number[]} v @param {number[]} want */
function atLeast(v, want) {
  for (let i = 0; i < want.length; i++) {
    const a = v[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * Native unless RUNTIME=docker: the native runtime is the one the tests prove. A forced docker is checked
 * here, so a missing or old Compose is one clear error rather than a later "unknown command".
 * @param {{ forced: string | undefined, engine: string | undefined, compose: string | undefined }} p
 *   forced: RUNTIME; engine: the server version `docker info` printed (undefined when no engine answered);
 *   compose: `docker compose version --short` output (undefined when it failed)
 * @returns {{ name: 'docker' | 'native' }}
 */
export function decideRuntime(p) {
  const forced = p.forced ?? '';
  if (forced === '' || forced === 'native') return { name: 'native' };
  if (forced !== 'docker') throw new Error(`RUNTIME=${forced}: expected docker or native`);
  const version = p.compose === undefined ? undefined : parseComposeVersion(p.compose);
  const engine = p.engine === undefined ? undefined : parseComposeVersion(p.engine);
  let problem;
  if (p.engine === undefined) problem = 'no Docker engine answers (`docker info` failed)';
  else if (engine !== undefined && !atLeast(engine, ENGINE_MIN)) problem = `Docker Engine ${p.engine.trim()} is too old (${ENGINE_MIN[0]}+ is needed for the healthchecks' start_interval)`;
  else if (version === undefined) problem = 'the Docker engine has no Compose v2 plugin (`docker compose version` failed; install docker-compose-plugin, or Docker Desktop)';
  else if (!atLeast(version, COMPOSE_MIN)) problem = `docker compose ${version.join('.')} is too old (${COMPOSE_MIN.join('.')}+ is needed for the healthchecks' start_interval; update docker-compose-plugin)`;
  if (problem !== undefined) throw new Error(`RUNTIME=docker: ${problem}`);
  return { name: 'docker' };
}

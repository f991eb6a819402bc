// @ts-check
// Which runtime to use, from what was probed: pure logic shared by the scripts (runtime/index.ts) and the
// prerequisite check (scripts/setup.mjs, which runs before npm ci, hence plain JavaScript).

/** `docker compose up --wait` arrived in Compose 2.1. */
export const COMPOSE_MIN = [2, 1];

/** @param {string} text `docker compose version --short` output, e.g. "2.29.1" or "v2.29.1" @returns {number[] | undefined} */
export function parseComposeVersion(text) {
  const m = /^v?(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** @param {number[]} v */
function composeOk(v) {
  const [maj = 0, min = 0] = v;
  const [wantMaj = 0, wantMin = 0] = COMPOSE_MIN;
  return maj > wantMaj || (maj === wantMaj && min >= wantMin);
}

/**
 * @param {{ forced: string | undefined, engine: boolean, compose: string | undefined }} p
 *   forced: RUNTIME; engine: `docker info` answered; compose: `docker compose version --short` output (undefined when it failed)
 * @returns {{ name: 'docker' | 'native', note?: string }}
 */
export function decideRuntime(p) {
  const forced = p.forced ?? '';
  if (forced === 'native') return { name: 'native' };
  if (forced !== '' && forced !== 'docker') throw new Error(`RUNTIME=${forced}: expected docker or native`);
  const version = p.compose === undefined ? undefined : parseComposeVersion(p.compose);
  let problem;
  if (!p.engine) problem = 'no Docker engine answers (`docker info` failed)';
  else if (version === undefined) problem = 'the Docker engine has no Compose v2 plugin (`docker compose version` failed; install docker-compose-plugin, or Docker Desktop)';
  else if (!composeOk(version)) problem = `docker compose ${version.join('.')} is too old (${COMPOSE_MIN.join('.')}+ is needed for --wait; update docker-compose-plugin)`;
  if (problem === undefined) return { name: 'docker' };
  if (forced === 'docker') throw new Error(`RUNTIME=docker: ${problem}`);
  // Auto-picked: a bare engine (or none) means native, said once when an engine is there but unusable.
  return p.engine ? { name: 'native', note: `${problem}; using the native runtime (RUNTIME=docker to insist)` } : { name: 'native' };
}

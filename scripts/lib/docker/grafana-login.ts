import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEnvFile } from '../../../shared/env-file.ts';
import { ROOT } from '../../../shared/stack.ts';

/**
 * Grafana's admin login (both security modes), generated once and kept, mode 0600: compose gives it to the
 * container as its env_file, so no compose value (or `docker compose config`) shows the password.
 */
export const GRAFANA_ENV_REL = '.rastro/docker/grafana.env';

export interface GrafanaLogin {
  user: string;
  password: string;
}

/** The login in GRAFANA_ENV_REL, or undefined before the docker runtime's first `up`. */
export function readGrafanaLogin(root = ROOT): GrafanaLogin | undefined {
  const file = join(root, GRAFANA_ENV_REL);
  if (!existsSync(file)) return undefined;
  const env = parseEnvFile(readFileSync(file, 'utf8'), file);
  return { user: env.get('GF_SECURITY_ADMIN_USER') ?? '', password: env.get('GF_SECURITY_ADMIN_PASSWORD') ?? '' };
}

/** Writes GRAFANA_ENV_REL once; a login an older .env held (GRAFANA_ADMIN_*) is kept. */
export function ensureGrafanaLogin(previous: ReadonlyMap<string, string>, root = ROOT): void {
  if (readGrafanaLogin(root) !== undefined) return;
  const user = previous.get('GRAFANA_ADMIN_USER') ?? 'rastro';
  const password = previous.get('GRAFANA_ADMIN_PASSWORD') ?? randomBytes(12).toString('base64url');
  mkdirSync(join(root, dirname(GRAFANA_ENV_REL)), { recursive: true });
  writeFileSync(join(root, GRAFANA_ENV_REL), `GF_SECURITY_ADMIN_USER=${user}\nGF_SECURITY_ADMIN_PASSWORD=${password}\n`, { mode: 0o600 });
}

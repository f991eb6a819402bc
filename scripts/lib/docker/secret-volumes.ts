import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_USERS, REDIS_USERS, SECRET_FILES } from '../../../shared/security.ts';
import type { Stack } from '../../../shared/stack.ts';
import { KAFKA_TOOL_USERS } from '../kafka-tools.ts';

/**
 * SECURITY on, docker: which secrets each container gets. The stack's secrets on the host are a 0700
 * directory of 0600 files owned by the host user, which the images' users (uid 1000, 999) cannot read.
 * A one-shot service (secrets-init in compose.secure.yml, docker/secrets-init.sh) copies into one named
 * volume per consumer only the files it needs, owned by its image's user, mode 0400. The plan it follows
 * is this file's, written into the secrets directory as SECRETS_MANIFEST on every `make up`.
 */

/** The user each image's process runs as: apache/kafka's appuser (kafka and connect), the user the redis image drops to, the redis_exporter image's USER. */
export const IMAGE_USERS = {
  kafka: { uid: 1000, gid: 1000 },
  redis: { uid: 999, gid: 999 },
  redisExporter: { uid: 59000, gid: 59000 },
} as const;

export interface SecretVolume {
  /** The named volume (compose.secure.yml declares the same names). */
  name: string;
  services: string[];
  owner: { uid: number; gid: number };
  files: string[];
}

/** Where a service mounts its volume, read-only: the path its config and healthcheck name. */
export const SECRETS_MOUNT = '/etc/rastro/secrets';
/** The plan, one line per volume: `<volume> <uid> <gid> <file>…`. */
export const SECRETS_MANIFEST = 'volumes.manifest';

export function secretVolumes(stack: Stack): SecretVolume[] {
  const f = SECRET_FILES;
  return [
    {
      // The node certificate (CN=broker, a super user) goes to the brokers only. The SCRAM users are
      // created from inside kafka-1 (their passwords), and the CLI tools run there as their principals (kafka-tools.ts).
      name: 'secrets-kafka',
      services: stack.nodeIds.map((id) => `kafka-${id}`),
      owner: IMAGE_USERS.kafka,
      files: [f.caCert, f.nodePem, f.nodeClientProperties, ...KAFKA_TOOL_USERS.map(f.kafkaClientProperties), ...KAFKA_USERS.map(f.kafkaPassword)],
    },
    {
      // The CA to check the brokers; the REST login (JAAS entry, users file, the healthcheck's header).
      // Its Kafka and Redis passwords reach it through its env_file, not a file here.
      name: 'secrets-connect',
      services: ['connect'],
      owner: IMAGE_USERS.kafka,
      files: [f.caCert, f.connectRestJaas, f.connectRestUsers, f.connectRestAuthorization],
    },
    {
      // The ACL file, and each user's password for redis-cli run in the container (the healthcheck: exporter).
      name: 'secrets-redis',
      services: ['redis'],
      owner: IMAGE_USERS.redis,
      files: [f.redisAcl, ...REDIS_USERS.map(f.redisPassword)],
    },
    {
      // Its password, keyed by our Redis's URI: its env file names the file (REDIS_PASSWORD_FILE).
      name: 'secrets-exporter',
      services: ['redis-exporter'],
      owner: IMAGE_USERS.redisExporter,
      files: [f.redisExporterPasswords],
    },
  ];
}

export function secretsManifest(volumes: SecretVolume[]): string {
  return `${volumes.map((v) => [v.name, v.owner.uid, v.owner.gid, ...v.files].join(' ')).join('\n')}\n`;
}

/** Writes the plan beside the secrets it names (secrets-init reads both from one read-only mount). */
export function writeSecretsManifest(stack: Stack, secretsDir: string): void {
  writeFileSync(join(secretsDir, SECRETS_MANIFEST), secretsManifest(secretVolumes(stack)), { mode: 0o600 });
}

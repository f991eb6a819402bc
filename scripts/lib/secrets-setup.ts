import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { requireCommand } from './native/processes.ts';
import { basicAuthorization, BROKER_PRINCIPAL, CONNECT_ENV, CONNECT_REST_USER, KAFKA_USERS, REDIS_USERS, redisAclFile, SECRET_FILES, type KafkaUser, type RedisUser } from '../../shared/security.ts';
import type { Stack } from '../../shared/stack.ts';

/** A fresh random password: 192 bits, URL- and properties-safe characters only. */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** A PEM certificate as one properties value: its line breaks as \\n escapes, which Properties.load turns back into newlines. */
export function pemOneLine(pem: string): string {
  return pem.trim().split('\n').map((l) => l.trim()).join('\\n');
}

/** Java client properties for `user`: SCRAM over TLS, the CA inline so the file works wherever it is mounted. */
export function kafkaClientProperties(user: KafkaUser, password: string, caPem: string): string {
  return [
    `# Kafka client config for ${user} (generated; mode 0600, never commit). Use: --command-config <this file>`,
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.certificates=${pemOneLine(caPem)}`,
    '',
  ].join('\n');
}

/** librdkafka (kcat -F) properties for `user`. */
export function librdkafkaProperties(user: KafkaUser, password: string, caFile: string): string {
  return ['security.protocol=SASL_SSL', 'sasl.mechanisms=SCRAM-SHA-512', `sasl.username=${user}`, `sasl.password=${password}`, `ssl.ca.location=${caFile}`, ''].join('\n');
}

/** Subject alternative names of the node certificate: loopback for native, the compose host names (kafka-<id>) for docker. */
export function nodeCertSan(stack: Stack): string {
  return ['DNS:localhost', ...stack.nodeIds.map((id) => `DNS:kafka-${id}`), 'IP:127.0.0.1'].join(',');
}

export interface SecretsLayout {
  /** Where the files are on this machine. */
  dir: string;
  /** Where the processes that read them see the directory (the same path natively; the mount point in compose). */
  mountedAt: string;
  /** host:port of Redis as Connect reaches it (the sink's URI). */
  redisHostPort: string;
  /** Every Redis process's host:port (a cluster's six), for the exporters' password map; default: redisHostPort. */
  redisNodes?: string[];
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Generates every secret of one stack once, into a mode-0700 directory of mode-0600 files: passwords,
 * the CA and the node certificate (openssl), the Redis ACL file, Connect's REST users and JAAS file,
 * client configs. Kept across restarts (the brokers' SCRAM credentials are in their metadata);
 * `down --wipe` deletes them with the data. Says whether the Redis ACL file changed (a running Redis
 * must then load it).
 */
export async function ensureSecrets(stack: Stack, layout: SecretsLayout, log: (s: string) => void): Promise<{ aclChanged: boolean }> {
  const { dir, mountedAt } = layout;
  if (existsSync(join(dir, SECRET_FILES.complete))) return writeDerivedSecrets(stack, layout);
  log(`generating this stack's secrets (passwords, CA, node certificate) into ${dir} (mode 0700)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const at = (f: string) => join(dir, f);
  const inMount = (f: string) => `${mountedAt}/${f}`;

  const kafka = Object.fromEntries(KAFKA_USERS.map((u) => [u, newPassword()])) as Record<KafkaUser, string>;
  const redis = Object.fromEntries(REDIS_USERS.map((u) => [u, newPassword()])) as Record<RedisUser, string>;
  const rest = newPassword();
  for (const u of KAFKA_USERS) writeSecret(at(SECRET_FILES.kafkaPassword(u)), `${kafka[u]}\n`);
  for (const u of REDIS_USERS) writeSecret(at(SECRET_FILES.redisPassword(u)), `${redis[u]}\n`);
  writeSecret(at(SECRET_FILES.connectRestPassword), `${rest}\n`);

  await makeCertificates(dir, nodeCertSan(stack));
  const ca = readFileSync(at(SECRET_FILES.caCert), 'utf8');
  for (const u of KAFKA_USERS) {
    writeSecret(at(SECRET_FILES.kafkaClientProperties(u)), kafkaClientProperties(u, kafka[u], ca));
    writeSecret(at(SECRET_FILES.librdkafkaProperties(u)), librdkafkaProperties(u, kafka[u], inMount(SECRET_FILES.caCert)));
  }
  writeDerivedSecrets(stack, layout);
  writeSecret(at(SECRET_FILES.connectRestUsers), `${CONNECT_REST_USER}: ${rest}\n`);
  writeSecret(at(SECRET_FILES.connectRestJaas), `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${inMount(SECRET_FILES.connectRestUsers)}";\n};\n`);
  // Both runtimes publish the REST API on the host's loopback.
  writeSecret(at(SECRET_FILES.connectNetrc), `machine 127.0.0.1 login ${CONNECT_REST_USER} password ${rest}\n`);
  writeSecret(
    at(SECRET_FILES.connectEnv),
    [`${CONNECT_ENV.kafkaPassword}=${kafka.connect}`, `${CONNECT_ENV.secretsDir}=${mountedAt}`, `${CONNECT_ENV.redisUri}=redis://sink:${redis.sink}@${layout.redisHostPort}`, ''].join('\n'),
  );
  writeSecret(at(SECRET_FILES.nodeClientProperties), ['security.protocol=SSL', 'ssl.keystore.type=PEM', `ssl.keystore.location=${inMount(SECRET_FILES.nodePem)}`, 'ssl.truststore.type=PEM', `ssl.truststore.location=${inMount(SECRET_FILES.caCert)}`, ''].join('\n'));
  writeSecret(at(SECRET_FILES.complete), `${new Date().toISOString()}\n`);
  return { aclChanged: true };
}

/**
 * The files derived from the stored passwords, written on every start: their form is code (a new version
 * may grant the sink a key, fix the default user, or add a file a healthcheck reads); the passwords are
 * the stack's. The Redis ACL file, the Connect REST login as an Authorization value, and the Redis
 * exporter's login.
 */
export function writeDerivedSecrets(stack: Stack, layout: SecretsLayout): { aclChanged: boolean } {
  const { dir, mountedAt, redisHostPort } = layout;
  const read = (f: string) => readFileSync(join(dir, f), 'utf8').trim();
  const passwords = Object.fromEntries(REDIS_USERS.map((u) => [u, read(SECRET_FILES.redisPassword(u))])) as Record<RedisUser, string>;
  const aclFile = join(dir, SECRET_FILES.redisAcl);
  const acl = redisAclFile(stack, passwords);
  const aclChanged = !existsSync(aclFile) || readFileSync(aclFile, 'utf8') !== acl;
  writeSecret(aclFile, acl);
  writeSecret(join(dir, SECRET_FILES.connectRestAuthorization), `${basicAuthorization(CONNECT_REST_USER, read(SECRET_FILES.connectRestPassword))}\n`);
  // Not derived, but made here so that stacks from before it get one too; kept once made.
  if (!existsSync(join(dir, SECRET_FILES.appToken))) writeSecret(join(dir, SECRET_FILES.appToken), `${newPassword()}\n`);
  // The docker runtime's exporter reads these from its environment (redis_exporter's REDIS_* variables).
  writeSecret(join(dir, SECRET_FILES.redisExporterEnv), `REDIS_USER=exporter\nREDIS_PASSWORD_FILE=${mountedAt}/${SECRET_FILES.redisExporterPasswords}\n`);
  const nodes = layout.redisNodes ?? [redisHostPort];
  writeSecret(join(dir, SECRET_FILES.redisExporterPasswords), `${JSON.stringify(Object.fromEntries(nodes.map((n) => [`redis://${n}`, passwords.exporter])))}\n`);
  return { aclChanged };
}

/**
 * A CA valid for this stack only, and one certificate for every node (CN=broker, the principal of the
 * controller and inter-broker listeners), EC P-256 keys in PKCS#8 PEM, which Kafka's PEM key store reads.
 */
async function makeCertificates(dir: string, san: string): Promise<void> {
  const openssl = requireCommand('openssl', 'generate the stack CA');
  const q = $({ quiet: true, cwd: dir });
  const f = (name: string) => join(dir, name);
  await q`${openssl} req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${f(SECRET_FILES.caKey)} -out ${f(SECRET_FILES.caCert)} -days 825 -subj /CN=rastro-stack-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`;
  await q`${openssl} req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${f('node.key')} -out ${f('node.csr')} -subj ${`/CN=${BROKER_PRINCIPAL}`}`;
  writeFileSync(f('node.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyAgreement\n`);
  await q`${openssl} x509 -req -in ${f('node.csr')} -CA ${f(SECRET_FILES.caCert)} -CAkey ${f(SECRET_FILES.caKey)} -CAcreateserial -days 825 -out ${f('node.crt')} -extfile ${f('node.ext')}`;
  writeSecret(f(SECRET_FILES.nodePem), [readFileSync(f('node.key'), 'utf8'), readFileSync(f('node.crt'), 'utf8'), readFileSync(f(SECRET_FILES.caCert), 'utf8')].join(''));
  for (const tmp of ['node.key', 'node.csr', 'node.ext', 'node.crt', 'ca.srl']) rmSync(f(tmp), { force: true });
  chmodSync(f(SECRET_FILES.caKey), 0o600);
  chmodSync(f(SECRET_FILES.caCert), 0o600);
}

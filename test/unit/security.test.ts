import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderNodeProperties, renderSecurityProperties } from '../../scripts/lib/native/kafka-node.ts';
import { kafkaClientProperties, writeDerivedSecrets } from '../../scripts/lib/secrets-setup.ts';
import { basicAuthorization, kafkaAcls, redisAclFile, redisAclRules, redisPasswordHash, REDIS_USERS, SECRET_FILES, securityMode, StackAccess } from '../../shared/security.ts';
import { CONFIG_DIR, loadStack, ROOT } from '../../shared/stack.ts';
import { exposureTable, portRanges } from '../../shared/exposure.ts';
import { readSinkLibrary } from '../../shared/redis-libraries.ts';

const stack = loadStack();
const props = (text: string) => new Map(text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
const securityText = readFileSync(join(CONFIG_DIR, 'kafka', 'security.properties'), 'utf8');

describe('SECURITY', () => {
  it('is on unless set to off; anything else is an error', () => {
    expect(securityMode({})).toBe('on');
    expect(securityMode({ SECURITY: 'on' })).toBe('on');
    expect(securityMode({ SECURITY: 'OFF' })).toBe('off');
    expect(() => securityMode({ SECURITY: 'no' })).toThrow(/SECURITY=no: expected on \(the default\) or off/);
  });

  it('off: clients get bare addresses, CLIs no config flags, nothing read from a secrets directory', () => {
    const a = new StackAccess('off', ['127.0.0.1:1'], 'redis://127.0.0.1:2', 'http://127.0.0.1:3', '/nonexistent');
    expect(a.kafka('producer')).toEqual({ brokers: ['127.0.0.1:1'] });
    expect(a.redis('sink')).toEqual({ url: 'redis://127.0.0.1:2' });
    expect(a.connect()).toEqual({ url: 'http://127.0.0.1:3' });
    expect(a.kafkaCliConfig()).toEqual([]);
    expect(a.redisCli('app')).toMatchObject({ args: [], env: {}, displayPrefix: '' });
    expect(a.curlAuthDisplay()).toBe('');
  });

  it('on: a missing secret is named with its path and the way to make it', () => {
    const a = new StackAccess('on', ['127.0.0.1:1'], 'redis://127.0.0.1:2', 'http://127.0.0.1:3', '/nonexistent');
    expect(() => a.kafka('producer')).toThrow(/\/nonexistent\/ca.crt is missing: .*make up/);
    expect(a.kafkaCliConfig()).toEqual(['--command-config', '/nonexistent/kafka-admin.properties']);
  });
});

describe('Kafka broker security', () => {
  it('on: node.properties carries the security settings with the secrets path; off: none of them', () => {
    const shared = readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8');
    const on = props(renderNodeProperties(shared, stack, 1, '/data', renderSecurityProperties(securityText, '/s')));
    expect(on.get('listener.security.protocol.map')).toBe('INTERNAL:SSL,CLIENT:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL');
    expect(on.get('ssl.keystore.location')).toBe('/s/node.pem');
    expect(on.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(on.get('super.users')).toBe('User:broker;User:admin');
    expect(on.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    const off = props(renderNodeProperties(shared, stack, 1, '/data'));
    expect(off.get('listener.security.protocol.map')).toBe('INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(off.has('authorizer.class.name')).toBe(false);
  });

  it('client properties: SCRAM over TLS with the CA inline (as \\n escapes) and no file path', () => {
    const text = kafkaClientProperties('admin', 'pw', '-----BEGIN CERTIFICATE-----\nAAA\nBBB\n-----END CERTIFICATE-----\n');
    const p = props(text);
    expect(p.get('security.protocol')).toBe('SASL_SSL');
    expect(p.get('sasl.mechanism')).toBe('SCRAM-SHA-512');
    expect(p.get('ssl.truststore.certificates')).toBe('-----BEGIN CERTIFICATE-----\\nAAA\\nBBB\\n-----END CERTIFICATE-----');
    expect(p.get('sasl.jaas.config')).toContain('username="admin" password="pw"');
  });
});

describe('Kafka ACLs (least privilege)', () => {
  const acls = kafkaAcls(stack);
  const of = (user: string) => acls.filter((a) => a.user === user).map((a) => `${a.operation} ${a.resource}:${a.name}${a.pattern === 'PREFIXED' ? '*' : ''}`).sort();
  const t = stack.topics;

  it('producer writes its two topics idempotently and reads nothing', () => {
    expect(of('producer')).toEqual([`DESCRIBE TOPIC:${t.late}`, `DESCRIBE TOPIC:${t.locations}`, 'IDEMPOTENT_WRITE CLUSTER:kafka-cluster', `WRITE TOPIC:${t.late}`, `WRITE TOPIC:${t.locations}`].sort());
  });

  it('connect reads the locations and writes the DLQ and its own topics, never the locations', () => {
    const c = of('connect');
    expect(c).toContain(`READ TOPIC:${t.locations}`);
    expect(c).toContain(`WRITE TOPIC:${t.dlq}`);
    expect(c).not.toContain(`WRITE TOPIC:${t.locations}`);
    expect(c).toContain(`CREATE TOPIC:${stack.connect.configTopic}`);
    expect(c.filter((x) => x.startsWith('CREATE '))).toHaveLength(3);
  });

  it('monitor only describes; reader only reads the locations; nobody but super users may create topics at large', () => {
    expect(new Set(acls.filter((a) => a.user === 'monitor').map((a) => a.operation))).toEqual(new Set(['DESCRIBE']));
    expect(of('reader')).toEqual([`DELETE GROUP:rastro-consume-*`, `DELETE GROUP:rastro-producer-seed-*`, `DELETE GROUP:rastro-validate-*`, `DESCRIBE TOPIC:${t.dlq}`, `DESCRIBE TOPIC:${t.locations}`, `READ GROUP:rastro-consume-*`, `READ GROUP:rastro-producer-seed-*`, `READ GROUP:rastro-validate-*`, `READ TOPIC:${t.dlq}`, `READ TOPIC:${t.locations}`].sort());
    expect(acls.filter((a) => a.operation === 'CREATE' && (a.resource === 'CLUSTER' || a.name === '*'))).toEqual([]);
    expect(acls.filter((a) => a.user === 'admin')).toEqual([]);
  });
});

describe('Redis ACL', () => {
  const rules = redisAclRules(stack);
  const passwords = Object.fromEntries(REDIS_USERS.map((u) => [u, `pw-${u}`])) as Record<(typeof REDIS_USERS)[number], string>;
  const file = redisAclFile(stack, passwords);

  it('switches the default user off and stores only password hashes', () => {
    expect(file.split('\n')[0]).toMatch(/^user default off resetpass /);
    // No password and no nopass: nobody can log in as it. Its rights are what the AOF replay is checked against.
    expect(file.split('\n')[0]).not.toMatch(/nopass|>|#/);
    for (const u of REDIS_USERS) {
      expect(file).not.toContain(`pw-${u}`);
      expect(file).toContain(`user ${u} on #${redisPasswordHash(`pw-${u}`)} `);
    }
  });

  it('FLUSHALL, CONFIG and DEBUG for admin only; the sink calls its two functions on its keys only', () => {
    for (const u of REDIS_USERS.filter((x) => x !== 'admin')) {
      expect(rules[u]).toContain('-@all');
      expect(rules[u]).not.toMatch(/\+flushall|\+config|\+debug|\+@all|\+@dangerous|\+@admin/);
    }
    expect(rules.sink).toContain(`~${stack.redisKeyPrefix}*`);
    expect(rules.sink).toContain(`~${stack.redisGeoKey}`);
    expect(rules.sink).toContain(`~${stack.redisOffsetsKey}`);
    expect(rules.sink).toContain('+hmget');
    // FCALL of the library's two functions only, FUNCTION LIST to check its version; no Lua of its own.
    expect(rules.sink).toContain('+fcall|rastro_sink_upsert +fcall|rastro_sink_delete');
    expect(rules.sink).toContain('+function|list');
    expect(rules.sink).not.toMatch(/\+script|\+eval|\+function\|load|\+fcall( |$)|\+@scripting/);
    // What the sink's functions call (sink-library.lua): every command is allowed.
    const lua = readSinkLibrary().code;
    const called = [...lua.matchAll(/redis\.call\('([A-Z]+)'/g)].map((m) => m[1] as string);
    expect(called.length).toBeGreaterThan(5);
    for (const cmd of called) expect(rules.sink).toContain(`+${cmd.toLowerCase()}`);
    expect(rules.app).toMatch(/%R~/);
    expect(rules.app).not.toMatch(/(^| )~/);
  });
});

describe('secrets derived from the stored passwords, on every make up', () => {
  it('writes the ACL file and the REST Authorization value, and says when the ACL file changed (a running Redis must load it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-secrets-'));
    try {
      for (const u of REDIS_USERS) writeFileSync(join(dir, SECRET_FILES.redisPassword(u)), `pw-${u}\n`);
      writeFileSync(join(dir, SECRET_FILES.connectRestPassword), 'rest-pw\n');
      expect(writeDerivedSecrets(stack, { dir, mountedAt: '/etc/rastro/secrets', redisHostPort: 'redis:6379' })).toEqual({ aclChanged: true });
      expect(readFileSync(join(dir, SECRET_FILES.connectRestAuthorization), 'utf8')).toBe(`${basicAuthorization('admin', 'rest-pw')}\n`);
      // The exporter's password only for our Redis: a map redis_exporter consults per target; its env file names the user alone.
      expect(JSON.parse(readFileSync(join(dir, SECRET_FILES.redisExporterPasswords), 'utf8'))).toEqual({ 'redis://redis:6379': 'pw-exporter' });
      expect(readFileSync(join(dir, SECRET_FILES.redisExporterEnv), 'utf8')).toBe(`REDIS_USER=exporter\nREDIS_PASSWORD_FILE=/etc/rastro/secrets/${SECRET_FILES.redisExporterPasswords}\n`);
      // Unchanged: no reload (ACL LOAD would close every client's connection).
      expect(writeDerivedSecrets(stack, { dir, mountedAt: '/etc/rastro/secrets', redisHostPort: 'redis:6379' })).toEqual({ aclChanged: false });
      // An ACL file from an older version (the default user without rights) is rewritten, and said to be.
      writeFileSync(join(dir, SECRET_FILES.redisAcl), 'user default off resetpass resetkeys resetchannels -@all\n');
      expect(writeDerivedSecrets(stack, { dir, mountedAt: '/etc/rastro/secrets', redisHostPort: 'redis:6379' })).toEqual({ aclChanged: true });
      expect(readFileSync(join(dir, SECRET_FILES.redisAcl), 'utf8').split('\n')[0]).toContain('+@all');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compose.secure.yml', () => {
  const overlay = parse(readFileSync(join(ROOT, 'compose.secure.yml'), 'utf8'), { merge: true }) as { services: Record<string, any> };
  const toEnv = (k: string) => `KAFKA_${k.toUpperCase().replaceAll('-', '___').replaceAll('.', '_')}`;

  it('gives every node exactly config/kafka/security.properties, with the secrets mounted where it says', () => {
    const want = props(renderSecurityProperties(securityText, '/etc/rastro/secrets'));
    for (const id of loadStack().nodeIds) {
      const env = overlay.services[`kafka-${id}`].environment as Record<string, string>;
      const got = new Map(Object.entries(env).map(([k, v]) => [k, String(v).replaceAll('$$', '$')]));
      expect(got).toEqual(new Map([...want].map(([k, v]) => [toEnv(k), v])));
      expect(overlay.services[`kafka-${id}`].volumes).toContain('secrets-kafka:/etc/rastro/secrets:ro');
    }
  });

  it('turns on the ACL file, Connect security and the exporter login', () => {
    expect(overlay.services.redis.command).toContain('/etc/rastro/secrets/redis-users.acl');
    expect(overlay.services['redis-exporter'].env_file).toEqual(['${RASTRO_SECRETS}/redis-exporter.env']);
  });
});

describe("docs/security.md's table", () => {
  it('is shared/exposure.ts rendered for the default ports: every port, who may use it, what it gives without a credential', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    const table = exposureTable(loadStack());
    expect(doc, `docs/security.md's table (under "Threat model") should read:\n${table}`).toContain(`${table}\n`);
    expect(portRanges([19092, 19093, 19094, 19292, 17070])).toBe('17070, 19092–19094, 19292');
  });
});

describe("the README's first screen", () => {
  it('gives the URLs and the log places the stack really uses, at its default ports', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const p = loadStack().ports;
    for (const url of [`http://127.0.0.1:${p.prometheus}`, `http://127.0.0.1:${p.connect}`, `http://127.0.0.1:${p.grafana}`, `http://127.0.0.1:${p.app}/`]) expect(readme, url).toContain(url);
    // The two pages a browser opens, and their pictures, before the diagram: on the first screen.
    const firstScreen = readme.slice(0, readme.indexOf('```mermaid'));
    for (const url of [`http://127.0.0.1:${p.app}/ `, `http://127.0.0.1:${p.app}/dashboard`]) expect(firstScreen, url).toContain(url);
    for (const png of ['docs/map.png', 'docs/live-dashboard.png']) {
      expect(firstScreen, png).toContain(`src="${png}"`);
      expect(existsSync(join(ROOT, png)), png).toBe(true);
    }
    expect(readme).toContain('.rastro/native/<service>/<service>.log');
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
  });
});

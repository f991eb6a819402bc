import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, Partitioners, type KafkaAccess, type LogEntry } from '../../producer/src/kafka.ts';
import { aclEntry, applyKafkaAcls } from '../../scripts/lib/kafka-acls.ts';
import { activeController } from '../../scripts/lib/cluster.ts';
import { ConnectClient } from '../../scripts/lib/connect.ts';
import { mirrorCheck, partitions, redisSnapshot, topicOffsets } from '../../scripts/lib/pipeline.ts';
import { withAdmin } from '../../scripts/lib/kafka-admin.ts';
import { openPaths } from '../../scripts/lib/native/private-state.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { openRedis, SECRET_FILES, type KafkaAcl } from '../../shared/security.ts';
import { EXPOSURES, type Exposure, type Probe } from '../../shared/exposure.ts';
import { ROOT } from '../../shared/stack.ts';
import { readSinkLibrary } from '../../shared/redis-libraries.ts';
import { STARTUP_CMDLINES, type CmdlineSample } from './cmdlines.ts';
import { sendRaw, waitSinkProcessed } from './helpers.ts';
import { listenersOf } from './listeners.ts';
import { TEST_ENV, TEST_RUNTIME, testRuntime } from './stack.ts';

/**
 * Secure by default, against the real services: who is refused, and what each principal may not do.
 * Every "refused" below is paired with what the same principal may do, so a test cannot pass because
 * the service was simply down.
 */
let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime();
  expect(rt.access.secure).toBe(true);
  // A few drivers through the whole pipeline, so a check that reads them has something to read whatever ran before.
  const now = Date.now();
  const sent = await sendRaw(rt, rt.stack.topics.locations, [1, 2, 3].map((i) => ({ key: `security-${i}`, value: JSON.stringify({ driver_id: `security-${i}`, latitude: -23.5, longitude: -46.6, timestamp: now + i, status: 'AVAILABLE' }) })));
  for (const m of sent) await waitSinkProcessed(rt, m);
});

const quick = { connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 }, logLevel: logLevel.NOTHING } as const;

/** A one-shot kafkajs admin call; resolves to the error message, or 'ok'. */
async function adminTry(access: KafkaAccess, fn: (a: ReturnType<Kafka['admin']>) => Promise<unknown>): Promise<string> {
  const admin = new Kafka({ ...access, ...quick, clientId: 'rastro-test-security' }).admin();
  try {
    await admin.connect();
    await fn(admin);
    return 'ok';
  } catch (err) {
    // kafkajs wraps per-topic errors (createTopics): their types say why (TOPIC_AUTHORIZATION_FAILED).
    const inner = ((err as { errors?: Array<{ type?: string; message?: string }> }).errors ?? []).map((e) => e.type ?? e.message);
    return `${(err as Error).name}: ${(err as Error).message} ${inner.join(' ')}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Sends one record as `access`; resolves to the error message, or 'ok'. */
async function produceTry(access: KafkaAccess, topic: string): Promise<string> {
  // An idempotent producer needs retries > 0 (kafkajs refuses to start without).
  const p = new Kafka({ ...access, ...quick, retry: { retries: 1 }, clientId: 'rastro-test-security' }).producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  try {
    await p.connect();
    await p.send({ topic, acks: -1, messages: [{ key: 'security-test', value: null }] });
    return 'ok';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  } finally {
    await p.disconnect().catch(() => undefined);
  }
}

describe('Kafka', () => {
  it('refuses a client without TLS and SASL, and one with TLS but no login', async () => {
    const plain = await adminTry({ brokers: rt.access.bootstrap }, (a) => a.listTopics());
    expect(plain).not.toBe('ok');
    const tlsOnly = await adminTry({ brokers: rt.access.bootstrap, ssl: rt.access.kafka('admin').ssl }, (a) => a.listTopics());
    expect(tlsOnly).not.toBe('ok');
    expect(await adminTry(rt.access.kafka('admin'), (a) => a.listTopics())).toBe('ok');
  });

  it('a wrong password is a clear error naming the user', async () => {
    const good = rt.access.kafka('producer');
    const bad: KafkaAccess = { ...good, sasl: { mechanism: 'scram-sha-512', username: 'producer', password: 'not-the-password' } };
    const err = await withAdmin(bad, (a) => a.listTopics()).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/authenticate to Kafka at .* as user "producer"/);
    expect(err?.message).toMatch(/SASL|authentication/i);
  });

  it('a client checks the broker certificate against the stack CA', async () => {
    const noCa: KafkaAccess = { ...rt.access.kafka('admin'), ssl: true };
    expect(await adminTry(noCa, (a) => a.listTopics())).toMatch(/certificate|self.signed|SSL|TLS|connect/i);
  });

  it('producer writes its topics but cannot read or create topics', async () => {
    const producer = rt.access.kafka('producer');
    expect(await produceTry(producer, rt.stack.topics.late)).toBe('ok');
    expect(await produceTry(producer, rt.stack.topics.dlq)).toMatch(/authoriz/i);
    expect(await adminTry(producer, (a) => a.createTopics({ topics: [{ topic: 'security-test-created', numPartitions: 1, replicationFactor: 3 }] }))).toMatch(/authoriz/i);
    // Reading needs READ on the topic and on a group: the producer principal has neither.
    // kafkajs reports a refused FindCoordinator only as "Failed to find group coordinator": its debug
    // log keeps the broker's error, so the test reads the cause there.
    const causes: string[] = [];
    const logCreator = () => (entry: LogEntry) => {
      const e = (entry.log as { error?: { type?: string; message?: string } }).error;
      if (e !== undefined) causes.push(`${e.type ?? ''} ${e.message ?? String(e)}`);
    };
    const consumer = new Kafka({ ...producer, ...quick, clientId: 'rastro-test-security', logLevel: logLevel.DEBUG, logCreator }).consumer({ groupId: 'rastro-producer-seed-security-test' });
    const read = await (async () => {
      try {
        // The refusal arrives as a CRASH event of the group join, so listen before running.
        const crashed = new Promise<never>((_, reject) => consumer.on(consumer.events.CRASH, (e) => reject(new Error(String((e.payload as { error?: Error }).error?.message)))));
        await consumer.connect();
        await consumer.subscribe({ topic: rt.stack.topics.locations, fromBeginning: true });
        await consumer.run({ eachMessage: async () => {} });
        await Promise.race([crashed, new Promise((r) => setTimeout(r, 15_000))]);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
    })();
    expect(read).not.toBe('ok');
    expect([read, ...causes].join('\n')).toMatch(/GROUP_AUTHORIZATION_FAILED|TOPIC_AUTHORIZATION_FAILED|not authorized/i);
  });

  it('connect cannot write the locations topic; monitor describes but cannot write', async () => {
    expect(await produceTry(rt.access.kafka('connect'), rt.stack.topics.locations)).toMatch(/authoriz/i);
    expect(await produceTry(rt.access.kafka('monitor'), rt.stack.topics.locations)).toMatch(/authoriz/i);
    expect(await adminTry(rt.access.kafka('monitor'), (a) => a.fetchTopicMetadata({ topics: [rt.stack.topics.locations] }))).toBe('ok');
  });

  it("connect reads its own sink's group only, not any other connect-* group", async () => {
    const offsets = (user: 'connect' | 'admin', groupId: string) => withAdmin(rt.access.kafka(user), (a) => a.fetchOffsets({ groupId, topics: [rt.stack.topics.locations] })).then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
    expect(await offsets('connect', `connect-${rt.stack.connect.connectorName}`)).toBe('ok');
    // Refused at FindCoordinator (GROUP_AUTHORIZATION_FAILED), which kafkajs reports as no coordinator;
    // the same lookup as admin works, so the refusal is the ACL.
    expect(await offsets('connect', 'connect-someone-elses')).toMatch(/KafkaJSGroupCoordinatorNotFound/);
    expect(await offsets('admin', 'connect-someone-elses')).toBe('ok');
  });

  it('make up removes a grant an older version made and this one does not', async () => {
    const old: KafkaAcl = { user: 'connect', resource: 'GROUP', name: 'connect-', pattern: 'PREFIXED', operation: 'READ' };
    await withAdmin(rt.access.kafka('admin'), (a) => a.createAcls({ acl: [aclEntry(old)] }));
    expect(await applyKafkaAcls(rt.access.kafka('admin'), rt.stack)).toMatchObject({ created: 0, removed: 1 });
    const left = await withAdmin(rt.access.kafka('admin'), (a) => a.describeAcls({ ...aclEntry(old), host: '*' }));
    expect(left.resources).toEqual([]);
  });
});

describe('Redis', () => {
  const clients: Redis[] = [];
  const as = async (user: Parameters<Runtime['access']['redis']>[0]): Promise<Redis> => {
    const r = openRedis(rt.access.redis(user), { lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });
    clients.push(r);
    await r.connect();
    return r;
  };
  afterAll(() => clients.forEach((c) => c.disconnect()));
  const refused = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => e.message);

  it('the default user is off', async () => {
    const r = new Redis(rt.addresses.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false, retryStrategy: () => null });
    clients.push(r);
    r.on('error', () => {});
    await r.connect().catch(() => undefined);
    expect(await refused(r.get('driver:x'))).toMatch(/NOAUTH|closed/);
  });

  it('the sink user cannot FLUSHALL, CONFIG or touch keys outside its patterns', async () => {
    const sink = await as('sink');
    expect(await refused(sink.flushall())).toMatch(/NOPERM/);
    expect(await refused(sink.config('GET', 'maxmemory'))).toMatch(/NOPERM/);
    expect(await refused(sink.set('blocklist:security-test', '1'))).toMatch(/NOPERM/);
    expect(await refused(sink.hset('elsewhere:1', 'a', '1'))).toMatch(/NOPERM/);
    // What it may do: its own keys.
    expect(await refused(sink.hset(`${rt.stack.redisKeyPrefix}security-test`, 'a', '1'))).toBe('ok');
    await sink.del(`${rt.stack.redisKeyPrefix}security-test`);
  });

  it('the sink runs only its two functions, which make up loaded: no Lua of its own (SCRIPT LOAD, EVAL, FUNCTION LOAD)', async () => {
    const sink = await as('sink');
    const lib = readSinkLibrary();
    const busy = 'while true do end';
    expect(await refused(sink.script('LOAD', busy))).toMatch(/NOPERM.*script\|load/);
    expect(await refused(sink.eval(busy, 0))).toMatch(/NOPERM.*eval/);
    expect(await refused(sink.call('FUNCTION', 'LOAD', `#!lua name=evil\nredis.register_function('evil', function() ${busy} end)`))).toMatch(/NOPERM.*function\|load/);
    expect(await refused(sink.call('FUNCTION', 'DELETE', lib.name))).toMatch(/NOPERM/);
    // A function of another library, loaded by the admin, is not the sink's to call.
    const admin = await as('admin');
    await admin.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=security_test\nredis.register_function('security_test_fn', function() return 1 end)");
    try {
      expect(await refused(sink.call('FCALL', 'security_test_fn', '0'))).toMatch(/NOPERM.*fcall/);
    } finally {
      await admin.call('FUNCTION', 'DELETE', 'security_test');
    }
    // The library make up loaded is this checkout's, byte for byte (the sink checks the same at connect).
    const held = (await sink.call('FUNCTION', 'LIST', 'LIBRARYNAME', lib.name, 'WITHCODE')) as unknown[][];
    expect(held.some((entry) => entry.includes(lib.code))).toBe(true);
    // Its own functions it may call: an upsert of a test driver, then its tombstone.
    const key = `${rt.stack.redisKeyPrefix}security-test-fn`;
    expect(await sink.call('FCALL', lib.functions[0] as string, '1', key, 'timestamp', '1', '', '', '', '', '', 'driver_id', 'security-test-fn')).toBe(1);
    expect(await sink.call('FCALL', lib.functions[1] as string, '1', key, 'timestamp', '2', '0', '', '', '')).toBe(1);
    expect(await admin.exists(key)).toBe(0);
  });

  it('the app user only reads; the exporter only monitors', async () => {
    const app = await as('app');
    expect(await refused(app.hset(`${rt.stack.redisKeyPrefix}security-test`, 'a', '1'))).toMatch(/NOPERM/);
    expect(await refused(app.get('blocklist:x'))).toMatch(/NOPERM/);
    expect(await refused(app.zcard(rt.stack.redisGeoKey))).toBe('ok');
    // Its own read-only function (make up loads it), and no other script or function.
    expect(await refused(app.call('FCALL_RO', 'rastro_nearest', '1', rt.stack.redisGeoKey, rt.stack.redisKeyPrefix, '-46.63', '-23.55', '1', '1', ''))).toBe('ok');
    expect(await refused(app.call('FCALL_RO', 'security_test_fn', '0'))).toMatch(/NOPERM.*fcall_ro/);
    expect(await refused(app.call('EVAL_RO', 'return 1', '0'))).toMatch(/NOPERM/);
    const exporter = await as('exporter');
    expect(await refused(exporter.hgetall(`${rt.stack.redisKeyPrefix}x`))).toMatch(/NOPERM/);
    expect(await refused(exporter.flushall())).toMatch(/NOPERM/);
    expect(await refused(exporter.info('server'))).toBe('ok');
  });

  it('a wrong password is refused, naming no password', async () => {
    const r = new Redis(rt.addresses.redisUrl, { username: 'app', password: 'wrong', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    clients.push(r);
    // ioredis reports the refused AUTH as an 'error' event, then closes.
    const errors: string[] = [];
    r.on('error', (e: Error) => errors.push(e.message));
    expect(await refused(r.connect())).not.toBe('ok');
    expect(errors.join(' ')).toMatch(/WRONGPASS/);
    expect(errors.join(' ')).not.toContain('wrong');
  });
});

describe('read-only work', () => {
  /** The runtime, with every Kafka and Redis login as admin refused: what still works needs no admin. */
  function withoutAdmin(inner: Runtime): Runtime {
    const refuse = (what: string) => (user?: string, ...rest: unknown[]) => {
      if ((user ?? 'admin') === 'admin') throw new Error(`${what}('admin') asked for by read-only work`);
      return (inner.access[what as 'kafka'] as (u: string, ...r: unknown[]) => unknown).call(inner.access, user as string, ...rest);
    };
    const guarded = ['kafka', 'redis', 'redisCli', 'kafkaCliConfig', 'kafkaCliConfigDisplay', 'kcatConfig'];
    const access = new Proxy(inner.access, { get: (t, k, r) => (guarded.includes(k as string) ? refuse(k as string) : Reflect.get(t, k, r)) });
    return new Proxy(inner, { get: (t, k, r) => (k === 'access' ? access : Reflect.get(t, k, r)) });
  }

  it('the mirror check, the redis-cli evidence and the cluster views log in as reader, app and monitor, never admin', async () => {
    const ro = withoutAdmin(rt);
    // The guard bites: a call that does ask for admin fails.
    expect(() => ro.access.kafka('admin')).toThrow(/read-only work/);
    const check = await mirrorCheck(ro);
    expect(check.records).toBeGreaterThan(0);
    expect(check.state.size).toBeGreaterThan(0);
    const snap = await redisSnapshot(ro, 1);
    expect(snap.keys.length).toBeGreaterThan(0);
    expect((await partitions(ro, rt.stack.topics.locations)).length).toBeGreaterThan(0);
    expect(rt.stack.nodeIds).toContain(await activeController(ro));
    expect(await topicOffsets(ro, rt.stack.topics.locations)).toBeGreaterThan(0);
  });
});

describe('Redis exporter', () => {
  it('sends its login to our Redis only: a /scrape of another target gets no credential', async () => {
    // What arrives at a listening socket that the scrape names.
    const received: Buffer[] = [];
    const trap = createServer((c) => {
      c.on('data', (d) => {
        received.push(d);
        c.write('-ERR not redis\r\n');
      });
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const port = (trap.address() as AddressInfo).port;
    try {
      const exporter = `http://127.0.0.1:${rt.stack.ports.redisExporter}`;
      await (await fetch(`${exporter}/scrape?target=${encodeURIComponent(`redis://127.0.0.1:${port}`)}`)).text();
      const seen = Buffer.concat(received).toString('utf8');
      expect(seen).toMatch(/INFO/);
      expect(seen).not.toMatch(/AUTH|HELLO/i);
      expect(seen).not.toContain(rt.access.redis('exporter').password as string);
      // And it still logs in where it should.
      expect(await (await fetch(`${exporter}/metrics`)).text()).toMatch(/^redis_up 1$/m);
    } finally {
      trap.close();
    }
  });
});

describe('Connect REST', () => {
  it('answers 401 without credentials and 200 with them', async () => {
    const url = `${rt.addresses.connectUrl}/connectors`;
    expect((await fetch(url)).status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const auth = rt.access.connect().auth!;
    const ok = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } });
    expect(ok.status).toBe(200);
  });

  it('the two internal endpoints the basic-auth filter lets through refuse an unsigned request', async () => {
    // Workers call these on each other, signed with the cluster's session key; without the signature
    // Connect refuses before acting (a 2xx here would let anyone rewrite the sink's task configs).
    const name = rt.stack.connect.connectorName;
    const before = await new ConnectClient(rt.access.connect()).status(name);
    const tasks = await fetch(`${rt.addresses.connectUrl}/connectors/${name}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    const fence = await fetch(`${rt.addresses.connectUrl}/connectors/${name}/fence`, { method: 'PUT' });
    for (const [what, res] of [['POST tasks', tasks], ['PUT fence', fence]] as const) {
      expect(res.status, `${what}: ${await res.text()}`).toBeGreaterThanOrEqual(400);
    }
    const after = await new ConnectClient(rt.access.connect()).status(name);
    expect(after.tasks.length).toBe(before.tasks.length);
  });
});

describe('listening ports', () => {
  it.runIf(TEST_RUNTIME === 'native')(
    "are, as the OS lists them, exactly docs/security.md's, on loopback only; an unprivileged local user is refused by each, or served only what it calls harmless, with no secret in it",
    async () => {
      const services = await rt.services();
      const pids = services.map((s) => Number(/^pid (\d+)$/.exec(s.detail)?.[1])).filter((p) => p > 0);
      expect(pids.length).toBe(services.length);
      // shared/exposure.ts, which the table in docs/security.md is rendered from (a unit test compares them).
      const documented = new Map<number, Exposure>(EXPOSURES.filter((e) => e.when === 'stack').flatMap((e) => e.ports(rt.stack).map((port) => [port, e] as const)));
      const found = listenersOf(pids);
      expect(found.filter((l) => !documented.has(l.port)).map((l) => `${l.address}:${l.port} (pid ${l.pid})`)).toEqual([]);
      expect(found.filter((l) => l.address !== '127.0.0.1').map((l) => `${l.address}:${l.port}`)).toEqual([]);
      // Each documented port is really open (the table is not longer than the truth).
      expect([...new Set(found.map((l) => l.port))].sort()).toEqual([...documented.keys()].sort());

      // Tried without a credential, as nobody when we can become it (CI runs as root), with Node's built-ins only.
      const targets = [...documented].map(([port, e]) => ({ port, probe: e.probe, path: e.path }));
      const probe = [process.execPath, join(ROOT, 'test', 'integration', 'port-probe.mjs'), JSON.stringify(targets)];
      const asNobody = process.getuid?.() === 0;
      const r = asNobody ? spawnSync('runuser', ['-u', 'nobody', '--', ...probe], { encoding: 'utf8', maxBuffer: 64 << 20 }) : spawnSync(probe[0] as string, probe.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(r.status, r.stderr).toBe(0);
      const results = JSON.parse(r.stdout) as Array<{ port: number; probe: Probe; outcome: string; detail: string; status?: number; body?: string }>;
      expect(results.map((x) => x.port).sort()).toEqual([...documented.keys()].sort());
      const secrets = secretValues();
      expect(secrets.length).toBeGreaterThanOrEqual(11);
      // Records neither: no driver's key (the locations themselves live only in Kafka and Redis).
      const admin = openRedis(rt.access.redis('admin'));
      const [, driverKeys] = await admin.scan('0', 'MATCH', `${rt.stack.redisKeyPrefix}*`, 'COUNT', 1000).finally(() => admin.disconnect());
      expect(driverKeys.length).toBeGreaterThan(0);
      for (const x of results) {
        const what = `${x.port} (${documented.get(x.port)?.what}, ${x.probe}): ${x.detail}`;
        if (x.probe !== 'public-http') {
          expect(`${what} → ${x.outcome}`).toBe(`${what} → refused`);
          continue;
        }
        // Served to anyone: it must really be what the table says (an answer), and hold no secret.
        expect(`${what} → ${x.status}`).toBe(`${what} → 200`);
        expect((x.body ?? '').length, what).toBeGreaterThan(100);
        expect(secrets.filter((v) => (x.body as string).includes(v)).length, what).toBe(0);
        expect(driverKeys.filter((k) => (x.body as string).includes(k)), what).toEqual([]);
      }
    },
  );
});

describe('Prometheus', () => {
  it('has no lifecycle API: no local user can stop or reload it', async () => {
    // /-/reload, not /-/quit: the same switch, and a regression would not stop the test stack's Prometheus.
    const r = await fetch(`${rt.addresses.prometheusUrl}/-/reload`, { method: 'POST' });
    expect([r.status, (await r.text()).trim()]).toEqual([403, 'Lifecycle API is not enabled.']);
    expect((await fetch(`${rt.addresses.prometheusUrl}/-/ready`)).status).toBe(200);
  });
});

describe('data at rest', () => {
  it.runIf(TEST_RUNTIME === 'native')('everything under the stack home is its owner\'s only: Kafka logs, the AOF, logs, secrets', () => {
    const home = TEST_ENV.RASTRO_HOME;
    // The paths that matter exist (a walk of an empty home would prove nothing).
    for (const p of ['kafka-1/data', 'redis', 'connect', 'secrets']) expect(existsSync(join(home, p)), p).toBe(true);
    expect(openPaths(home).map((p) => `${p.path} ${(p.mode & 0o777).toString(8)}`)).toEqual([]);
    // And as another local user would try it (root can become one; CI runs as root).
    if (process.getuid?.() === 0) {
      const r = spawnSync('runuser', ['-u', 'nobody', '--', 'find', home, '-readable'], { encoding: 'utf8' });
      expect(r.stdout.trim()).toBe('');
      expect(r.stderr).toMatch(/Permission denied/);
    }
  });
});

/** Every secret value of the stack: its passwords and the app's token. */
function secretValues(): string[] {
  const dir = rt.access.secrets.dir;
  return readdirSync(dir).filter((f) => f.endsWith('.password') || f === SECRET_FILES.appToken).map((f) => readFileSync(join(dir, f), 'utf8').trim());
}

describe('secrets', () => {
  const passwords = () => readdirSync(rt.access.secrets.dir).filter((f) => f.endsWith('.password')).map((f) => readFileSync(join(rt.access.secrets.dir, f), 'utf8').trim());

  it('live in a mode-0700 directory of mode-0600 files', () => {
    expect(statSync(rt.access.secrets.dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(rt.access.secrets.dir)) expect([f, statSync(join(rt.access.secrets.dir, f)).mode & 0o777]).toEqual([f, 0o600]);
    expect(passwords().length).toBeGreaterThanOrEqual(10);
  });

  it('none was on the command line of any process during the first make up (/proc/*/cmdline, read by any user)', () => {
    const sample = JSON.parse(readFileSync(STARTUP_CMDLINES, 'utf8')) as CmdlineSample;
    expect(sample.rounds).toBeGreaterThan(100);
    // The sampler saw the short-lived set-up tools: the storage format and the SCRAM users' creation.
    if (TEST_RUNTIME === 'native') {
      expect(sample.cmdlines.some((c) => c.includes('StorageTool format'))).toBe(true);
      expect(sample.cmdlines.some((c) => c.includes('ScramUsers.java'))).toBe(true);
    }
    for (const pw of passwords()) expect(sample.cmdlines.filter((c) => c.includes(pw))).toEqual([]);
  });

  it('none is committed, and none is in a printed command or a rendered config', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(tracked.filter((f) => f.includes('secrets/') || f.endsWith('.password'))).toEqual([]);
    // The Connect worker config and the broker configs the launcher wrote reference secrets, never hold them
    // (docker renders only the worker config; its brokers take their settings from compose).
    const files = [join(rt.access.secrets.dir, '..', 'connect', 'worker.properties'), ...(rt.name === 'native' ? [join(rt.access.secrets.dir, '..', 'kafka-1', 'node.properties')] : [])];
    const rendered = files.map((f) => readFileSync(f, 'utf8'));
    for (const pw of passwords()) {
      for (const text of rendered) expect(text.includes(pw)).toBe(false);
    }
  });

  it('the printed kafka-topics and redis-cli commands work as printed, and show no password', async () => {
    const r = await rt.redisCli(['DBSIZE']);
    for (const pw of passwords()) expect(r.display.includes(pw)).toBe(false);
    // The password file, where redis-cli runs: this checkout's secrets (native), the container's volume (docker).
    const file = rt.name === 'native' ? rt.access.secrets.path(SECRET_FILES.redisPassword('app')).replace(`${ROOT}/`, '') : `/etc/rastro/secrets/${SECRET_FILES.redisPassword('app')}`;
    expect(r.display).toContain(`$(cat ${file})`);
    const shell = execFileSync('bash', ['-c', r.display], { cwd: ROOT, encoding: 'utf8' });
    expect(shell.trim()).toMatch(/^\d+$/);
    const k = await rt.kafkaCli('kafka-topics', ['--bootstrap-server', rt.cliBootstrap, '--list']);
    expect(k.display).toContain('--command-config');
    for (const pw of passwords()) expect(k.display.includes(pw)).toBe(false);
    expect(k.stdout).toContain(rt.stack.topics.locations);
  });
});

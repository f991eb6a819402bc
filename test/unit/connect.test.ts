import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyStatus, ConnectClient, configChanges, describeChange, StaleClock, type ConnectorStatus } from '../../scripts/lib/connect.ts';

const file = { 'connector.class': 'X', 'tasks.max': '3', 'redis.uri': '${env:RASTRO_REDIS_URI}' };

describe('configChanges (PUT only what changed)', () => {
  it('sees no change when Connect returns the file plus the name it adds, placeholders unresolved', () => {
    expect(configChanges(file, { ...file, name: 'redis-sink' }, 'redis-sink')).toEqual([]);
  });
  it('compares placeholders as text: a resolved value stored in their place is a change', () => {
    const changes = configChanges(file, { ...file, name: 'redis-sink', 'redis.uri': 'redis://127.0.0.1:16379' }, 'redis-sink');
    expect(changes).toEqual([{ key: 'redis.uri', from: 'redis://127.0.0.1:16379', to: '${env:RASTRO_REDIS_URI}' }]);
  });
  it('lists changed, added and removed keys', () => {
    const stored = { name: 'redis-sink', 'connector.class': 'X', 'tasks.max': '2', 'redis.uri': '${env:RASTRO_REDIS_URI}', 'errors.log.enable': 'true' };
    const changes = configChanges({ ...file, 'batch.size': '10' }, stored, 'redis-sink');
    expect(changes.map(describeChange)).toEqual(['batch.size: added (10)', 'errors.log.enable: removed (was true)', 'tasks.max: 2 → 3']);
  });
  it('treats a missing connector (nothing stored) as a change of every key', () => {
    expect(configChanges(file, {}, 'redis-sink').map((c) => c.key)).toEqual(['connector.class', 'name', 'redis.uri', 'tasks.max']);
  });
});

const status = (connector: string, ...tasks: string[]): ConnectorStatus => ({
  name: 'redis-sink',
  connector: { state: connector, worker_id: 'w' },
  tasks: tasks.map((state, id) => ({ id, state, worker_id: 'w' })),
});

describe('classifyStatus and StaleClock (stale UNASSIGNED recovery)', () => {
  it('classifies the states the readiness wait acts on', () => {
    expect(classifyStatus(status('RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'), 3)).toBe('running');
    expect(classifyStatus(status('UNASSIGNED', 'RUNNING', 'RUNNING', 'RUNNING'), 3)).toBe('stale-unassigned');
    expect(classifyStatus(status('UNASSIGNED', 'RUNNING', 'UNASSIGNED', 'RUNNING'), 3)).toBe('starting');
    expect(classifyStatus(status('UNASSIGNED', 'RUNNING', 'RUNNING'), 3)).toBe('starting');
    expect(classifyStatus(status('RUNNING', 'RUNNING', 'FAILED', 'RUNNING'), 3)).toBe('failed');
    expect(classifyStatus(status('RUNNING'), 3)).toBe('starting');
  });
  it('counts only an uninterrupted stale stretch', () => {
    const c = new StaleClock();
    expect(c.observe('stale-unassigned', 1000)).toBe(0);
    expect(c.observe('stale-unassigned', 6000)).toBe(5000);
    expect(c.observe('starting', 7000)).toBe(0);
    expect(c.observe('stale-unassigned', 8000)).toBe(0);
    expect(c.observe('stale-unassigned', 9500)).toBe(1500);
    c.reset();
    expect(c.observe('stale-unassigned', 10_000)).toBe(0);
  });
});

describe('ConnectClient against a local HTTP server that is busy at first', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  /** Answers per "METHOD path": the first entries are served in order, the last one repeats. */
  const script = new Map<string, Array<[number, unknown]>>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const key = `${req.method} ${req.url}`;
      seen.push(key);
      const answers = script.get(key) ?? [[404, { message: 'no such path' }]];
      const [status, body] = (answers.length > 1 ? answers.shift() : answers[0]) as [number, unknown];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries a GET and a PUT while Connect answers 409 or 500 "Request timed out"', async () => {
    script.set('GET /connectors/s/config', [[500, { error_code: 500, message: 'Request timed out' }], [409, { message: 'Cannot complete request momentarily due to stale configuration' }], [200, { a: '1' }]]);
    script.set('PUT /connectors/s/config', [[500, { error_code: 500, message: 'Request timed out' }], [201, {}]]);
    seen.length = 0;
    const client = new ConnectClient({ url }, 10_000);
    expect(await client.applyConfig('s', { a: '2' })).toEqual({ outcome: 'updated', changes: [{ key: 'a', from: '1', to: '2' }, { key: 'name', to: 's' }] });
    expect(seen).toEqual(['GET /connectors/s/config', 'GET /connectors/s/config', 'GET /connectors/s/config', 'PUT /connectors/s/config', 'PUT /connectors/s/config']);
  });

  it('does not repeat a POST that timed out, and names the operation and the target', async () => {
    script.set('POST /connectors/s/restart', [[500, { error_code: 500, message: 'Request timed out' }], [204, {}]]);
    seen.length = 0;
    const client = new ConnectClient({ url }, 10_000);
    await expect(client.restartConnector('s')).rejects.toThrow(`POST restart of connector s at ${new URL(url).host}: 500 Request timed out`);
    expect(seen).toEqual(['POST /connectors/s/restart']);
  });

  it('gives up on any other error at once', async () => {
    script.set('GET /connectors/s/config', [[500, { message: 'something broke' }], [200, {}]]);
    seen.length = 0;
    await expect(new ConnectClient({ url }, 10_000).getConfig('s')).rejects.toThrow(/GET config of connector s at .*: 500 something broke/);
    expect(seen).toHaveLength(1);
  });
});

// Tries ports as an anonymous local client would, without any credential: run by the security test as
// an unprivileged user (nobody), so it uses Node's built-ins only. Input: a JSON array of
// {port, probe, path?} as argv[2]; output: one JSON array of {port, probe, outcome, detail, status?, body?}.
import { request } from 'node:http';
import { connect as tcp } from 'node:net';
import { connect as tls } from 'node:tls';

const TIMEOUT_MS = 5000;

/** A Kafka request frame: size, api key, version, correlation id, client id, body.
 * @param {number} apiKey @param {Buffer} body */
function kafkaRequest(apiKey, body) {
  const client = Buffer.from('rastro-port-probe');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(0, 2);
  header.writeInt32BE(7, 4);
  header.writeInt16BE(client.length, 8);
  const payload = Buffer.concat([header, client, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}
// Metadata v0 for every topic (empty list): before the SASL login a broker must not answer it.
const METADATA = kafkaRequest(3, Buffer.from([0, 0, 0, 0]));
// ApiVersions v0: what any listener answers first, once a connection is accepted.
const API_VERSIONS = kafkaRequest(18, Buffer.alloc(0));

/**
 * Sends `frame` over TLS (no client certificate, any server certificate); refused = closed or failed with no reply.
 * @param {number} port @param {Buffer} frame @returns {Promise<{outcome: string, detail: string}>}
 */
function tlsKafka(port, frame) {
  return new Promise((resolve) => {
    const s = tls({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let got = 0;
    /** @param {string} outcome @param {string} detail */
    const done = (outcome, detail) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ outcome, detail });
    };
    const timer = setTimeout(() => done('timeout', `no answer and no close within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    s.on('secureConnect', () => s.write(frame));
    s.on('data', (d) => {
      got += d.length;
      done('answered', `${got} bytes of reply`);
    });
    s.on('error', (e) => { const code = /** @type {NodeJS.ErrnoException} */ (e).code; done(code === 'ECONNREFUSED' ? 'closed' : 'refused', code ?? e.message); });
    s.on('close', () => done(got > 0 ? 'answered' : 'refused', 'closed without a reply'));
  });
}

/** @param {number} port @returns {Promise<{outcome: string, detail: string}>} */
function redisPing(port) {
  return new Promise((resolve) => {
    const s = tcp({ host: '127.0.0.1', port });
    let text = '';
    /** @param {string} outcome @param {string} detail */
    const done = (outcome, detail) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ outcome, detail });
    };
    const timer = setTimeout(() => done('timeout', `no reply within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n')) {
        const line = text.split('\r\n')[0] ?? '';
        done(line.startsWith('-NOAUTH') ? 'refused' : 'answered', line);
      }
    });
    s.on('error', (e) => { const code = /** @type {NodeJS.ErrnoException} */ (e).code; done(code === 'ECONNREFUSED' ? 'closed' : 'refused', code ?? e.message); });
  });
}

/** @param {number} port @param {string} path @returns {Promise<{outcome: string, detail: string, status?: number, body?: string}>} */
function httpGet(port, path) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: TIMEOUT_MS }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ outcome: res.statusCode === 401 ? 'refused' : 'answered', detail: `HTTP ${res.statusCode}`, status: res.statusCode, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { const code = /** @type {NodeJS.ErrnoException} */ (e).code; resolve({ outcome: code === 'ECONNREFUSED' ? 'closed' : 'refused', detail: code ?? e.message }); });
    req.end();
  });
}

/** @typedef {{port: number, probe: string, path?: string}} Target */
/** @type {Record<string, (t: Target) => Promise<object>>} */
const PROBES = {
  'kafka-sasl': (t) => tlsKafka(t.port, METADATA),
  'mutual-tls': (t) => tlsKafka(t.port, API_VERSIONS),
  'http-401': (t) => httpGet(t.port, t.path ?? '/'),
  'redis-noauth': (t) => redisPing(t.port),
  'public-http': (t) => httpGet(t.port, t.path ?? '/'),
};

/** @type {Target[]} */
const targets = JSON.parse(process.argv[2] ?? '[]');
const results = [];
for (const t of targets) {
  const probe = PROBES[t.probe];
  if (probe === undefined) throw new Error(`port-probe: unknown probe '${t.probe}' for port ${t.port}`);
  results.push({ port: t.port, probe: t.probe, ...(await probe(t)) });
}
process.stdout.write(JSON.stringify(results));

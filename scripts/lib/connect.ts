import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStackPlaceholders } from './placeholders.ts';
import { basicAuthHeader, type ConnectAccess } from '../../shared/security.ts';
import { CONFIG_DIR, type Stack } from '../../shared/stack.ts';
import { GiveUp, waitFor } from './wait.ts';

/** One error type for every Connect REST failure: operation, target, status and Connect's message. */
export class ConnectError extends Error {
  constructor(
    readonly operation: string,
    readonly target: string,
    readonly status: number | undefined,
    detail: string,
    /** No answer in time: ours (the request's own timeout) or Connect's (500 "Request timed out", its herder was busy). */
    readonly timedOut = false,
  ) {
    super(`${operation} at ${target}: ${status ?? 'no response'} ${detail}`.trim());
    this.name = 'ConnectError';
  }
}

export type ConnectorConfig = Record<string, string>;

export function connectorFile(name: string): string {
  return join(CONFIG_DIR, 'connectors', `${name}.json`);
}

/** config/connectors/<name>.json with ${stack:…} filled in (Connect resolves ${env:…} itself). */
export function loadConnectorConfig(stack: Stack, name = stack.connect.connectorName): ConnectorConfig {
  const file = connectorFile(name);
  const parsed: unknown = JSON.parse(renderStackPlaceholders(readFileSync(file, 'utf8'), stack.vars, file));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object`);
  for (const [k, v] of Object.entries(parsed)) if (typeof v !== 'string') throw new Error(`${file}: ${k} must be a string (Connect configs are strings)`);
  return parsed as ConnectorConfig;
}

/** The consumer group a sink connector's tasks share: Connect's default, unless the config overrides it. */
export function sinkGroupId(name: string, config: ConnectorConfig = {}): string {
  return config['consumer.override.group.id'] ?? `connect-${name}`;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
}

export interface ConfigChange {
  key: string;
  /** Absent: the key is new. */
  from?: string;
  /** Absent: the key is removed. */
  to?: string;
}

/**
 * What a PUT of `wanted` would change in the config Connect stores. Both sides are compared as raw
 * text: Connect stores and returns placeholders such as ${env:…} unresolved (the worker resolves
 * them when it starts the connector), so the file's text is what to compare, never the resolved
 * value. Connect adds `name` itself, so a stored `name` equal to the connector's is no change.
 */
export function configChanges(wanted: ConnectorConfig, stored: ConnectorConfig, name: string): ConfigChange[] {
  const want: ConnectorConfig = { name, ...wanted };
  const changes: ConfigChange[] = [];
  for (const key of [...new Set([...Object.keys(want), ...Object.keys(stored)])].sort()) {
    const from = stored[key];
    const to = want[key];
    if (from === to) continue;
    changes.push({ key, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
  }
  return changes;
}

export function describeChange(c: ConfigChange): string {
  if (c.from === undefined) return `${c.key}: added (${c.to})`;
  if (c.to === undefined) return `${c.key}: removed (was ${c.from})`;
  return `${c.key}: ${c.from} → ${c.to}`;
}

export type StatusVerdict = 'running' | 'failed' | 'stale-unassigned' | 'starting';

/**
 * Where a status stands. 'stale-unassigned' is the inconsistent picture of the stale-status class
 * (KAFKA-12525): every expected task RUNNING, which needs a started connector, yet the connector's
 * last status record says UNASSIGNED. Briefly normal during a restart; lasting, it is a lost write.
 */
export function classifyStatus(s: ConnectorStatus, expectedTasks: number): StatusVerdict {
  if ([s.connector, ...s.tasks].some((t) => t.state === 'FAILED')) return 'failed';
  const tasksRunning = s.tasks.length === expectedTasks && s.tasks.every((t) => t.state === 'RUNNING');
  if (tasksRunning && s.connector.state === 'RUNNING') return 'running';
  if (tasksRunning && s.connector.state === 'UNASSIGNED') return 'stale-unassigned';
  return 'starting';
}

export function describeStatus(s: ConnectorStatus): string {
  return `connector ${s.connector.state}, tasks [${s.tasks.map((t) => `${t.id}:${t.state}`).join(' ')}]`;
}

/** Measures how long a status has stayed 'stale-unassigned' without interruption. */
export class StaleClock {
  private since: number | undefined;
  observe(verdict: StatusVerdict, now: number): number {
    if (verdict !== 'stale-unassigned') {
      this.since = undefined;
      return 0;
    }
    this.since ??= now;
    return now - this.since;
  }
  reset(): void {
    this.since = undefined;
  }
}

export interface WaitRunningOptions {
  timeoutMs?: number;
  /** How long tasks RUNNING beside an UNASSIGNED connector is tolerated before restarting the connector. */
  staleAfterMs?: number;
  /** At most this many connector restarts per wait (the wait stays bounded by timeoutMs anyway). */
  maxRestarts?: number;
  log?: (line: string) => void;
}

export interface RunningResult {
  status: ConnectorStatus;
  /** What the wait did to recover, in words (empty when nothing was needed). */
  recoveries: string[];
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

/** A Connect answer the request may succeed on later: 409 = rebalance or config change in progress. */
const RETRY_LATER = 409;

export class ConnectClient {
  private readonly host: string;
  readonly baseUrl: string;
  private readonly auth: Record<string, string>;
  /** `access`: the REST URL and, with security on, the basic-auth credentials sent with every request. */
  constructor(access: ConnectAccess, private readonly conflictRetryMs = 60_000) {
    this.baseUrl = access.url;
    this.host = new URL(access.url).host;
    this.auth = basicAuthHeader(access);
  }

  private async once<T>(operation: string, method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      throw new ConnectError(operation, this.host, undefined, err instanceof Error ? err.message : String(err), timedOut);
    }
    const text = await res.text();
    if (!res.ok) {
      let msg = text;
      try {
        msg = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* not JSON: keep the raw text */
      }
      throw new ConnectError(operation, this.host, res.status, msg, res.status === 500 && /request timed out/i.test(msg));
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /**
   * One REST call, retried for a bounded time while Connect is busy: a 409 (rebalance or config
   * change in progress) for any method, a timeout only for GET and PUT (repeating them is harmless:
   * a PUT sends the same body again). Any other error is final.
   */
  private call<T>(operation: string, method: string, path: string, body?: unknown): Promise<T> {
    const idempotent = method === 'GET' || method === 'PUT';
    return waitFor(
      async () => {
        try {
          return { value: await this.once<T>(operation, method, path, body) };
        } catch (err) {
          if (err instanceof ConnectError && (err.status === RETRY_LATER || (idempotent && err.timedOut))) throw err;
          throw new GiveUp(err instanceof Error ? err : new Error(String(err)));
        }
      },
      { what: `${operation} at ${this.host} (Connect stayed busy)`, timeoutMs: this.conflictRetryMs },
    ).then((r) => r.value);
  }

  private path(name: string, suffix = ''): string {
    return `/connectors/${encodeURIComponent(name)}${suffix}`;
  }

  /** The worker's Kafka version (GET /). */
  async version(): Promise<string> {
    return (await this.call<{ version: string }>('GET Connect version', 'GET', '/')).version;
  }

  /** PUT /connectors/<name>/config: creates or updates, and restarts the connector even when nothing changed. */
  putConnector(name: string, config: ConnectorConfig): Promise<unknown> {
    return this.call(`PUT connector ${name}`, 'PUT', this.path(name, '/config'), config);
  }

  /** The stored config, placeholders unresolved; undefined when the connector does not exist. */
  async getConfig(name: string): Promise<ConnectorConfig | undefined> {
    try {
      return await this.call<ConnectorConfig>(`GET config of connector ${name}`, 'GET', this.path(name, '/config'));
    } catch (err) {
      if (err instanceof ConnectError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Sends the config only when it differs from the stored one: every PUT restarts the connector,
   * and each restart is a chance for a stale status record (see waitRunning).
   */
  async applyConfig(name: string, config: ConnectorConfig): Promise<{ outcome: ApplyOutcome; changes: ConfigChange[] }> {
    const stored = await this.getConfig(name);
    const changes = configChanges(config, stored ?? {}, name);
    if (stored !== undefined && changes.length === 0) return { outcome: 'unchanged', changes };
    await this.putConnector(name, config);
    return { outcome: stored === undefined ? 'created' : 'updated', changes };
  }

  status(name: string): Promise<ConnectorStatus> {
    return this.once(`GET status of connector ${name}`, 'GET', this.path(name, '/status'));
  }

  deleteConnector(name: string): Promise<unknown> {
    return this.call(`DELETE connector ${name}`, 'DELETE', this.path(name));
  }

  restartFailed(name: string): Promise<unknown> {
    return this.call(`restart failed instances of connector ${name}`, 'POST', this.path(name, '/restart?includeTasks=true&onlyFailed=true'));
  }

  /** POST /connectors/<name>/restart?includeTasks=true: the connector and every task, each reopening its partitions. */
  restartWithTasks(name: string): Promise<unknown> {
    return this.call(`POST restart of connector ${name} and its tasks`, 'POST', this.path(name, '/restart?includeTasks=true'));
  }

  /** POST /connectors/<name>/restart: the connector instance only; its tasks keep running. */
  restartConnector(name: string): Promise<unknown> {
    return this.call(`POST restart of connector ${name}`, 'POST', this.path(name, '/restart'));
  }

  /** PUT /connectors/<name>/stop: connector and tasks shut down, config kept (Kafka ≥ 3.5). */
  stop(name: string): Promise<unknown> {
    return this.call(`PUT stop of connector ${name}`, 'PUT', this.path(name, '/stop'));
  }

  /** PUT /connectors/<name>/resume: back to RUNNING from PAUSED or STOPPED. */
  resume(name: string): Promise<unknown> {
    return this.call(`PUT resume of connector ${name}`, 'PUT', this.path(name, '/resume'));
  }

  /** GET /connectors/<name>/offsets (Kafka ≥ 3.5): for a sink, one entry per partition with a committed offset. */
  offsets(name: string): Promise<{ offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> }> }> {
    return this.call(`GET offsets of connector ${name}`, 'GET', this.path(name, '/offsets'));
  }

  /** DELETE /connectors/<name>/offsets (Kafka ≥ 3.6): forget every committed offset; the connector must be STOPPED. */
  resetOffsets(name: string): Promise<{ message?: string } | undefined> {
    return this.call(`DELETE offsets of connector ${name}`, 'DELETE', this.path(name, '/offsets'));
  }

  /** Waits until the connector reports STOPPED and no task is left. */
  async waitStopped(name: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
    let last = 'no status yet';
    return waitFor(
      async () => {
        const s = await this.status(name);
        last = describeStatus(s);
        if (s.connector.state === 'FAILED') throw new GiveUp(new ConnectError(`connector ${name}`, this.host, 200, `FAILED: ${(s.connector.trace ?? '').split('\n')[0]}`));
        if (s.connector.state === 'STOPPED' && s.tasks.length === 0) return s;
        throw new Error(last);
      },
      { what: `connector ${name} STOPPED with no tasks at ${this.host}`, timeoutMs },
    );
  }

  /**
   * Waits until the connector and `expectedTasks` tasks are RUNNING; fails fast on FAILED with the
   * trace. Recovers from a stale status: when every task has been RUNNING for `staleAfterMs` while
   * the connector still reads UNASSIGNED, its last status write was lost or overtaken (a PUT's
   * restart during a leader move of the status topic) and nothing will rewrite it, so the wait
   * restarts the connector instance, which writes a fresh status; the tasks are left alone.
   */
  async waitRunning(name: string, expectedTasks: number, opts: WaitRunningOptions = {}): Promise<RunningResult> {
    const { timeoutMs = 120_000, staleAfterMs = 15_000, maxRestarts = 2, log = () => {} } = opts;
    const clock = new StaleClock();
    const recoveries: string[] = [];
    const status = await waitFor(
      async () => {
        const s = await this.status(name);
        const verdict = classifyStatus(s, expectedTasks);
        if (verdict === 'running') return s;
        if (verdict === 'failed') {
          const failed = [s.connector, ...s.tasks].find((t) => t.state === 'FAILED');
          throw new GiveUp(new ConnectError(`connector ${name}`, this.host, 200, `FAILED: ${(failed?.trace ?? '').split('\n')[0]}`));
        }
        const staleFor = clock.observe(verdict, Date.now());
        if (staleFor >= staleAfterMs && recoveries.length < maxRestarts) {
          const what = `connector ${name} read UNASSIGNED for ${(staleFor / 1000).toFixed(0)} s while its ${expectedTasks} tasks were RUNNING (a stale status record); POST ${this.path(name, '/restart')} to make the worker write a fresh one`;
          log(what);
          recoveries.push(what);
          await this.restartConnector(name);
          clock.reset();
        }
        // Thrown, not returned: the timeout message then ends with the last state seen.
        throw new Error(`${describeStatus(s)}${recoveries.length > 0 ? `; connector restarted ${recoveries.length}×` : ''}`);
      },
      { what: `connector ${name} and ${expectedTasks} tasks RUNNING at ${this.host}`, timeoutMs },
    );
    return { status, recoveries };
  }
}

/**
 * The curl a user would type to do what putConnector does (for the evidence). `auth` is the flag that
 * supplies the credentials from a file (--netrc-file …), never the password itself.
 */
export function curlForPut(baseUrl: string, name: string, config: ConnectorConfig, auth = ''): string {
  const json = JSON.stringify(config, null, 2).replaceAll("'", "'\\''");
  return `curl -sS ${auth}-X PUT -H 'Content-Type: application/json' \\\n  ${baseUrl}/connectors/${name}/config \\\n  --data '${json}'`;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStackPlaceholders } from './placeholders.ts';
import { CONFIG_DIR, type Stack } from './stack.ts';
import { GiveUp, waitFor } from './wait.ts';

/** One error type for every Connect REST failure: operation, target, status and Connect's message. */
export class ConnectError extends Error {
  constructor(readonly operation: string, readonly target: string, readonly status: number | undefined, detail: string) {
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

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
}

export class ConnectClient {
  private readonly host: string;
  constructor(readonly baseUrl: string) {
    this.host = new URL(baseUrl).host;
  }

  private async call<T>(operation: string, method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new ConnectError(operation, this.host, undefined, err instanceof Error ? err.message : String(err));
    }
    const text = await res.text();
    if (!res.ok) {
      let msg = text;
      try {
        msg = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* not JSON: keep the raw text */
      }
      throw new ConnectError(operation, this.host, res.status, msg);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** PUT /connectors/<name>/config: creates or updates, so it is idempotent. */
  putConnector(name: string, config: ConnectorConfig): Promise<unknown> {
    return this.call(`PUT connector ${name}`, 'PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
  }

  status(name: string): Promise<ConnectorStatus> {
    return this.call(`GET status of connector ${name}`, 'GET', `/connectors/${encodeURIComponent(name)}/status`);
  }

  deleteConnector(name: string): Promise<unknown> {
    return this.call(`DELETE connector ${name}`, 'DELETE', `/connectors/${encodeURIComponent(name)}`);
  }

  restartFailed(name: string): Promise<unknown> {
    return this.call(`restart connector ${name}`, 'POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }

  /** Waits until the connector and `expectedTasks` tasks are RUNNING; fails fast on FAILED with the trace. */
  async waitRunning(name: string, expectedTasks: number, timeoutMs = 120_000): Promise<ConnectorStatus> {
    return waitFor(
      async () => {
        const s = await this.status(name);
        const failed = [s.connector, ...s.tasks].find((t) => t.state === 'FAILED');
        if (failed) throw new GiveUp(new ConnectError(`connector ${name}`, this.host, 200, `FAILED: ${(failed.trace ?? '').split('\n')[0]}`));
        const running = s.connector.state === 'RUNNING' && s.tasks.length === expectedTasks && s.tasks.every((t) => t.state === 'RUNNING');
        return running ? s : false;
      },
      { what: `connector ${name} and ${expectedTasks} tasks RUNNING at ${this.host}`, timeoutMs },
    );
  }
}

/** The curl a user would type to do what putConnector does (for the evidence). */
export function curlForPut(baseUrl: string, name: string, config: ConnectorConfig): string {
  const json = JSON.stringify(config, null, 2).replaceAll("'", "'\\''");
  return `curl -sS -X PUT -H 'Content-Type: application/json' \\\n  ${baseUrl}/connectors/${name}/config \\\n  --data '${json}'`;
}

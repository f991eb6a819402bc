import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../scripts/lib/docker/runtime.ts';
import { loadStack, ROOT } from '../../shared/stack.ts';

/**
 * The docker runtime's lifecycle against a stand-in `docker` on PATH that records each call and
 * whether compose's .env existed then (no engine runs here). The real .env is set aside and put back.
 */
const bin = mkdtempSync(join(tmpdir(), 'rastro-docker-'));
const calls = join(bin, 'calls.log');
const envFile = join(ROOT, '.env');
const kept = join(bin, 'env.kept');
const path = process.env.PATH;

beforeAll(() => {
  if (existsSync(envFile)) renameSync(envFile, kept);
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nif [ -f "${envFile}" ]; then e=yes; else e=no; fi\necho "$* .env=$e" >> "${calls}"\ncase "$*" in "compose up"*) exit 1;; esac\nexit 0\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  process.env.PATH = `${bin}:${path}`;
});

afterAll(() => {
  process.env.PATH = path;
  rmSync(envFile, { force: true });
  if (existsSync(kept)) renameSync(kept, envFile);
  rmSync(bin, { recursive: true, force: true });
});

describe('docker runtime: make up on a host that never ran it', () => {
  it('writes everything compose interpolates before its first docker compose call', async () => {
    const rt = new DockerRuntime(loadStack(), 'off');
    // The stand-in fails `compose up`: the calls before it are the ones under test.
    await expect(rt.up(() => {})).rejects.toThrow(/exit code: 1/);
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^compose ps .*\.env=yes$/);
    expect(lines.at(-1)).toMatch(/^compose up /);
    expect(lines.every((l) => l.endsWith('.env=yes'))).toBe(true);
  });

  it('runs the Kafka tools in a broker container with a small JVM', async () => {
    writeFileSync(calls, '');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$*" >> "${calls}"\ncase "$*" in "compose ps"*) echo kafka-2;; esac\nexit 0\n`);
    const r = await new DockerRuntime(loadStack(), 'off').kafkaCli('kafka-topics', ['--list']);
    expect(r.display).toBe('docker compose exec kafka-2 /opt/kafka/bin/kafka-topics.sh --list');
    expect(readFileSync(calls, 'utf8')).toContain('compose exec -T -e KAFKA_HEAP_OPTS=-Xmx256m -e KAFKA_JVM_PERFORMANCE_OPTS=-XX:TieredStopAtLevel=1 kafka-2 /opt/kafka/bin/kafka-topics.sh --list');
  });
});

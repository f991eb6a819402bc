import { describe, expect, it } from 'vitest';
import { redisLoadError, refusalsSinceStart, unexpectedErrorReplies } from '../../scripts/lib/redis-load.ts';

/** Two starts of one Redis log: the first replay refused a transaction, the second loaded cleanly. */
const LOG = [
  '100:C 07 Dec 2026 08:00:00.000 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
  "100:M 07 Dec 2026 08:00:00.010 # == CRITICAL == This server is sending an error to its AOF-loading-client: '-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call' after processing the command 'exec'",
  '100:M 07 Dec 2026 08:00:00.011 * DB loaded from append only file: 0.001 seconds',
  '200:C 07 Dec 2026 08:01:00.000 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
  '200:M 07 Dec 2026 08:01:00.011 * DB loaded from append only file: 0.001 seconds',
].join('\n');

describe('noticing a Redis start that dropped acknowledged writes', () => {
  it("reads Redis's own count of error replies to its AOF-loading client", () => {
    expect(unexpectedErrorReplies('# Stats\r\ntotal_error_replies:7\r\nunexpected_error_replies:2\r\n')).toBe(2);
    expect(() => unexpectedErrorReplies('# Stats\r\ntotal_error_replies:7\r\n')).toThrow(/unexpected_error_replies/);
  });

  it('quotes only the refusals of the latest start from a log appended across starts', () => {
    expect(refusalsSinceStart(LOG)).toEqual([]);
    const first = LOG.split('\n').slice(0, 3).join('\n');
    expect(refusalsSinceStart(first)).toHaveLength(1);
    expect(refusalsSinceStart(first)[0]).toContain('NOPERM ACLs rules changed');
  });

  it('names the count, the log and its line, and where the refused writes still are', () => {
    const line = refusalsSinceStart(LOG.split('\n').slice(0, 3).join('\n'))[0];
    const e = redisLoadError('redis://127.0.0.1:16379', { refused: 2, firstLine: line }, { logFile: '/x/redis.log', dataDir: '/x/appendonlydir' });
    expect(e.message).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:16379 refused 2 command\(s\) while loading its append-only file/);
    expect(e.message).toContain("/x/redis.log says: 100:M 07 Dec 2026 08:00:00.010 # == CRITICAL == This server is sending an error to its AOF-loading-client");
    expect(e.message).toContain('still in /x/appendonlydir');
  });
});

import { describe, expect, it } from 'vitest';
import { sinkTopics, supportsOffsetReset } from '../../scripts/lib/rebuild-redis.ts';
import { globEscape, sinkKeyPatterns } from '../../scripts/lib/sink-keys.ts';
import { loadStack } from '../../shared/stack.ts';

describe('rebuild-redis rules', () => {
  it('deletes exactly what the sink writes: driver hashes, their tombstone markers, the GEO index and its applied offsets, from stack.env', () => {
    expect(sinkKeyPatterns(loadStack())).toEqual([
      { pattern: 'driver:*', type: 'hash' },
      { pattern: 'tombstone:driver:*', type: 'string' },
      { pattern: 'drivers:geo', type: 'zset' },
      { pattern: 'sink-offsets:redis-sink', type: 'hash' },
    ]);
  });
  it('escapes glob characters so a prefix matches only itself', () => {
    expect(globEscape('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });
  it('needs Kafka Connect 3.6 or newer for DELETE /connectors/<name>/offsets', () => {
    expect(['3.5.2', '2.8.0', '3.0'].map(supportsOffsetReset)).toEqual([false, false, false]);
    expect(['3.6.0', '3.9.1', '4.1.1', '10.0.0'].map(supportsOffsetReset)).toEqual([true, true, true, true]);
  });
  it('reads the topics the sink consumes from its stored config, refusing a regex subscription', () => {
    expect(sinkTopics('s', { topics: 'a, b' })).toEqual(['a', 'b']);
    expect(() => sinkTopics('s', { 'topics.regex': 'a.*' })).toThrow(/topics.regex/);
    expect(() => sinkTopics('s', {})).toThrow(/no topics/);
  });
});

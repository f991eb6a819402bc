import { describe, expect, it } from 'vitest';
import { loadStack } from '../../shared/stack.ts';
import { loadTopics } from '../../scripts/lib/topics.ts';

describe('the fraud prototype’s topics (config/topics.yaml)', () => {
  const stack = loadStack();
  const topics = loadTopics(stack);
  const spec = (name: string) => {
    const t = topics.find((x) => x.name === name);
    if (t === undefined) throw new Error(`${name} is not in config/topics.yaml`);
    return t;
  };
  const { transactions, decisions, blocklist, transactionsDlq } = stack.fraudTopics;

  it('names them in stack.env and declares each with RF 3 and min ISR 2', () => {
    expect([transactions, decisions, blocklist, transactionsDlq]).toEqual(['transactions', 'decisions', 'blocklist', 'transactions-dlq']);
    for (const name of [transactions, decisions, blocklist, transactionsDlq]) {
      expect(spec(name).replicationFactor, name).toBe(3);
      expect(spec(name).config['min.insync.replicas'], name).toBe('2');
    }
  });

  it('keeps transactions and decisions briefly (delete policy) and the blocklist forever (compacted)', () => {
    for (const name of [transactions, decisions]) {
      expect(spec(name).config['cleanup.policy'], name).toBe('delete');
      expect(Number(spec(name).config['retention.ms']), name).toBeLessThanOrEqual(24 * 3_600_000);
    }
    expect(spec(blocklist).config['cleanup.policy']).toBe('compact');
    expect(spec(transactionsDlq).config['cleanup.policy']).toBe('delete');
  });

  it('stamps decisions with the broker’s append time (what make fraud-bench measures to)', () => {
    expect(spec(decisions).config['message.timestamp.type']).toBe('LogAppendTime');
  });

  it('keeps the blocklist keys apart from the sink’s', () => {
    expect(stack.redisBlocklistPrefix).toBe('blocklist:');
    expect(stack.redisBlocklistPrefix.startsWith(stack.redisKeyPrefix)).toBe(false);
  });
});

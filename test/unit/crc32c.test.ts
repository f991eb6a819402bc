import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../producer/src/crc32c.ts';

const require = createRequire(import.meta.url);
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

describe('crc32c (slicing-by-8)', () => {
  it('gives the standard check value of CRC-32C', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs crc32C on random buffers of every length from 0 to 100 and some long ones', () => {
    for (let n = 0; n <= 100; n++) {
      const b = randomBytes(n);
      expect(crc32c(b), `length ${n}`).toBe(kafkajsCrc32C(b));
    }
    for (const n of [1023, 4096, 65_537, 1_000_003]) {
      const b = randomBytes(n);
      expect(crc32c(b), `length ${n}`).toBe(kafkajsCrc32C(b));
    }
  });

  it('works on a view into a larger buffer (the encoder checksums a subarray)', () => {
    const big = randomBytes(300);
    const view = big.subarray(13, 257);
    expect(crc32c(view)).toBe(kafkajsCrc32C(Buffer.from(view)));
  });
});

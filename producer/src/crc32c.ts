/**
 * CRC-32C (Castagnoli), the checksum of every Kafka record batch, computed 8 bytes per step
 * ("slicing-by-8"): kafkajs's byte-at-a-time loop was 6–7 % of the producer's CPU on `--stdin`.
 * Same results as kafkajs's crc32C (a unit test compares them on random buffers).
 */
const POLY = 0x82f63b78; // reflected Castagnoli polynomial

/** TABLES[k][b]: the CRC of byte b followed by k zero bytes. */
const TABLES: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  const t0 = t[0] as Int32Array;
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[b] = c;
  }
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1] as Int32Array;
    const cur = t[k] as Int32Array;
    for (let b = 0; b < 256; b++) cur[b] = (prev[b] as number) >>> 8 ^ (t0[(prev[b] as number) & 0xff] as number);
  }
  return t;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

export function crc32c(buf: Uint8Array): number {
  let crc = -1;
  let i = 0;
  const n = buf.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const lo = (crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) | 0;
    crc =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[buf[i + 4]!]! ^
      T2[buf[i + 5]!]! ^
      T1[buf[i + 6]!]! ^
      T0[buf[i + 7]!]!;
    i += 8;
  }
  while (i < n) crc = T0[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

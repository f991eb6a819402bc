import { crc32 } from 'node:zlib';
import calculateSlot from 'cluster-key-slot';
import type { Stack } from './stack.ts';

/** Redis Cluster's hash slots. */
export const SLOTS = 16384;

/** The bucket of a driver id: CRC-32 (IEEE) of its UTF-8 bytes mod `buckets`, as the sink computes it (KeySpace.java). */
export function bucketOf(id: string, buckets: number): number {
  return crc32(Buffer.from(id, 'utf8')) % buckets;
}

/** A bucket's hash tag: the first `<b>.<k>` whose slot lies in the b-th of `buckets` equal slot ranges (KeySpace.java). */
export function bucketTag(bucket: number, buckets: number): string {
  for (let k = 0; ; k++) {
    const tag = `${bucket}.${k}`;
    if (Math.floor((calculateSlot(tag) * buckets) / SLOTS) === bucket) return tag;
  }
}

/**
 * Where the sink keeps each driver (connector/README.md, "Redis Cluster"). On one Redis: `driver:<id>`, one GEO
 * set, one offsets hash. On a Redis Cluster (REDIS_MODE=cluster) every driver belongs to a bucket, and its hash,
 * its tombstone marker, the bucket's GEO set and offsets hash carry the bucket's tag, so they share one slot:
 * `driver:{<tag>}:<id>`, `drivers:geo:{<tag>}`, `sink-offsets:redis-sink:{<tag>}`. Readers go bucket by bucket.
 */
export class KeySpace {
  /** Empty on one Redis; else the tag of each bucket. */
  readonly tags: readonly string[];

  constructor(
    readonly keyPrefix: string,
    readonly tombstonePrefix: string,
    /** The GEO set on one Redis; on a cluster the prefix of the buckets' sets. */
    readonly geoKey: string,
    private readonly offsetsKey: string,
    /** 0: one Redis. */
    readonly buckets: number,
  ) {
    this.tags = Array.from({ length: buckets }, (_, b) => bucketTag(b, buckets));
  }

  static of(stack: Stack): KeySpace {
    return new KeySpace(stack.redisKeyPrefix, stack.redisTombstonePrefix, stack.redisGeoKey, stack.redisOffsetsKey, stack.redis.buckets);
  }

  get clustered(): boolean {
    return this.buckets > 0;
  }

  /** The key prefix of a bucket's driver hashes (`driver:` on one Redis). */
  private hashPrefixOf(bucket: number | undefined): string {
    return bucket === undefined ? this.keyPrefix : `${this.keyPrefix}{${this.tags[bucket]}}:`;
  }

  /** The bucket of a driver; undefined on one Redis. */
  bucketOf(id: string): number | undefined {
    return this.clustered ? bucketOf(id, this.buckets) : undefined;
  }

  hashKey(id: string): string {
    return this.hashPrefixOf(this.bucketOf(id)) + id;
  }

  /** The driver id of a hash key; undefined for a key that is not one. */
  idOf(key: string): string | undefined {
    if (!key.startsWith(this.keyPrefix)) return undefined;
    if (!this.clustered) return key.slice(this.keyPrefix.length);
    const close = key.indexOf('}:', this.keyPrefix.length);
    return key[this.keyPrefix.length] === '{' && close > 0 ? key.slice(close + 2) : undefined;
  }

  /** One entry per GEO set (one on one Redis, one per bucket): the set and the prefix of its drivers' hashes. */
  geoSets(): Array<{ geoKey: string; hashPrefix: string }> {
    if (!this.clustered) return [{ geoKey: this.geoKey, hashPrefix: this.keyPrefix }];
    return this.tags.map((tag, b) => ({ geoKey: `${this.geoKey}:{${tag}}`, hashPrefix: this.hashPrefixOf(b) }));
  }

  /** Every offsets hash the sink writes. */
  offsetsKeys(): string[] {
    return this.clustered ? this.tags.map((tag) => `${this.offsetsKey}:{${tag}}`) : [this.offsetsKey];
  }
}

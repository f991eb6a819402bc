import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 looks up offsets (ListOffsets: admin.fetchTopicOffsets, a consumer's start position)
 * at the partition leader its metadata names, and the admin gives up when that broker is no longer
 * the leader: its retry bails on anything but UNKNOWN_TOPIC_OR_PARTITION. A leader moves whenever a
 * broker stops or, after it returns, when the controller hands leadership back to the preferred
 * replica (every leader.imbalance.check.interval.seconds), and metadata can lag that move even when
 * just fetched (another broker may not have applied it yet). `make chaos` failed in CI with "This
 * server is not the leader for that topic-partition" reading the topic after a broker's restart.
 *
 * The Java client refreshes its metadata and asks again; so does this, a few times with back-off, for
 * the errors that mean "the leader is elsewhere" or "that broker is gone".
 */
const require = createRequire(import.meta.url);
type FetchTopicsOffset = (this: ClusterLike, topics: unknown[]) => Promise<unknown>;
interface ClusterLike {
  refreshMetadata(): Promise<void>;
}
const { prototype } = require('kafkajs/src/cluster/index.js') as { prototype: ClusterLike & { fetchTopicsOffset: FetchTopicsOffset & { rastroLeaderMoved?: true } } };

/** kafkajs error types (protocol/error.js) for a partition whose leader is no longer where metadata said. */
const LEADER_MOVED = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);
/** kafkajs error names for a broker that cannot be reached or is no longer in the metadata. */
const BROKER_GONE = new Set(['KafkaJSConnectionError', 'KafkaJSBrokerNotFound']);
export const LEADER_RETRY = { attempts: 8, firstDelayMs: 100 } as const;

export function leaderMoved(err: unknown): boolean {
  const e = err as { type?: unknown; name?: unknown } | null;
  return e !== null && typeof e === 'object' && (LEADER_MOVED.has(String(e.type)) || BROKER_GONE.has(String(e.name)));
}

if (!prototype.fetchTopicsOffset.rastroLeaderMoved) {
  const original = prototype.fetchTopicsOffset;
  const patched: FetchTopicsOffset & { rastroLeaderMoved?: true } = async function (topics) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await original.call(this, topics);
      } catch (err) {
        if (!leaderMoved(err) || attempt >= LEADER_RETRY.attempts) throw err;
        await new Promise((r) => setTimeout(r, LEADER_RETRY.firstDelayMs * 2 ** (attempt - 1)));
        await this.refreshMetadata();
      }
    }
  };
  patched.rastroLeaderMoved = true;
  prototype.fetchTopicsOffset = patched;
}

package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch to Redis synchronously: put() returns only after every reply of the batch was checked.
 *
 * <p>With an offsets key (the default), each record's script also records its offset in Redis, in the same atomic
 * write as its data, and Redis's offsets are the ones the task trusts: on every assignment and every new Redis
 * connection it resumes each partition from the offset Redis holds (the beginning when it holds none), so what
 * Redis lost (a crash within its fsync window, a failover, a flush) is replayed, in order, under the never-regress
 * guard. Kafka's committed offsets stay the framework's (what was delivered; a seek moves them back with it):
 * nothing resumes from them, they serve lag monitoring.
 */
public class RedisSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(RedisSinkTask.class);

    private final LongSupplier clock;

    private RedisSinkConfig config;
    private RecordMapper mapper;
    private RedisWriter writer;
    private RedisSinkMetrics metrics;
    private ErrantRecordReporter reporter;
    /** put() calls in a row that failed transiently; drives the exponential backoff. */
    private int consecutiveFailures;
    /** Redis keeps the applied offsets (redis.offsets.key set). */
    private boolean offsetsInRedis;
    private final Set<TopicPartition> assigned = new LinkedHashSet<>();
    /** Partitions whose offset in Redis must be read before anything more is written for them. */
    private final Set<TopicPartition> unsynced = new LinkedHashSet<>();
    /** Partitions read but not yet checked against a batch: where Redis says each resumes. */
    private final Map<TopicPartition, Long> resumeAt = new LinkedHashMap<>();

    public RedisSinkTask() {
        this(System::currentTimeMillis);
    }

    /** For tests: a fixed clock makes the freshness metric exact. */
    RedisSinkTask(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new RedisSinkConfig(props);
        mapper = new RecordMapper(config, clock);
        writer = new RedisWriter(config);
        consecutiveFailures = 0;
        offsetsInRedis = !config.offsetsKey().isEmpty();
        metrics = new RedisSinkMetrics(pluginMetrics());
        try {
            reporter = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null; // a worker older than 2.6 has no DLQ API
        }
        // No connection yet: Redis being down at start must not fail the task; put() connects and retries.
        log.info("Redis sink task started: {} key prefix '{}', tombstone markers {}, GEO index {}, offsets {}, "
                        + "DLQ reporter {}",
                config.endpoint().target(), config.keyPrefix(), config.tombstoneGuardMs() > 0
                        ? "'" + config.tombstonePrefix() + config.keyPrefix() + "*' for " + config.tombstoneGuardMs() + " ms"
                        : "off",
                config.geoKey().isEmpty() ? "off" : "'" + config.geoKey() + "' (without status '"
                        + config.geoExcludeStatus() + "')",
                offsetsInRedis ? "in '" + config.offsetsKey() + "' (resumed from there)" : "in Kafka only",
                reporter == null ? "absent (invalid records fail the task)" : "present");
    }

    private PluginMetrics pluginMetrics() {
        try {
            return context.pluginMetrics();
        } catch (AbstractMethodError | NoSuchMethodError | UnsupportedOperationException e) {
            log.warn("This Connect runtime offers no plugin metrics (needs Kafka 4.1+); metrics are not exported");
            return null;
        }
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
        if (!offsetsInRedis) {
            return;
        }
        unsynced.addAll(partitions);
        // Seek before the first fetch when Redis answers; otherwise the first put() does it.
        try {
            if (writer.connect()) {
                unsynced.addAll(assigned);
            }
            resync(List.of());
        } catch (RetriableException e) {
            log.info("Redis not ready while partitions {} were assigned ({}); they are resumed from its offsets "
                    + "once it is", partitions, e.getMessage());
            writer.disconnect();
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        unsynced.removeAll(partitions);
        partitions.forEach(resumeAt::remove);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty() && unsynced.isEmpty()) {
            return;
        }
        try {
            putOnce(new ArrayList<>(records));
        } catch (RedisWriter.StaleConnectionException e) {
            // A connection idle since the last put() was closed under us (a Redis restart): reconnect at once. The
            // new connection first resumes every partition from what Redis holds now.
            log.info("Redis connection went stale ({}); reconnecting", e.getMessage());
            putOnce(new ArrayList<>(records));
        }
    }

    private void putOnce(List<SinkRecord> records) {
        long receivedAt = clock.getAsLong();
        List<SinkRecord> batch;
        boolean fresh;
        try {
            fresh = writer.connect();
            if (offsetsInRedis && fresh) {
                unsynced.addAll(assigned);
            }
            batch = offsetsInRedis ? resync(records) : records;
        } catch (RetriableException e) {
            throw backOff(e, records.size());
        }
        if (batch.isEmpty()) {
            return;
        }
        // One slot per record: the write for a valid record, the error for an invalid one.
        RedisWrite[] writes = new RedisWrite[batch.size()];
        Exception[] errors = new Exception[batch.size()];
        List<Integer> validIndexes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            try {
                writes[i] = mapper.map(batch.get(i));
                validIndexes.add(i);
            } catch (InvalidRecordException e) {
                if (reporter == null) {
                    // errors.tolerance=none: stop on the first bad record, naming it.
                    throw new ConnectException(e.getMessage(), e);
                }
                errors[i] = e;
            }
        }

        try {
            writeInChunks(batch, writes, errors, validIndexes, !fresh, receivedAt);
        } catch (RedisWriter.StaleConnectionException e) {
            throw e;
        } catch (RetriableException e) {
            throw backOff(e, batch.size());
        }
        consecutiveFailures = 0;

        // Reported only once the whole batch is in Redis: a retried batch must not reach the DLQ twice.
        Map<TopicPartition, Future<Void>> lastReports = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            if (errors[i] != null) {
                if (reporter == null) {
                    throw new ConnectException(errors[i].getMessage(), errors[i]);
                }
                log.debug("Sending record to the DLQ: {}", errors[i].getMessage());
                lastReports.put(partition(batch.get(i)), reporter.report(batch.get(i), errors[i]));
                metrics.invalid();
            }
        }
        Map<TopicPartition, Long> lastOffsets = new LinkedHashMap<>();
        for (SinkRecord r : batch) {
            lastOffsets.put(partition(r), r.originalKafkaOffset());
        }
        if (offsetsInRedis) {
            recordReportedOffsets(batch, errors, lastReports, lastOffsets);
        }
    }

    /**
     * A partition whose last record in the batch went to the DLQ has no script to carry that offset: once the report
     * is acknowledged, record it in Redis too, so a resumed task does not report the record again. A report that
     * fails or takes too long leaves the offset as it was (Connect itself then fails the commit).
     */
    private void recordReportedOffsets(List<SinkRecord> batch, Exception[] errors,
            Map<TopicPartition, Future<Void>> lastReports, Map<TopicPartition, Long> lastOffsets) {
        Map<TopicPartition, Boolean> endsInvalid = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            endsInvalid.put(partition(batch.get(i)), errors[i] != null);
        }
        Map<String, Long> trailing = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Future<Void>> report : lastReports.entrySet()) {
            TopicPartition tp = report.getKey();
            if (!endsInvalid.get(tp)) {
                continue;
            }
            try {
                report.getValue().get(config.timeoutMs(), TimeUnit.MILLISECONDS);
                trailing.put(tp.toString(), lastOffsets.get(tp));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.debug("DLQ report for {} not acknowledged in time ({}); its offset stays unrecorded in Redis", tp,
                        e.toString());
            }
        }
        try {
            writer.recordOffsets(trailing);
        } catch (RetriableException e) {
            // The data is written and reported; the next resync reports those records once more at worst.
            log.debug("Could not record the DLQ records' offsets {} in Redis: {}", trailing, e.getMessage());
            writer.disconnect();
        }
    }

    /**
     * Reads, for every unsynced partition, where Redis says it resumes (the offset after the last one it holds
     * applied; 0 when it holds none), then checks the batch against every partition still awaiting that check.
     *
     * <p>A seek rewinds Connect's own idea of what it committed, so the task seeks only when it must: a partition
     * whose records start where Redis left off is in step; records Redis already holds (it is ahead of the consumer)
     * are skipped without a seek; a partition whose records start later than Redis left off (Redis lost writes) is
     * sought back and its records dropped, to come again. A partition with no records yet keeps its check for its
     * first batch, unless Redis holds nothing for it: then it is replayed from the beginning at once, so a Redis
     * that lost everything is refilled even where no new record comes.
     */
    private List<SinkRecord> resync(List<SinkRecord> batch) {
        if (!unsynced.isEmpty()) {
            List<TopicPartition> partitions = new ArrayList<>(unsynced);
            List<Long> stored = writer.storedOffsets(partitions.stream().map(TopicPartition::toString).toList());
            for (int i = 0; i < partitions.size(); i++) {
                Long applied = stored.get(i);
                resumeAt.put(partitions.get(i), applied == null ? 0L : applied + 1);
            }
            unsynced.clear();
        }
        if (resumeAt.isEmpty()) {
            return batch;
        }
        Map<TopicPartition, Long> firstInBatch = new LinkedHashMap<>();
        for (SinkRecord r : batch) {
            firstInBatch.putIfAbsent(partition(r), r.originalKafkaOffset());
        }
        Map<TopicPartition, Long> seeks = new LinkedHashMap<>();
        Map<TopicPartition, Long> skipBelow = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> e : new ArrayList<>(resumeAt.entrySet())) {
            TopicPartition tp = e.getKey();
            long at = e.getValue();
            Long first = firstInBatch.get(tp);
            if (first == null) {
                if (at == 0L) {
                    log.info("Redis holds no applied offset for {} in {}: replaying it from the beginning", tp,
                            config.offsetsKey());
                    seeks.put(tp, 0L);
                    resumeAt.remove(tp);
                }
                continue;
            }
            resumeAt.remove(tp);
            if (first == at) {
                continue;
            }
            if (first < at) {
                log.info("Redis already holds {} applied up to offset {}: skipping the records before it", tp, at - 1);
                skipBelow.put(tp, at);
            } else {
                if (at == 0L) {
                    log.info("Redis holds no applied offset for {} in {}: replaying it from the beginning", tp,
                            config.offsetsKey());
                } else {
                    log.warn("Redis holds {} applied only up to offset {}, but the consumer was at {}: Redis lost "
                            + "writes; replaying from {}", tp, at - 1, first, at);
                }
                seeks.put(tp, at);
            }
        }
        if (!seeks.isEmpty()) {
            context.offset(seeks);
        }
        if (seeks.isEmpty() && skipBelow.isEmpty()) {
            return batch;
        }
        List<SinkRecord> kept = new ArrayList<>(batch.size());
        for (SinkRecord r : batch) {
            TopicPartition tp = partition(r);
            if (!seeks.containsKey(tp) && r.originalKafkaOffset() >= skipBelow.getOrDefault(tp, Long.MIN_VALUE)) {
                kept.add(r);
            }
        }
        return kept;
    }

    private static TopicPartition partition(SinkRecord r) {
        return new TopicPartition(r.originalTopic(), r.originalKafkaPartition());
    }

    /** The retry path: drop the connection, back off (doubling), and hand the batch back for redelivery. */
    private RetriableException backOff(RetriableException e, int records) {
        metrics.retry();
        writer.disconnect();
        long backoff = backoffMs(consecutiveFailures++);
        context.timeout(backoff);
        log.warn("Redis write failed, Connect will redeliver the batch of {} records in {} ms: {}", records, backoff,
                e.getMessage());
        return e;
    }

    /** redis.retry.backoff.ms doubled per earlier consecutive failure, capped at redis.retry.backoff.max.ms. */
    private long backoffMs(int earlierFailures) {
        long backoff = config.retryBackoffMs();
        for (int i = 0; i < earlierFailures && backoff < config.retryBackoffMaxMs(); i++) {
            backoff *= 2;
        }
        return Math.min(backoff, config.retryBackoffMaxMs());
    }

    /**
     * @param mayBeStale the connection was opened before this put(): a connection error on the first chunk means it went stale
     * @param receivedAt when put() received the batch (the freshness metrics split at it)
     */
    private void writeInChunks(List<SinkRecord> batch, RedisWrite[] writes, Exception[] errors,
            List<Integer> validIndexes, boolean mayBeStale, long receivedAt) {
        int chunkSize = config.batchSize();
        for (int from = 0; from < validIndexes.size(); from += chunkSize) {
            List<Integer> chunk = validIndexes.subList(from, Math.min(from + chunkSize, validIndexes.size()));
            List<RedisWrite> chunkWrites = new ArrayList<>(chunk.size());
            List<WriteScript.Applied> applied = new ArrayList<>(chunk.size());
            for (int i : chunk) {
                chunkWrites.add(writes[i]);
                SinkRecord r = batch.get(i);
                applied.add(new WriteScript.Applied(partition(r).toString(), r.originalKafkaOffset()));
            }
            List<RedisWriter.Outcome> outcomes = writer.write(chunkWrites, applied, mayBeStale && from == 0);
            long now = clock.getAsLong();
            for (int j = 0; j < chunk.size(); j++) {
                int i = chunk.get(j);
                RedisWriter.Outcome outcome = outcomes.get(j);
                switch (outcome.result()) {
                    case WRITTEN -> {
                        long ts = ((RedisWrite.Upsert) writes[i]).timestamp();
                        metrics.written(receivedAt - ts, now - ts);
                    }
                    case STALE, GUARDED -> metrics.skippedStale();
                    case DELETED -> metrics.deleted();
                    case FAILED -> errors[i] = new ConnectException("Record "
                            + InvalidRecordException.coordinates(batch.get(i)) + " could not be written: "
                            + outcome.error());
                    default -> throw new IllegalStateException("unknown outcome " + outcome);
                }
            }
        }
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    /** Visible for tests. */
    RedisSinkMetrics metrics() {
        return metrics;
    }
}

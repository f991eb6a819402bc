package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch to Redis synchronously: put() returns only after every reply of the batch was checked,
 * so the offsets Connect commits afterwards (default flush/preCommit) cover only completed writes.
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
        metrics = new RedisSinkMetrics(pluginMetrics());
        try {
            reporter = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null; // a worker older than 2.6 has no DLQ API
        }
        // No connection yet: Redis being down at start must not fail the task; put() connects and retries.
        log.info("Redis sink task started: {} key prefix '{}', tombstone markers {}, GEO index {}, DLQ reporter {}",
                config.endpoint().target(), config.keyPrefix(), config.tombstoneGuardMs() > 0
                        ? "'" + config.tombstonePrefix() + config.keyPrefix() + "*' for " + config.tombstoneGuardMs() + " ms"
                        : "off",
                config.geoKey().isEmpty() ? "off" : "'" + config.geoKey() + "' (without status '"
                        + config.geoExcludeStatus() + "')",
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
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<SinkRecord> batch = new ArrayList<>(records);
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
            writeInChunks(batch, writes, errors, validIndexes);
        } catch (RetriableException e) {
            metrics.retry();
            writer.disconnect();
            long backoff = backoffMs(consecutiveFailures++);
            context.timeout(backoff);
            log.warn("Redis write failed, Connect will redeliver the batch of {} records in {} ms: {}",
                    batch.size(), backoff, e.getMessage());
            throw e;
        }
        consecutiveFailures = 0;

        // Reported only once the whole batch is in Redis: a retried batch must not reach the DLQ twice.
        for (int i = 0; i < batch.size(); i++) {
            if (errors[i] != null) {
                if (reporter == null) {
                    throw new ConnectException(errors[i].getMessage(), errors[i]);
                }
                log.debug("Sending record to the DLQ: {}", errors[i].getMessage());
                reporter.report(batch.get(i), errors[i]);
                metrics.invalid();
            }
        }
    }

    /** redis.retry.backoff.ms doubled per earlier consecutive failure, capped at redis.retry.backoff.max.ms. */
    private long backoffMs(int earlierFailures) {
        long backoff = config.retryBackoffMs();
        for (int i = 0; i < earlierFailures && backoff < config.retryBackoffMaxMs(); i++) {
            backoff *= 2;
        }
        return Math.min(backoff, config.retryBackoffMaxMs());
    }

    private void writeInChunks(List<SinkRecord> batch, RedisWrite[] writes, Exception[] errors,
            List<Integer> validIndexes) {
        int chunkSize = config.batchSize();
        for (int from = 0; from < validIndexes.size(); from += chunkSize) {
            List<Integer> chunk = validIndexes.subList(from, Math.min(from + chunkSize, validIndexes.size()));
            List<RedisWrite> chunkWrites = new ArrayList<>(chunk.size());
            for (int i : chunk) {
                chunkWrites.add(writes[i]);
            }
            List<RedisWriter.Outcome> outcomes = writer.write(chunkWrites);
            long now = clock.getAsLong();
            for (int j = 0; j < chunk.size(); j++) {
                int i = chunk.get(j);
                RedisWriter.Outcome outcome = outcomes.get(j);
                switch (outcome.result()) {
                    case WRITTEN -> metrics.written(now - ((RedisWrite.Upsert) writes[i]).timestamp());
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

package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Percentile;
import org.apache.kafka.common.metrics.stats.Percentiles;
import org.apache.kafka.common.metrics.stats.Percentiles.BucketSizing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-task counters, published through Connect's plugin metrics (KIP-877, Kafka 4.1+): the worker tags them
 * with connector and task, so in JMX they appear as
 * {@code kafka.connect:type=plugins,connector=<name>,task=<id>}, attribute = metric name.
 *
 * <p>The counters live here too (atomics, read by JMX threads), so the task works and stays testable when a
 * runtime offers no plugin metrics.
 */
final class RedisSinkMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisSinkMetrics.class);

    static final String RECORDS_WRITTEN = "records-written";
    static final String RECORDS_SKIPPED_STALE = "records-skipped-stale";
    static final String RECORDS_DELETED = "records-deleted";
    static final String RECORDS_INVALID = "records-invalid";
    static final String REDIS_RETRIES = "redis-retries";
    static final String FRESHNESS_LAST = "freshness-last-ms";
    static final String FRESHNESS_MAX = "freshness-max-ms";
    static final String FRESHNESS_AVG = "freshness-avg-ms";
    static final String FRESHNESS_P50 = "freshness-p50-ms";
    static final String FRESHNESS_P99 = "freshness-p99-ms";
    /**
     * Upper bounds (ms) of the cumulative age buckets: `received-bucket-<le>` counts written records whose age (now -
     * event timestamp) was at most `le` when put() received them, `written-bucket-<le>` once their write returned, and
     * `…-bucket-inf` all of them. Counters, unlike the windowed percentiles, give any window's percentiles exactly (to a
     * bucket): Prometheus's histogram_quantile over their increase. The split shows where freshness goes.
     */
    static final long[] AGE_BUCKETS_MS = {5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000};
    /** Freshness above this lands in the last bucket (the percentile then reads as this value). */
    static final double FRESHNESS_HISTOGRAM_MAX_MS = 120_000;

    private final AtomicLong written = new AtomicLong();
    private final AtomicLong skippedStale = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile double lastFreshnessMs = Double.NaN;

    private final PluginMetrics pluginMetrics;
    private final List<MetricName> registered = new ArrayList<>();
    private final Sensor freshnessSensor;
    private final String sensorName;
    /** Cumulative counts per AGE_BUCKETS_MS bound, then the total. */
    private final AtomicLong[] receivedBuckets = counters(AGE_BUCKETS_MS.length + 1);
    private final AtomicLong[] writtenBuckets = counters(AGE_BUCKETS_MS.length + 1);

    /** @param pluginMetrics the runtime's plugin metrics, or null to only count in memory */
    RedisSinkMetrics(PluginMetrics pluginMetrics) {
        this.pluginMetrics = pluginMetrics;
        if (pluginMetrics == null) {
            this.freshnessSensor = null;
            this.sensorName = null;
            return;
        }
        gauge(RECORDS_WRITTEN, "Records whose hash was created or replaced in Redis.", written);
        gauge(RECORDS_SKIPPED_STALE, "Records skipped because Redis already held a strictly newer timestamp.",
                skippedStale);
        gauge(RECORDS_DELETED, "Tombstones applied (hash deleted).", deleted);
        gauge(RECORDS_INVALID, "Records rejected as invalid and reported to the errant record reporter (DLQ).",
                invalid);
        gauge(REDIS_RETRIES, "put() calls that failed on Redis and were handed back to Connect for redelivery.",
                retries);
        MetricName last = pluginMetrics.metricName(FRESHNESS_LAST,
                "Age of the last written location (now - event timestamp), ms; NaN before the first write.",
                new LinkedHashMap<>());
        pluginMetrics.addMetric(last, (Gauge<Double>) (config, now) -> lastFreshnessMs);
        registered.add(last);

        // Sensor names are global to the worker's metrics registry: make ours unique per task instance.
        this.sensorName = "rastro-redis-sink-freshness-" + UUID.randomUUID();
        this.freshnessSensor = pluginMetrics.addSensor(sensorName);
        freshnessSensor.add(pluginMetrics.metricName(FRESHNESS_MAX,
                "Largest age (now - event timestamp) of written locations in the sample window, ms.",
                new LinkedHashMap<>()), new Max());
        freshnessSensor.add(pluginMetrics.metricName(FRESHNESS_AVG,
                "Average age (now - event timestamp) of written locations in the sample window, ms.",
                new LinkedHashMap<>()), new Avg());
        freshnessSensor.add(percentiles(FRESHNESS_P50, FRESHNESS_P99, "age (now - event timestamp) of written locations"));

        buckets("received", receivedBuckets, "when put() received them");
        buckets("written", writtenBuckets, "once their write returned");
    }

    private static AtomicLong[] counters(int n) {
        AtomicLong[] out = new AtomicLong[n];
        for (int i = 0; i < n; i++) {
            out[i] = new AtomicLong();
        }
        return out;
    }

    private void buckets(String name, AtomicLong[] counts, String when) {
        for (int i = 0; i < counts.length; i++) {
            String le = i < AGE_BUCKETS_MS.length ? Long.toString(AGE_BUCKETS_MS[i]) : "inf";
            gauge(name + "-bucket-" + le, "Written records whose age (now - event timestamp) " + when + " was at most "
                    + le + " ms, since the task started (cumulative).", counts[i]);
        }
    }

    private static void count(AtomicLong[] counts, long ageMs) {
        for (int i = 0; i < AGE_BUCKETS_MS.length; i++) {
            if (ageMs <= AGE_BUCKETS_MS[i]) {
                counts[i].incrementAndGet();
            }
        }
        counts[AGE_BUCKETS_MS.length].incrementAndGet();
    }

    /**
     * Median and 99th percentile of an age. Linear bucket sizing: narrow buckets near zero (sub-ms at 1 ms,
     * ~1 ms at 20 ms, ~8 ms at 1 s), where a healthy pipeline lives. The window is the worker's
     * metrics.num.samples x metrics.sample.window.ms (config/connect/worker.properties: 3 x 10 s).
     */
    private Percentiles percentiles(String p50, String p99, String what) {
        return new Percentiles(16 * 1024, FRESHNESS_HISTOGRAM_MAX_MS, BucketSizing.LINEAR,
                new Percentile(pluginMetrics.metricName(p50, "Median " + what + " over the last ~30 s, ms.",
                        new LinkedHashMap<>()), 50),
                new Percentile(pluginMetrics.metricName(p99, "99th percentile " + what + " over the last ~30 s, ms.",
                        new LinkedHashMap<>()), 99));
    }

    private void gauge(String name, String description, AtomicLong counter) {
        MetricName metricName = pluginMetrics.metricName(name, description, new LinkedHashMap<>());
        pluginMetrics.addMetric(metricName, (Gauge<Long>) (config, now) -> counter.get());
        registered.add(metricName);
    }

    /** @param receivedMs the record's age when put() received it; @param freshnessMs its age once written */
    void written(long receivedMs, long freshnessMs) {
        written.incrementAndGet();
        lastFreshnessMs = freshnessMs;
        count(receivedBuckets, receivedMs);
        count(writtenBuckets, freshnessMs);
        if (freshnessSensor != null) {
            freshnessSensor.record(freshnessMs);
        }
    }

    void skippedStale() {
        skippedStale.incrementAndGet();
    }

    void deleted() {
        deleted.incrementAndGet();
    }

    void invalid() {
        invalid.incrementAndGet();
    }

    void retry() {
        retries.incrementAndGet();
    }

    long recordsWritten() {
        return written.get();
    }

    long recordsSkippedStale() {
        return skippedStale.get();
    }

    long recordsDeleted() {
        return deleted.get();
    }

    long recordsInvalid() {
        return invalid.get();
    }

    long redisRetries() {
        return retries.get();
    }

    double lastFreshnessMs() {
        return lastFreshnessMs;
    }

    /** Removes our metrics. The runtime also drops them when the task goes away; this keeps stop() tidy. */
    @Override
    public void close() {
        if (pluginMetrics == null) {
            return;
        }
        try {
            for (MetricName name : registered) {
                pluginMetrics.removeMetric(name);
            }
            pluginMetrics.removeSensor(sensorName);
        } catch (RuntimeException e) {
            // Already closed by the runtime (IllegalStateException) or removed: nothing left to do.
            log.debug("Plugin metrics already removed", e);
        }
        registered.clear();
    }
}

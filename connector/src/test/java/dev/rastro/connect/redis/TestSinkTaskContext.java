package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** A minimal SinkTaskContext: records timeout() and offset() calls, hands out a reporter and plugin metrics. */
final class TestSinkTaskContext implements SinkTaskContext {

    private final Map<String, String> configs;
    private final ErrantRecordReporter reporter;
    private final PluginMetrics pluginMetrics;
    final List<Long> timeouts = new ArrayList<>();
    /** Every offset() call, in order: where the task asked Connect to resume each partition. */
    final List<Map<TopicPartition, Long>> seeks = new ArrayList<>();

    TestSinkTaskContext(Map<String, String> configs, ErrantRecordReporter reporter, PluginMetrics pluginMetrics) {
        this.configs = configs;
        this.reporter = reporter;
        this.pluginMetrics = pluginMetrics;
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
        seeks.add(Map.copyOf(offsets));
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
        seeks.add(Map.of(tp, offset));
    }

    @Override
    public void timeout(long timeoutMs) {
        timeouts.add(timeoutMs);
    }

    @Override
    public Set<TopicPartition> assignment() {
        return Set.of();
    }

    @Override
    public void pause(TopicPartition... partitions) {
    }

    @Override
    public void resume(TopicPartition... partitions) {
    }

    @Override
    public void requestCommit() {
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        return reporter;
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return pluginMetrics;
    }
}

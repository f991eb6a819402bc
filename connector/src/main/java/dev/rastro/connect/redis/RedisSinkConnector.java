package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Mirrors a compacted topic of courier locations into Redis, one hash per driver, never regressing.
 *
 * <p>Holds no state of its own: it validates the config and hands every task the same settings. Connect's
 * partition assignment splits the work, and per-driver order holds because a driver's records share a key,
 * hence a partition, hence a task.
 */
public class RedisSinkConnector extends SinkConnector {

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        // Parse now so a bad config fails the connector, not each task later.
        new RedisSinkConfig(props);
        this.props = new HashMap<>(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return RedisSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
        // Nothing to release: tasks own the Redis connections.
    }

    @Override
    public ConfigDef config() {
        return RedisSinkConfig.CONFIG_DEF;
    }

    /** The ConfigDef's per-key checks, plus the rules that involve two keys, reported on the key to change. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        if (result.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty())) {
            return result; // the cross-checks need every single value valid
        }
        AbstractConfig parsed = new AbstractConfig(RedisSinkConfig.CONFIG_DEF, connectorConfigs, false);
        RedisSinkConfig.crossCheck(parsed, connectorConfigs).forEach((key, message) -> result.configValues().stream()
                .filter(v -> v.name().equals(key)).findFirst().ifPresent(v -> v.addErrorMessage(message)));
        return result;
    }
}

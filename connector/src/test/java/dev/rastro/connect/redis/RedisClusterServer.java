package dev.rastro.connect.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A throw-away Redis Cluster of Debian's redis-server for task tests: {@code primaries} primaries with one replica
 * each, joined by {@code redis-cli --cluster create}, no persistence, on free loopback ports. Processes can be
 * killed, paused and resumed, to make a failover lose acknowledged writes on purpose.
 */
final class RedisClusterServer implements AutoCloseable {

    static final String CLI = System.getProperty("redis.cli.binary", "/usr/bin/redis-cli");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private RedisClusterServer(Path dir) {
        this.dir = dir;
    }

    static RedisClusterServer start(int primaries) throws IOException {
        RedisClusterServer c = new RedisClusterServer(Files.createTempDirectory("rastro-redis-cluster-test-"));
        try {
            for (int i = 0; i < primaries * 2; i++) {
                int port = RedisServer.freePort();
                Path nodeDir = Files.createDirectory(c.dir.resolve(Integer.toString(port)));
                // A short node timeout: a killed primary is marked failed within about a second.
                Process p = new ProcessBuilder(RedisServer.BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
                        "--save", "", "--appendonly", "no", "--dir", nodeDir.toString(), "--daemonize", "no")
                        .redirectErrorStream(true).redirectOutput(nodeDir.resolve("log").toFile()).start();
                c.ports.add(port);
                c.processes.add(p);
                c.await("redis-server on " + port + " answering PING", () -> {
                    try (Jedis j = c.node(port)) {
                        return "PONG".equals(j.ping());
                    } catch (JedisException notYet) {
                        return false;
                    }
                });
            }
            List<String> create = new ArrayList<>(List.of(CLI, "--cluster", "create"));
            c.ports.forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + out);
            }
            c.awaitHealthy();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IOException("interrupted while creating the cluster", e);
        }
    }

    /** A seed URI: one node; the sink discovers the others. */
    String uri() {
        return "redis://127.0.0.1:" + ports.get(0);
    }

    HostAndPort seed() {
        return new HostAndPort("127.0.0.1", ports.get(0));
    }

    Jedis node(int port) {
        return new Jedis("127.0.0.1", port);
    }

    /** Every node running now reports cluster_state:ok and the same primaries. */
    void awaitHealthy() {
        await("every running node of the cluster to report cluster_state:ok and agree on its primaries", () -> {
            String seen = null;
            for (int i = 0; i < ports.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    continue;
                }
                try (Jedis j = node(ports.get(i))) {
                    if (!j.clusterInfo().contains("cluster_state:ok")) {
                        return false;
                    }
                    String sig = ClusterTopology.parse(j.clusterNodes()).signature();
                    if (seen != null && !seen.equals(sig)) {
                        return false;
                    }
                    seen = sig;
                } catch (JedisException notYet) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The port of the primary serving {@code slot}, as a running node says now. */
    int primaryOf(int slot) {
        try (Jedis j = node(runningPort())) {
            for (Object range : j.clusterSlots()) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                    return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
                }
            }
        }
        throw new IllegalStateException("no primary serves slot " + slot);
    }

    /** The port of {@code primary}'s replica. */
    int replicaOf(int primary) {
        try (Jedis j = node(primary)) {
            String id = j.clusterMyId();
            for (String line : j.clusterNodes().split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 3 && f[3].equals(id)) {
                    return HostAndPort.from(f[1].split("@")[0]).getPort();
                }
            }
        }
        throw new IllegalStateException("no replica of the primary on " + primary);
    }

    void kill(int port) throws InterruptedException {
        Process p = processes.get(ports.indexOf(port));
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP or SIGCONT: a paused replica receives nothing its primary writes meanwhile. */
    void signal(int port, String signal) throws IOException, InterruptedException {
        long pid = processes.get(ports.indexOf(port)).pid();
        // The shell's own kill: no procps needed.
        Process kill = new ProcessBuilder("sh", "-c", "kill -" + signal + " " + pid).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    private int runningPort() {
        for (int i = 0; i < ports.size(); i++) {
            if (processes.get(i).isAlive()) {
                return ports.get(i);
            }
        }
        throw new IllegalStateException("no node of the cluster is running");
    }

    void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + READY_TIMEOUT + " waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}

package dev.rastro.connect.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real, throw-away redis-server on a free loopback port, for task tests. No persistence; readiness is
 * "PING answers", polled with a bounded deadline.
 */
final class RedisServer implements AutoCloseable {

    static final String BINARY = System.getProperty("redis.server.binary", "/usr/bin/redis-server");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    private final int port;
    private final Path log;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(int port, Path log, List<String> extraArgs) {
        this.port = port;
        this.log = log;
        this.extraArgs = List.copyOf(extraArgs);
    }

    static RedisServer start() throws IOException {
        return start(List.of());
    }

    /** @param extraArgs more redis-server options, e.g. a TLS port; readiness is still PING on the plain port */
    static RedisServer start(List<String> extraArgs) throws IOException {
        Path log = Files.createTempFile("rastro-redis-test-", ".log");
        RedisServer server = new RedisServer(freePort(), log, extraArgs);
        server.restart();
        return server;
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    /** (Re)starts the server on the same port, with an empty dataset and an empty script cache. */
    void restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server already running on port " + port);
        }
        List<String> command = new java.util.ArrayList<>(List.of(BINARY, "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try (Jedis jedis = client()) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (JedisException notYet) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + "; log: " + tail());
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new IOException("redis-server on port " + port + " not answering PING after "
                        + READY_TIMEOUT + "; log: " + tail());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for redis-server", e);
            }
        }
    }

    /** Restarts the server if a previous test left it stopped, so one failure does not cascade. */
    void ensureRunning() throws IOException {
        if (process == null || !process.isAlive()) {
            restart();
        }
    }

    /** Kills the server and waits (bounded) until it is gone, so the port refuses connections. */
    void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n",
                    lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}

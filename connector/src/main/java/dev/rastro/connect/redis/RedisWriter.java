package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Owns the task's single Redis connection and runs one chunk of writes as one pipeline (one round trip),
 * in record order, then checks every reply.
 *
 * <p>A task is single-threaded, so one plain connection (no pool) is enough. Any connection trouble closes
 * it and surfaces as {@link RetriableException}; the next call reconnects and reloads the script.
 */
final class RedisWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisWriter.class);

    static final String CLIENT_NAME = "rastro-redis-sink";

    /** What happened to one write. {@code error} is set only for {@link Result#FAILED}. */
    record Outcome(Result result, String error) {
        static final Outcome WRITTEN = new Outcome(Result.WRITTEN, null);
        static final Outcome STALE = new Outcome(Result.STALE, null);
        static final Outcome DELETED = new Outcome(Result.DELETED, null);
    }

    enum Result {
        WRITTEN, STALE, DELETED,
        /** Redis refused this one write for a reason retrying cannot fix (the key holds a non-hash). */
        FAILED
    }

    private final RedisEndpoint endpoint;
    private final int timeoutMs;
    private final String timestampField;

    private Jedis jedis;

    RedisWriter(RedisEndpoint endpoint, int timeoutMs, String timestampField) {
        this.endpoint = endpoint;
        this.timeoutMs = timeoutMs;
        this.timestampField = timestampField;
    }

    /**
     * Applies {@code writes} in order as one pipeline and returns one outcome per write, in the same order.
     *
     * @throws RetriableException Redis unreachable, timed out or temporarily refusing (LOADING, BUSY, OOM, ...)
     * @throws ConnectException   Redis rejected our credentials: retrying would not help
     */
    List<Outcome> write(List<RedisWrite> writes) {
        if (writes.isEmpty()) {
            return List.of();
        }
        ensureConnected();
        List<Outcome> outcomes = runPipeline(writes);
        if (outcomes == null) {
            // NOSCRIPT: Redis lost its script cache (restart, failover, SCRIPT FLUSH). Reload and rerun the chunk:
            // re-applying the writes that did succeed is harmless, since equal timestamps just overwrite.
            log.info("Redis at {} no longer knows the write script; reloading it", endpoint.target());
            loadScript();
            outcomes = runPipeline(writes);
            if (outcomes == null) {
                throw retriable("EVALSHA", writes.get(0).key(), "script still unknown right after SCRIPT LOAD", null);
            }
        }
        return outcomes;
    }

    /** @return the outcomes, or null when any EVALSHA answered NOSCRIPT */
    private List<Outcome> runPipeline(List<RedisWrite> writes) {
        List<Response<?>> responses = new ArrayList<>(writes.size());
        try {
            Pipeline pipeline = jedis.pipelined();
            for (RedisWrite w : writes) {
                if (w instanceof RedisWrite.Upsert u) {
                    responses.add(pipeline.evalsha(WriteScript.SHA1, List.of(u.key()),
                            WriteScript.args(timestampField, u)));
                } else {
                    responses.add(pipeline.del(w.key()));
                }
            }
            pipeline.sync();
        } catch (JedisConnectionException e) {
            disconnect();
            throw retriable(pipelineOp(writes), null, describe(e), e);
        }

        List<Outcome> outcomes = new ArrayList<>(writes.size());
        boolean noScript = false;
        for (int i = 0; i < writes.size(); i++) {
            RedisWrite w = writes.get(i);
            String op = w instanceof RedisWrite.Upsert ? "EVALSHA" : "DEL";
            try {
                Object reply = responses.get(i).get();
                if (w instanceof RedisWrite.Delete) {
                    outcomes.add(Outcome.DELETED);
                } else if (reply instanceof Long n && n == WriteScript.WRITTEN) {
                    outcomes.add(Outcome.WRITTEN);
                } else if (reply instanceof Long n && n == WriteScript.STALE) {
                    outcomes.add(Outcome.STALE);
                } else {
                    throw new ConnectException(message(op, w.key(), "unexpected reply " + reply));
                }
            } catch (JedisDataException e) {
                String msg = String.valueOf(e.getMessage());
                if (msg.startsWith("NOSCRIPT")) {
                    noScript = true;
                    outcomes.add(null);
                } else if (msg.contains("WRONGTYPE")) {
                    // Someone else's non-hash value sits at our key: we must not delete foreign data, nor retry forever.
                    outcomes.add(new Outcome(Result.FAILED, message(op, w.key(), msg)));
                } else {
                    // LOADING, BUSY, OOM, READONLY, MASTERDOWN...: the server's state, not the record's fault.
                    throw retriable(op, w.key(), msg, e);
                }
            }
        }
        return noScript ? null : outcomes;
    }

    private void ensureConnected() {
        if (jedis != null && !jedis.isBroken()) {
            return;
        }
        disconnect();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs)
                .socketTimeoutMillis(timeoutMs)
                .database(endpoint.database())
                .ssl(endpoint.tls())
                .clientName(CLIENT_NAME)
                // No CLIENT SETINFO: one round trip less, and Redis < 7.2 does not know the command.
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (endpoint.password() != null) {
            config.user(endpoint.user()).password(endpoint.password());
        }
        try {
            jedis = new Jedis(new HostAndPort(endpoint.host(), endpoint.port()), config.build());
            jedis.ping(); // the constructor may connect lazily: make "unreachable" surface here
        } catch (JedisAccessControlException e) {
            disconnect();
            throw new ConnectException(message("AUTH", null, describe(e)), e);
        } catch (JedisException e) {
            disconnect();
            throw retriable("CONNECT", null, describe(e), e);
        }
        loadScript();
        log.info("Connected to Redis at {}", endpoint.target());
    }

    private void loadScript() {
        String sha;
        try {
            sha = jedis.scriptLoad(WriteScript.SOURCE);
        } catch (JedisException e) {
            disconnect();
            throw retriable("SCRIPT LOAD", null, describe(e), e);
        }
        if (!WriteScript.SHA1.equals(sha)) {
            throw new ConnectException(message("SCRIPT LOAD", null,
                    "returned SHA " + sha + ", expected " + WriteScript.SHA1));
        }
    }

    /** Drops the connection; the next write reconnects. */
    void disconnect() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException e) {
                log.debug("Ignoring error while closing a broken Redis connection to {}", endpoint.target(), e);
            }
            jedis = null;
        }
    }

    @Override
    public void close() {
        disconnect();
    }

    private static String pipelineOp(List<RedisWrite> writes) {
        String first = writes.get(0).key();
        String last = writes.get(writes.size() - 1).key();
        return "pipeline of " + writes.size() + " EVALSHA/DEL (keys " + first
                + (writes.size() > 1 ? " .. " + last : "") + ")";
    }

    private RetriableException retriable(String op, String key, String detail, Throwable cause) {
        return new RetriableException(message(op, key, detail), cause);
    }

    /** e.g. "EVALSHA on redis://127.0.0.1:16379 for key driver:driver_7: WRONGTYPE ..." */
    private String message(String op, String key, String detail) {
        return op + " on " + endpoint.target() + (key == null ? "" : " for key " + key) + ": " + detail;
    }

    private static String describe(Throwable e) {
        // Jedis wraps the socket error; the root cause ("Connection refused", "Read timed out") is the useful part.
        // Jedis keeps a failed connect's per-address errors as suppressed exceptions, not as the cause.
        Throwable root = e;
        for (int depth = 0; depth < 10; depth++) {
            if (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            } else if (root.getSuppressed().length > 0) {
                root = root.getSuppressed()[0];
            } else {
                break;
            }
        }
        String top = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (root == e || String.valueOf(root.getMessage()).equals(e.getMessage())) {
            return top;
        }
        return top + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}

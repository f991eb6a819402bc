package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLSocketFactory;

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
import redis.clients.jedis.resps.LibraryInfo;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Owns the task's single Redis connection and runs one chunk of writes as one pipeline (one round trip),
 * in record order, then checks every reply.
 *
 * <p>A task is single-threaded, so one plain connection (no pool) is enough. Errors are sorted by
 * {@link RedisErrors}: transient ones close the connection and surface as {@link RetriableException} (the next
 * call reconnects and checks the function library); configuration errors as {@link ConnectException}; a record's own
 * error (WRONGTYPE) as a {@link Result#FAILED} outcome for the DLQ.
 */
final class RedisWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisWriter.class);

    static final String CLIENT_NAME = "rastro-redis-sink";

    /** What happened to one write. {@code error} is set only for {@link Result#FAILED}. */
    record Outcome(Result result, String error) {
        static final Outcome WRITTEN = new Outcome(Result.WRITTEN, null);
        static final Outcome STALE = new Outcome(Result.STALE, null);
        static final Outcome GUARDED = new Outcome(Result.GUARDED, null);
        static final Outcome DELETED = new Outcome(Result.DELETED, null);
    }

    enum Result {
        WRITTEN,
        /** Skipped: Redis held a strictly newer timestamp (upsert or tombstone). */
        STALE,
        /** Upsert skipped: a tombstone at or after its time deleted the driver (the marker still exists). */
        GUARDED,
        DELETED,
        /** Redis refused this one write for a reason retrying cannot fix (the key holds a non-hash). */
        FAILED
    }

    private final RedisEndpoint endpoint;
    private final int timeoutMs;
    private final String timestampField;
    private final String keyPrefix;
    private final String markerPrefix;
    private final long guardMs;
    /** Null: no GEO index. */
    private final String geoKey;
    /** Null: offsets are kept by Kafka only. */
    private final String offsetsKey;
    private final SSLSocketFactory sslSocketFactory;

    private Jedis jedis;

    /**
     * @throws ConnectException when redis.tls.ca.file cannot be loaded
     */
    RedisWriter(RedisSinkConfig config) {
        this.endpoint = config.endpoint();
        this.timeoutMs = config.timeoutMs();
        this.timestampField = config.timestampField();
        this.keyPrefix = config.keyPrefix();
        this.markerPrefix = config.tombstonePrefix();
        this.guardMs = config.tombstoneGuardMs();
        this.geoKey = config.geoKey().isEmpty() ? null : config.geoKey();
        this.offsetsKey = config.offsetsKey().isEmpty() ? null : config.offsetsKey();
        if (config.tlsCaFile().isEmpty()) {
            this.sslSocketFactory = null;
        } else {
            try {
                this.sslSocketFactory = TlsTrust.load(config.tlsCaFile());
            } catch (IllegalArgumentException e) {
                throw new ConnectException(RedisSinkConfig.TLS_CA_FILE + " " + e.getMessage(), e);
            }
        }
    }

    /** The tombstone marker of a driver's hash key. */
    String markerKey(String key) {
        return markerPrefix + key;
    }

    /**
     * A connection error on a connection opened before this put(), which sat idle meanwhile: Redis may have been
     * restarted (and may have lost writes) without our noticing. Nothing of the chunk is known to have been
     * applied; the task reconnects at once and, being on a new connection, first checks what Redis holds.
     */
    static final class StaleConnectionException extends RetriableException {
        StaleConnectionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Applies {@code writes} in order as one pipeline and returns one outcome per write, in the same order.
     *
     * @param applied    per write, where its record's offset goes; null when offsets are off
     * @param mayBeStale the connection was opened before this put(): a connection error means it went stale
     * @throws StaleConnectionException with {@code mayBeStale}, the connection had been closed under us
     * @throws RetriableException       Redis unreachable, timed out or temporarily refusing (LOADING, BUSY, OOM, ...)
     * @throws ConnectException         a configuration problem (credentials, permissions, database, certificate)
     */
    List<Outcome> write(List<RedisWrite> writes, List<WriteScript.Applied> applied, boolean mayBeStale) {
        if (writes.isEmpty()) {
            return List.of();
        }
        connect();
        try {
            return runEnsuringLibrary(writes, applied);
        } catch (JedisConnectionException e) {
            disconnect();
            if (mayBeStale) {
                throw new StaleConnectionException(message(pipelineOp(writes), null, describe(e)), e);
            }
            throw retriable(pipelineOp(writes), null, describe(e), e);
        }
    }

    /**
     * The offsets Redis holds for {@code fields} (HMGET of the offsets hash), null where it holds none or
     * something that is no offset: either way the partition is replayed from its beginning.
     */
    List<Long> storedOffsets(List<String> fields) {
        List<String> values = null;
        // An idle connection may have gone stale (a Redis restart, the very reason to ask): one fresh retry.
        for (int attempt = 0; values == null; attempt++) {
            boolean fresh = connect();
            try {
                values = jedis.hmget(offsetsKey, fields.toArray(new String[0]));
            } catch (JedisConnectionException e) {
                disconnect();
                if (fresh || attempt > 0) {
                    throw retriable("HMGET", offsetsKey, describe(e), e);
                }
            } catch (JedisDataException e) {
                throw byKind("HMGET", offsetsKey, e);
            }
        }
        List<Long> offsets = new ArrayList<>(values.size());
        for (String v : values) {
            Long parsed = null;
            if (v != null && v.matches("\\d{1,18}")) {
                parsed = Long.parseLong(v);
            }
            offsets.add(parsed);
        }
        return offsets;
    }

    /**
     * Records offsets of records that had no script (sent to the DLQ), after their reports were acknowledged, so
     * a resumed task does not report them again. One HSET, after the batch's writes.
     */
    void recordOffsets(Map<String, Long> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        connect();
        Map<String, String> fields = new LinkedHashMap<>();
        offsets.forEach((field, offset) -> fields.put(field, Long.toString(offset)));
        try {
            jedis.hset(offsetsKey, fields);
        } catch (JedisConnectionException e) {
            disconnect();
            throw retriable("HSET", offsetsKey, describe(e), e);
        } catch (JedisDataException e) {
            throw byKind("HSET", offsetsKey, e);
        }
    }

    private List<Outcome> runEnsuringLibrary(List<RedisWrite> writes, List<WriteScript.Applied> applied) {
        List<Outcome> outcomes = runPipeline(writes, applied);
        if (outcomes == null) {
            // Redis lost the library (FUNCTION FLUSH, a restart without its data). Load it if we may and rerun the
            // chunk: re-applying the writes that did succeed is harmless, since equal timestamps just overwrite.
            log.info("Redis at {} no longer knows the function library {}", endpoint.target(), WriteScript.LIBRARY);
            ensureLibrary();
            outcomes = runPipeline(writes, applied);
            if (outcomes == null) {
                throw retriable("FCALL", writes.get(0).key(), "function still unknown right after FUNCTION LOAD", null);
            }
        }
        return outcomes;
    }

    /** @return the outcomes, or null when any FCALL answered that its function does not exist */
    private List<Outcome> runPipeline(List<RedisWrite> writes, List<WriteScript.Applied> applied) {
        List<Response<?>> responses = new ArrayList<>(writes.size());
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < writes.size(); i++) {
            RedisWrite w = writes.get(i);
            String marker = guardMs > 0 ? markerKey(w.key()) : null;
            WriteScript.Applied offset = offsetsKey == null ? null : applied.get(i);
            String offsets = offset == null ? null : offsetsKey;
            if (w instanceof RedisWrite.Upsert u) {
                List<String> keys = WriteScript.keys(w.key(), marker, u.geo() == null ? null : geoKey, offsets);
                responses.add(pipeline.fcall(WriteScript.UPSERT, keys,
                        WriteScript.upsertArgs(timestampField, u, offset)));
            } else {
                RedisWrite.Delete d = (RedisWrite.Delete) w;
                List<String> keys = WriteScript.keys(w.key(), marker, d.geoMember() == null ? null : geoKey, offsets);
                responses.add(pipeline.fcall(WriteScript.DELETE, keys,
                        WriteScript.deleteArgs(timestampField, d, guardMs, offset)));
            }
        }
        pipeline.sync(); // a JedisConnectionException here is handled by write()

        List<Outcome> outcomes = new ArrayList<>(writes.size());
        boolean noFunction = false;
        for (int i = 0; i < writes.size(); i++) {
            RedisWrite w = writes.get(i);
            String op = "FCALL " + (w instanceof RedisWrite.Upsert ? WriteScript.UPSERT : WriteScript.DELETE);
            try {
                Object reply = responses.get(i).get();
                outcomes.add(outcome(w, reply, op));
            } catch (JedisDataException e) {
                String msg = String.valueOf(e.getMessage());
                switch (RedisErrors.classify(msg)) {
                    case NO_FUNCTION -> {
                        noFunction = true;
                        outcomes.add(null);
                    }
                    // Someone else's non-hash value sits at our key: we must not delete foreign data, nor retry.
                    case RECORD -> outcomes.add(new Outcome(Result.FAILED, message(op, w.key(), msg)));
                    case TRANSIENT -> throw retriable(op, w.key(), msg, e);
                    default -> throw permanent(op, w.key(), msg, e);
                }
            }
        }
        return noFunction ? null : outcomes;
    }

    private Outcome outcome(RedisWrite w, Object reply, String op) {
        if (reply instanceof Long n) {
            if (w instanceof RedisWrite.Upsert) {
                if (n == WriteScript.WRITTEN) {
                    return Outcome.WRITTEN;
                } else if (n == WriteScript.STALE) {
                    return Outcome.STALE;
                } else if (n == WriteScript.TOMBSTONED) {
                    return Outcome.GUARDED;
                }
            } else if (n == WriteScript.DELETED) {
                return Outcome.DELETED;
            } else if (n == WriteScript.STALE) {
                return Outcome.STALE;
            }
        }
        throw new ConnectException(message(op, w.key(), "unexpected reply " + reply));
    }

    /**
     * Opens the connection (and checks the function library) unless one is open.
     *
     * @return true when this call opened a new connection: what Redis holds may have changed since the last one
     */
    boolean connect() {
        if (jedis != null && !jedis.isBroken()) {
            return false;
        }
        disconnect();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs)
                .socketTimeoutMillis(timeoutMs)
                .database(endpoint.database())
                .clientName(CLIENT_NAME)
                // No CLIENT SETINFO: one round trip less, and Redis < 7.2 does not know the command.
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (endpoint.tls()) {
            // Jedis checks no host name unless told to: without this any certificate from a trusted CA passes.
            config.ssl(true).sslParameters(TlsTrust.verifyingHostname());
            if (sslSocketFactory != null) {
                config.sslSocketFactory(sslSocketFactory);
            }
        }
        if (endpoint.password() != null) {
            config.user(endpoint.user()).password(endpoint.password());
        }
        try {
            jedis = new Jedis(new HostAndPort(endpoint.host(), endpoint.port()), config.build());
            jedis.ping(); // the constructor may connect lazily: make "unreachable" surface here
        } catch (JedisConnectionException e) {
            disconnect();
            if (RedisErrors.isCertificateProblem(e)) {
                throw new ConnectException(message("TLS handshake", null, describe(e))
                        + "; the server's certificate must chain to a trusted CA (" + RedisSinkConfig.TLS_CA_FILE
                        + ", or the JVM's trust store) and name the host in " + RedisSinkConfig.REDIS_URI, e);
            }
            throw retriable("CONNECT", null, describe(e), e);
        } catch (JedisDataException e) {
            // AUTH, SELECT, CLIENT SETNAME or PING refused
            disconnect();
            throw byKind("CONNECT", null, e);
        } catch (JedisException e) {
            disconnect();
            throw retriable("CONNECT", null, describe(e), e);
        }
        ensureLibrary();
        log.info("Connected to Redis at {}", endpoint.target());
        return true;
    }

    /**
     * Makes sure Redis holds this plugin's function library, byte for byte: FUNCTION LIST names it with its code,
     * and when it is missing or another version, FUNCTION LOAD REPLACE puts ours there. A user that may not load
     * functions (the stack's sink: FCALL of the two functions only) gets a retriable error instead, so the task
     * heals as soon as an admin loads the library ({@code make up} does).
     */
    private void ensureLibrary() {
        String found;
        try {
            List<LibraryInfo> libraries = jedis.functionListWithCode(WriteScript.LIBRARY);
            found = libraries.stream().filter(l -> WriteScript.LIBRARY.equals(l.getLibraryName())).findFirst()
                    .map(LibraryInfo::getLibraryCode).orElse(null);
        } catch (JedisDataException e) {
            disconnect();
            throw byKind("FUNCTION LIST", null, e);
        } catch (JedisException e) {
            disconnect();
            throw retriable("FUNCTION LIST", null, describe(e), e);
        }
        if (WriteScript.CODE.equals(found)) {
            return;
        }
        String what = found == null ? "no function library " + WriteScript.LIBRARY
                : "another version of the function library " + WriteScript.LIBRARY;
        try {
            jedis.functionLoadReplace(WriteScript.CODE);
            log.info("Loaded the function library {} into Redis at {} (it held {})", WriteScript.LIBRARY,
                    endpoint.target(), found == null ? "none" : "another version");
        } catch (JedisDataException e) {
            disconnect();
            String msg = String.valueOf(e.getMessage());
            if (msg.startsWith("NOPERM")) {
                // Not a setting to fix: the admin's job, done at make up. Retry until it is done.
                throw retriable("FUNCTION LOAD", null, "Redis holds " + what + " and this user may not load it ("
                        + msg + "); load sink-library.lua of this plugin as an admin: redis-cli FUNCTION LOAD "
                        + "REPLACE (make up does)", e);
            }
            throw byKind("FUNCTION LOAD", null, e);
        } catch (JedisException e) {
            disconnect();
            throw retriable("FUNCTION LOAD", null, describe(e), e);
        }
    }

    /** A Redis error reply outside a pipeline: retriable only when transient. */
    private RuntimeException byKind(String op, String key, JedisDataException e) {
        String msg = String.valueOf(e.getMessage());
        return RedisErrors.classify(msg) == RedisErrors.Kind.TRANSIENT ? retriable(op, key, msg, e)
                : permanent(op, key, msg, e);
    }

    private ConnectException permanent(String op, String key, String msg, Throwable cause) {
        return new ConnectException(message(op, key, msg) + "; " + RedisErrors.hint(msg, keyPrefix, markerPrefix, geoKey, offsetsKey),
                cause);
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
        return "pipeline of " + writes.size() + " FCALL (keys " + first
                + (writes.size() > 1 ? " .. " + last : "") + ")";
    }

    private RetriableException retriable(String op, String key, String detail, Throwable cause) {
        return new RetriableException(message(op, key, detail), cause);
    }

    /** e.g. "FCALL rastro_sink_upsert on redis://127.0.0.1:16379 for key driver:driver_7: WRONGTYPE ..." */
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

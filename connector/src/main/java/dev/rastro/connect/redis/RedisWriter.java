package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.net.ssl.SSLSocketFactory;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Response;
import redis.clients.jedis.resps.LibraryInfo;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Owns the task's Redis connection and runs one chunk of writes as one pipeline (one round trip),
 * in record order, then checks every reply.
 *
 * <p>A task is single-threaded, so on one Redis one plain connection (no pool) is enough. On a Redis Cluster
 * ({@link KeySpace#clustered()}) it holds a {@link JedisCluster} (one connection per node in use) and its pipeline
 * sends each node its share of the chunk, in order; after the chunk's functions it writes the chunk's last offset of
 * each partition into every bucket's offsets hash (see {@link #storedOffsets}). Errors are sorted by
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
    /** Null: no GEO index (on a cluster: the prefix of the buckets' GEO sets). */
    private final String geoKey;
    /** Null: offsets are kept by Kafka only (on a cluster: the prefix of the buckets' offsets hashes). */
    private final String offsetsKey;
    /** Each record's keys: on a cluster, in its driver's bucket. */
    private final KeySpace keys;
    private final SSLSocketFactory sslSocketFactory;

    /** One Redis. */
    private Jedis jedis;
    /** A Redis Cluster. */
    private JedisCluster cluster;
    /** The cluster's primaries and their slots (see {@link ClusterTopology#signature()}) when {@link #cluster} opened. */
    private String topology;
    /** Where to find the cluster: the URI's node, then every node seen. */
    private final Set<HostAndPort> seeds = new LinkedHashSet<>();

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
        this.keys = KeySpace.of(config);
        this.seeds.add(new HostAndPort(endpoint.host(), endpoint.port()));
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
        open();
        try {
            return runEnsuringLibrary(writes, applied);
        } catch (JedisConnectionException e) {
            disconnect();
            if (mayBeStale) {
                throw new StaleConnectionException(message(pipelineOp(writes), null, describe(e)), e);
            }
            throw retriable(pipelineOp(writes), null, describe(e), e);
        } catch (JedisDataException e) {
            throw byKind(pipelineOp(writes), null, e);
        } catch (JedisException e) {
            // On a cluster: no node serves a slot (CLUSTERDOWN seen by the client, a failover under way).
            disconnect();
            throw retriable(pipelineOp(writes), null, describe(e), e);
        }
    }

    /**
     * The offsets Redis holds for {@code fields} (HMGET of the offsets hash), null where it holds none or
     * something that is no offset: either way the partition is replayed from its beginning.
     *
     * <p>On a cluster, the smallest over every bucket's hash (null when any bucket holds none): each bucket's hash
     * holds its own records' offsets and, after each chunk, the chunk's last offset, written after that bucket's data
     * on the same connection, so a bucket holding an offset holds every earlier write of its own. A shard that lost
     * its last writes (a failover) then resumes the partition from there; the others see their records again and
     * skip them (never-regress).
     */
    List<Long> storedOffsets(List<String> fields) {
        List<List<String>> values = null;
        // An idle connection may have gone stale (a Redis restart, the very reason to ask): one fresh retry.
        for (int attempt = 0; values == null; attempt++) {
            boolean fresh = open();
            try {
                values = readOffsets(fields);
            } catch (JedisConnectionException e) {
                disconnect();
                if (fresh || attempt > 0) {
                    throw retriable("HMGET", offsetsKey, describe(e), e);
                }
            } catch (JedisDataException e) {
                throw byKind("HMGET", offsetsKey, e);
            } catch (JedisException e) {
                disconnect();
                throw retriable("HMGET", offsetsKey, describe(e), e);
            }
        }
        List<Long> offsets = new ArrayList<>(fields.size());
        for (int i = 0; i < fields.size(); i++) {
            Long smallest = null;
            for (List<String> hash : values) {
                String v = hash.get(i);
                if (v == null || !v.matches("\\d{1,18}")) {
                    smallest = null;
                    break;
                }
                long parsed = Long.parseLong(v);
                smallest = smallest == null ? parsed : Math.min(smallest, parsed);
            }
            offsets.add(smallest);
        }
        return offsets;
    }

    /** HMGET of every offsets hash (one, or one per bucket in one pipeline). */
    private List<List<String>> readOffsets(List<String> fields) {
        String[] names = fields.toArray(new String[0]);
        if (cluster == null) {
            return List.of(jedis.hmget(offsetsKey, names));
        }
        List<Response<List<String>>> replies = new ArrayList<>();
        try (AbstractPipeline pipeline = cluster.pipelined()) {
            for (String key : keys.offsetsKeys()) {
                replies.add(pipeline.hmget(key, names));
            }
            pipeline.sync();
        }
        List<List<String>> values = new ArrayList<>(replies.size());
        for (Response<List<String>> reply : replies) {
            values.add(replied(reply));
        }
        return values;
    }

    /**
     * Records offsets of records that had no script (sent to the DLQ), after their reports were acknowledged, so
     * a resumed task does not report them again. One HSET, after the batch's writes.
     */
    void recordOffsets(Map<String, Long> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        open();
        Map<String, String> fields = new LinkedHashMap<>();
        offsets.forEach((field, offset) -> fields.put(field, Long.toString(offset)));
        try {
            if (cluster == null) {
                jedis.hset(offsetsKey, fields);
            } else {
                List<Response<Long>> replies = new ArrayList<>();
                try (AbstractPipeline pipeline = cluster.pipelined()) {
                    for (String key : keys.offsetsKeys()) {
                        replies.add(pipeline.hset(key, fields));
                    }
                    pipeline.sync();
                }
                replies.forEach(RedisWriter::replied);
            }
        } catch (JedisConnectionException e) {
            disconnect();
            throw retriable("HSET", offsetsKey, describe(e), e);
        } catch (JedisDataException e) {
            throw byKind("HSET", offsetsKey, e);
        } catch (JedisException e) {
            disconnect();
            throw retriable("HSET", offsetsKey, describe(e), e);
        }
    }

    /**
     * A cluster pipeline's reply. Jedis logs a node's connection error during sync() and leaves that node's replies
     * unset (their get() throws IllegalStateException): the same as losing the connection.
     */
    private static <T> T replied(Response<T> reply) {
        try {
            return reply.get();
        } catch (IllegalStateException e) {
            throw new JedisConnectionException("a cluster node's connection failed during the pipeline", e);
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
        List<Response<Long>> advances = new ArrayList<>();
        try (AbstractPipeline pipeline = cluster == null ? jedis.pipelined() : cluster.pipelined()) {
            for (int i = 0; i < writes.size(); i++) {
                RedisWrite w = writes.get(i);
                String marker = guardMs > 0 ? markerKey(w.key()) : null;
                WriteScript.Applied offset = offsetsKey == null ? null : applied.get(i);
                String offsets = offset == null ? null : keys.offsetsKeyOf(w.key());
                if (w instanceof RedisWrite.Upsert u) {
                    List<String> fcallKeys = WriteScript.keys(w.key(), marker, u.geo() == null ? null : keys.geoKeyOf(w.key()), offsets);
                    responses.add(pipeline.fcall(WriteScript.UPSERT, fcallKeys,
                            WriteScript.upsertArgs(timestampField, u, offset)));
                } else {
                    RedisWrite.Delete d = (RedisWrite.Delete) w;
                    List<String> fcallKeys = WriteScript.keys(w.key(), marker, d.geoMember() == null ? null : keys.geoKeyOf(w.key()), offsets);
                    responses.add(pipeline.fcall(WriteScript.DELETE, fcallKeys,
                            WriteScript.deleteArgs(timestampField, d, guardMs, offset)));
                }
            }
            if (cluster != null && offsetsKey != null) {
                // The chunk's last offset per partition into every bucket, after that bucket's functions on the same
                // node connection: a bucket with no record in this chunk is just as far (see storedOffsets).
                Map<String, String> last = new LinkedHashMap<>();
                for (WriteScript.Applied a : applied) {
                    last.put(a.field(), Long.toString(a.offset()));
                }
                for (String key : keys.offsetsKeys()) {
                    advances.add(pipeline.hset(key, last));
                }
            }
            pipeline.sync(); // a JedisConnectionException here is handled by write()
        }

        List<Outcome> outcomes = new ArrayList<>(writes.size());
        boolean noFunction = false;
        for (int i = 0; i < writes.size(); i++) {
            RedisWrite w = writes.get(i);
            String op = "FCALL " + (w instanceof RedisWrite.Upsert ? WriteScript.UPSERT : WriteScript.DELETE);
            try {
                Object reply = replied(responses.get(i));
                outcomes.add(outcome(w, reply, op));
            } catch (JedisDataException e) {
                String msg = String.valueOf(e.getMessage());
                switch (RedisErrors.classify(msg, cluster != null)) {
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
        for (Response<Long> advance : advances) {
            try {
                replied(advance);
            } catch (JedisDataException e) {
                throw byKind("HSET", offsetsKey, e);
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
     * Opens the connection (and checks the function library) unless one is open. On a cluster, an open connection
     * also counts as new when the cluster's primaries changed since it opened (a failover): a promoted replica may
     * lack the last writes its primary acknowledged, so the caller reads the offsets again before writing.
     *
     * @return true when this call opened a new connection: what Redis holds may have changed since the last one
     */
    boolean connect() {
        if (cluster != null) {
            ClusterTopology seen = askTopology();
            String now = seen == null ? null : seen.signature();
            if (topology.equals(now)) {
                return false;
            }
            log.info("The Redis Cluster at {} changed its primaries ({}); reconnecting, then resuming from the "
                    + "offsets every bucket holds", endpoint.target(), now == null ? "no node answered" : now);
            disconnect();
        }
        return open();
    }

    /** Opens the connection unless one is open; true when it opened one. */
    private boolean open() {
        if (keys.clustered()) {
            if (cluster != null) {
                return false;
            }
            openCluster();
            return true;
        }
        if (jedis != null && !jedis.isBroken()) {
            return false;
        }
        disconnect();
        jedis = openNode(new HostAndPort(endpoint.host(), endpoint.port()), "");
        try {
            ensureLibrary(jedis, "");
        } catch (RuntimeException e) {
            disconnect();
            throw e;
        }
        log.info("Connected to Redis at {}", endpoint.target());
        return true;
    }

    private JedisClientConfig clientConfig() {
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
        return config.build();
    }

    /**
     * One plain connection to {@code node}, answering PING; errors sorted as for any command.
     *
     * @param where "" for the one Redis (the URI names it), " <host:port>" for a cluster node
     */
    private Jedis openNode(HostAndPort node, String where) {
        Jedis opened = null;
        try {
            opened = new Jedis(node, clientConfig());
            opened.ping(); // the constructor may connect lazily: make "unreachable" surface here
            return opened;
        } catch (JedisConnectionException e) {
            closeQuietly(opened);
            if (RedisErrors.isCertificateProblem(e)) {
                throw new ConnectException(message("TLS handshake", null, describe(e))
                        + "; the server's certificate must chain to a trusted CA (" + RedisSinkConfig.TLS_CA_FILE
                        + ", or the JVM's trust store) and name the host in " + RedisSinkConfig.REDIS_URI, e);
            }
            throw retriable("CONNECT" + where, null, describe(e), e);
        } catch (JedisDataException e) {
            // AUTH, SELECT, CLIENT SETNAME or PING refused
            closeQuietly(opened);
            throw byKind("CONNECT" + where, null, e);
        } catch (JedisException e) {
            closeQuietly(opened);
            throw retriable("CONNECT" + where, null, describe(e), e);
        }
    }

    /**
     * Finds the cluster through the first seed that answers (a plain connection first, so that a wrong password or
     * a server without cluster mode is named, not retried), checks every slot has a primary, makes sure every
     * primary holds the function library (replicas copy it), then opens the cluster client.
     */
    private void openCluster() {
        RuntimeException unreachable = null;
        for (HostAndPort seed : List.copyOf(seeds)) {
            Jedis probe;
            try {
                probe = openNode(seed, " " + seed);
            } catch (RetriableException e) {
                unreachable = e;
                continue;
            }
            try {
                ClusterTopology found = ClusterTopology.parse(clusterNodes(probe, seed));
                if (!found.uncovered().isEmpty()) {
                    throw retriable("CLUSTER NODES", null, "no primary serves the slots " + found.uncovered()
                            + " (a failover under way?)", null);
                }
                for (HostAndPort primary : found.primaries()) {
                    if (primary.equals(seed)) {
                        ensureLibrary(probe, " " + primary);
                    } else {
                        try (Jedis node = openNode(primary, " " + primary)) {
                            ensureLibrary(node, " " + primary);
                        }
                    }
                }
                GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
                pool.setMaxTotal(2); // a task is single-threaded: its pipeline's connection, plus a topology probe
                // One attempt: the task retries a failed batch itself, with its backoff, after reconnecting.
                cluster = new JedisCluster(Set.copyOf(seeds), clientConfig(), 1, pool);
                topology = found.signature();
                seeds.addAll(found.nodes());
                log.info("Connected to the Redis Cluster at {}: primaries {}, {} buckets", endpoint.target(),
                        found.primaries(), keys.buckets());
                return;
            } catch (JedisException e) {
                disconnect();
                throw retriable("CONNECT cluster via " + seed, null, describe(e), e);
            } catch (RuntimeException e) {
                disconnect();
                throw e;
            } finally {
                probe.close();
            }
        }
        throw unreachable;
    }

    private String clusterNodes(Jedis node, HostAndPort address) {
        try {
            return node.clusterNodes();
        } catch (JedisDataException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.toLowerCase(java.util.Locale.ROOT).contains("cluster support disabled")) {
                throw new ConnectException(message("CLUSTER NODES on " + address, null, msg) + "; "
                        + RedisSinkConfig.CLUSTER_BUCKETS + " is set, so " + RedisSinkConfig.REDIS_URI
                        + " must name a Redis Cluster node; set it to 0 for one Redis");
            }
            throw byKind("CLUSTER NODES on " + address, null, e);
        }
    }

    /** The cluster as some node of the open client sees it now (over the client's pooled connections); null when none answered. */
    private ClusterTopology askTopology() {
        for (Map.Entry<String, ConnectionPool> node : cluster.getClusterNodes().entrySet()) {
            try (Connection c = node.getValue().getResource()) {
                return ClusterTopology.parse(new Jedis(c).clusterNodes());
            } catch (JedisException e) {
                log.debug("Redis Cluster node {} did not answer CLUSTER NODES: {}", node.getKey(), e.toString());
            }
        }
        return null;
    }

    /**
     * Makes sure {@code node} holds this plugin's function library, byte for byte: FUNCTION LIST names it with its
     * code, and when it is missing or another version, FUNCTION LOAD REPLACE puts ours there. A user that may not load
     * functions (the stack's sink: FCALL of the two functions only) gets a retriable error instead, so the task
     * heals as soon as an admin loads the library ({@code make up} does).
     *
     * @param where "" for the one Redis, " <host:port>" for a cluster primary
     */
    private void ensureLibrary(Jedis node, String where) {
        String found;
        try {
            List<LibraryInfo> libraries = node.functionListWithCode(WriteScript.LIBRARY);
            found = libraries.stream().filter(l -> WriteScript.LIBRARY.equals(l.getLibraryName())).findFirst()
                    .map(LibraryInfo::getLibraryCode).orElse(null);
        } catch (JedisDataException e) {
            throw byKind("FUNCTION LIST" + where, null, e);
        } catch (JedisException e) {
            throw retriable("FUNCTION LIST" + where, null, describe(e), e);
        }
        if (WriteScript.CODE.equals(found)) {
            return;
        }
        String what = found == null ? "no function library " + WriteScript.LIBRARY
                : "another version of the function library " + WriteScript.LIBRARY;
        try {
            node.functionLoadReplace(WriteScript.CODE);
            log.info("Loaded the function library {} into Redis at {}{} (it held {})", WriteScript.LIBRARY, endpoint.target(), where,
                    found == null ? "none" : "another version");
        } catch (JedisDataException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.startsWith("NOPERM")) {
                // Not a setting to fix: the admin's job, done at make up. Retry until it is done.
                throw retriable("FUNCTION LOAD" + where, null, "Redis holds " + what + " and this user may not "
                        + "load it (" + msg + "); load sink-library.lua of this plugin as an admin: redis-cli FUNCTION "
                        + "LOAD REPLACE (make up does)", e);
            }
            throw byKind("FUNCTION LOAD" + where, null, e);
        } catch (JedisException e) {
            throw retriable("FUNCTION LOAD" + where, null, describe(e), e);
        }
    }

    /** Loads the library where it is missing: the one Redis, or every primary of the cluster. */
    private void ensureLibrary() {
        try {
            if (cluster == null) {
                ensureLibrary(jedis, "");
                return;
            }
            ClusterTopology now = askTopology();
            if (now == null) {
                throw retriable("CLUSTER NODES", null, "no node of the cluster answered", null);
            }
            for (HostAndPort primary : now.primaries()) {
                try (Jedis node = openNode(primary, " " + primary)) {
                    ensureLibrary(node, " " + primary);
                }
            }
        } catch (RuntimeException e) {
            disconnect();
            throw e;
        }
    }

    /** A Redis error reply outside a pipeline: retriable only when transient. */
    private RuntimeException byKind(String op, String key, JedisDataException e) {
        String msg = String.valueOf(e.getMessage());
        return RedisErrors.classify(msg, keys.clustered()) == RedisErrors.Kind.TRANSIENT ? retriable(op, key, msg, e)
                : permanent(op, key, msg, e);
    }

    private ConnectException permanent(String op, String key, String msg, Throwable cause) {
        return new ConnectException(message(op, key, msg) + "; " + RedisErrors.hint(msg, keyPrefix, markerPrefix, geoKey, offsetsKey),
                cause);
    }

    /** Drops the connection; the next write reconnects. */
    void disconnect() {
        closeQuietly(jedis);
        jedis = null;
        closeQuietly(cluster);
        cluster = null;
        topology = null;
    }

    private void closeQuietly(AutoCloseable connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (Exception e) {
                log.debug("Ignoring error while closing a broken Redis connection to {}", endpoint.target(), e);
            }
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

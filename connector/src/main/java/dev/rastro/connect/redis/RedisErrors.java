package dev.rastro.connect.redis;

import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sorts Redis error replies into what the sink does about them. Only conditions that pass by themselves are
 * retried; a wrong setting fails the task with a message naming the setting; an error caused by one record's
 * key sends that record to the DLQ.
 */
final class RedisErrors {

    enum Kind {
        /** The server's momentary state: retry the batch after a backoff. */
        TRANSIENT,
        /** Redis lost the sink's function library: load it (when allowed) and rerun. */
        NO_FUNCTION,
        /** This record's key holds something we must not touch: DLQ. */
        RECORD,
        /** Credentials, permissions, database number, server kind: fix the configuration; fail the task. */
        CONFIGURATION,
        /** Anything else: fail the task rather than loop or drop data. */
        UNKNOWN
    }

    /** Error codes (the reply's first word) that describe a state Redis leaves on its own. */
    private static final Set<String> TRANSIENT_CODES = Set.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN",
            "OOM", "NOREPLICAS", "MISCONF");

    /** A slot changing hands, on a cluster. */
    private static final Set<String> CLUSTER_TRANSIENT_CODES = Set.of("MOVED", "ASK", "CLUSTERDOWN");

    /** Redis 6 wraps errors raised inside a script: "ERR Error running script (...): @user_script:1: CODE ...". */
    private static final Pattern SCRIPT_WRAPPED = Pattern.compile("@user_script:\\d+: (.*)", Pattern.DOTALL);

    private RedisErrors() {
    }

    static Kind classify(String message) {
        return classify(message, false);
    }

    /**
     * @param cluster the sink writes to a Redis Cluster: a slot moving (MOVED, ASK) or briefly unserved (CLUSTERDOWN)
     *                passes by itself there; on one Redis those replies mean it points at a cluster node by mistake
     */
    static Kind classify(String message, boolean cluster) {
        String m = unwrap(message);
        String code = code(m);
        if (TRANSIENT_CODES.contains(code) || cluster && CLUSTER_TRANSIENT_CODES.contains(code)) {
            return Kind.TRANSIENT;
        }
        switch (code) {
            case "WRONGTYPE":
                return Kind.RECORD;
            case "NOPERM", "WRONGPASS", "NOAUTH", "MOVED", "ASK", "CLUSTERDOWN", "CROSSSLOT", WriteScript.GEO_KEY_ERROR,
                    WriteScript.OFFSETS_KEY_ERROR:
                return Kind.CONFIGURATION;
            default:
                break;
        }
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.equals("err function not found")) {
            return Kind.NO_FUNCTION;
        }
        if (lower.contains("db index is out of range") || lower.contains("invalid db index")
                || lower.startsWith("err auth") || lower.contains("without any password configured")
                || lower.contains("no password is set") || lower.contains("invalid password")
                || lower.startsWith("err unknown command")) {
            return Kind.CONFIGURATION;
        }
        return Kind.UNKNOWN;
    }

    /**
     * What to change, for a configuration error; names the setting.
     *
     * @param geoKey     the GEO index key, null when there is none
     * @param offsetsKey the offsets hash, null when offsets are off
     */
    static String hint(String message, String keyPrefix, String markerPrefix, String geoKey, String offsetsKey) {
        String m = unwrap(message);
        String code = code(m);
        String lower = m.toLowerCase(Locale.ROOT);
        if (code.equals(WriteScript.GEO_KEY_ERROR)) {
            return "delete that key or set " + RedisSinkConfig.GEO_KEY + " to a free one; the sink keeps its GEO "
                    + "index there";
        }
        if (code.equals(WriteScript.OFFSETS_KEY_ERROR)) {
            return "delete that key or set " + RedisSinkConfig.OFFSETS_KEY + " to a free one; the sink keeps each "
                    + "partition's applied offset there";
        }
        if (code.equals("NOPERM")) {
            return "the ACL user in " + RedisSinkConfig.REDIS_URI + " lacks a permission; it needs the commands "
                    + "PING, CLIENT SETNAME, FUNCTION LIST, FCALL of " + WriteScript.UPSERT + " and "
                    + WriteScript.DELETE + " (and SELECT for a database other than 0) and "
                    + "the keys " + keyPrefix + "* and " + markerPrefix + keyPrefix + "* (the markers of "
                    + RedisSinkConfig.TOMBSTONE_PREFIX + "; or set " + RedisSinkConfig.TOMBSTONE_GUARD_MS + "=0)"
                    + (geoKey == null ? "" : " and the key " + geoKey + " (" + RedisSinkConfig.GEO_KEY + ")")
                    + (offsetsKey == null ? "" : " and the key " + offsetsKey + " (" + RedisSinkConfig.OFFSETS_KEY
                            + ", with HMGET)");
        }
        if (code.equals("WRONGPASS") || code.equals("NOAUTH") || lower.startsWith("err auth")
                || lower.contains("password")) {
            return "check the user and password in " + RedisSinkConfig.REDIS_URI;
        }
        if (lower.contains("db index")) {
            return "check the database number (/N) in " + RedisSinkConfig.REDIS_URI
                    + "; the server's 'databases' setting limits it";
        }
        if (code.equals("MOVED") || code.equals("ASK") || code.equals("CLUSTERDOWN") || code.equals("CROSSSLOT")) {
            return code.equals("CROSSSLOT") ? "the keys of one record's call lie in different slots; on a Redis Cluster "
                    + "set " + RedisSinkConfig.CLUSTER_BUCKETS + " (its keys then share their bucket's slot)"
                    : RedisSinkConfig.REDIS_URI + " points at a Redis Cluster node; set " + RedisSinkConfig.CLUSTER_BUCKETS
                            + " (readers use the same number) to write to a cluster";
        }
        if (lower.startsWith("err unknown command")) {
            return "this server lacks (or renamed) a command the sink needs; it needs Redis 7 functions (FCALL, "
                    + "FUNCTION LIST)";
        }
        return "retrying cannot fix this";
    }

    /** True when a TLS handshake failed on the certificate (untrusted chain, wrong host name): a setting. */
    static boolean isCertificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (isCertificateProblem(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String unwrap(String message) {
        String m = message == null ? "" : message.trim();
        Matcher wrapped = SCRIPT_WRAPPED.matcher(m);
        return m.startsWith("ERR ") && wrapped.find() ? wrapped.group(1).trim() : m;
    }

    private static String code(String m) {
        int space = m.indexOf(' ');
        return (space < 0 ? m : m.substring(0, space)).toUpperCase(Locale.ROOT);
    }
}

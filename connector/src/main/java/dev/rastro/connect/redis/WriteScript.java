package dev.rastro.connect.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The two Lua scripts the sink runs, one per record, so each compare-and-write is atomic in Redis.
 *
 * <p>Both read everything they need before their first write and never run a command that can fail on the
 * record's data after a write: Redis does not roll a script back, so a late error would leave half a write.
 * A stored timestamp counts only when it is an integer string within +/-2^53; anything else (foreign data,
 * {@code inf}, {@code 1e400}, a 400-digit number) is ignored and replaced by the next valid write.
 */
final class WriteScript {

    /** Shared helper: the stored text as a comparable integer, or nil. */
    private static final String STORED_TIME = String.join("\n",
            "local function stored_time(s)",
            "  if type(s) ~= 'string' or not string.match(s, '^%-?%d+$') then return nil end",
            "  local n = tonumber(s)",
            "  if n == nil or n ~= n or math.abs(n) > 9007199254740992 then return nil end",
            "  return n",
            "end");

    /**
     * Upsert. KEYS[1] = the driver's hash, KEYS[2] = its tombstone marker (absent when markers are off, so an
     * ACL user limited to the driver keys suffices); ARGV[1] = timestamp field name,
     * ARGV[2] = incoming timestamp (epoch ms), ARGV[3..] = field, value, field, value, ...
     * Returns 1 written, 0 skipped (stored timestamp strictly newer), 2 skipped (a tombstone at or after this
     * time deleted the driver). DEL before HSET so fields absent from the new value do not survive; HSET in
     * chunks so no unpack() stack limit applies, whatever the field count.
     */
    static final Script UPSERT = new Script(String.join("\n",
            STORED_TIME,
            "local ts = tonumber(ARGV[2])",
            "local stored = stored_time(redis.call('HGET', KEYS[1], ARGV[1]))",
            "if stored and stored > ts then return 0 end",
            "local deleted = nil",
            "if KEYS[2] then deleted = stored_time(redis.call('GET', KEYS[2])) end",
            "if deleted and deleted >= ts then return 2 end",
            "redis.call('DEL', KEYS[1])",
            "if deleted then redis.call('DEL', KEYS[2]) end",
            "for i = 3, #ARGV, 200 do",
            "  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 199, #ARGV)))",
            "end",
            "return 1"));

    /**
     * Tombstone. KEYS[1] = the driver's hash, KEYS[2] = its marker (absent when markers are off); ARGV[1] = timestamp field name,
     * ARGV[2] = the tombstone's time (its Kafka timestamp, ms), ARGV[3] = marker TTL in ms (0 = no marker).
     * Returns 1 deleted (or nothing to delete; marker set), 0 skipped (stored timestamp strictly newer).
     * A key of another type is left alone with a WRONGTYPE error, as an upsert would leave it.
     * The marker is written before the DEL: if Redis refuses the write (OOM), nothing has changed.
     */
    static final Script DELETE = new Script(String.join("\n",
            STORED_TIME,
            "local kind = redis.call('TYPE', KEYS[1])['ok']",
            "if kind ~= 'hash' and kind ~= 'none' then",
            "  return redis.error_reply('WRONGTYPE key holds a ' .. kind .. ', not a hash; a tombstone deletes only hashes')",
            "end",
            "local at = tonumber(ARGV[2])",
            "local stored = stored_time(redis.call('HGET', KEYS[1], ARGV[1]))",
            "if stored and stored > at then return 0 end",
            "local ttl = tonumber(ARGV[3])",
            "if ttl > 0 and KEYS[2] then",
            "  local previous = stored_time(redis.call('GET', KEYS[2]))",
            "  if previous == nil or previous < at then",
            "    redis.call('SET', KEYS[2], ARGV[2], 'PX', ttl)",
            "  end",
            "end",
            "redis.call('DEL', KEYS[1])",
            "return 1"));

    static final long WRITTEN = 1L;
    static final long STALE = 0L;
    static final long TOMBSTONED = 2L;
    static final long DELETED = 1L;

    /** A script's source and the SHA-1 that SCRIPT LOAD returns and EVALSHA takes. */
    record Script(String source, String sha1) {
        Script(String source) {
            this(source, sha1Hex(source));
        }
    }

    private WriteScript() {
    }

    /** EVALSHA's ARGV for an upsert. */
    static List<String> upsertArgs(String timestampField, RedisWrite.Upsert upsert) {
        List<String> args = new ArrayList<>(2 + upsert.fields().size());
        args.add(timestampField);
        args.add(Long.toString(upsert.timestamp()));
        args.addAll(upsert.fields());
        return args;
    }

    /** EVALSHA's ARGV for a tombstone. */
    static List<String> deleteArgs(String timestampField, RedisWrite.Delete delete, long markerTtlMs) {
        return List.of(timestampField, Long.toString(delete.timestamp()), Long.toString(markerTtlMs));
    }

    private static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(40);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }
}

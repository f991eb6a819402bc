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

    /**
     * Error code of a GEO set key that holds another type: a setting to fix (redis.geo.key), not a record's fault,
     * so {@link RedisErrors} fails the task instead of sending every record to the DLQ.
     */
    static final String GEO_KEY_ERROR = "GEOKEY";

    /** The upsert's ARGV index (1-based) of its first field name: after the timestamp and GEO arguments. */
    static final int UPSERT_FIELDS_FROM = 6;

    /** Shared helper: the stored text as a comparable integer, or nil. */
    private static final String STORED_TIME = String.join("\n",
            "local function stored_time(s)",
            "  if type(s) ~= 'string' or not string.match(s, '^%-?%d+$') then return nil end",
            "  local n = tonumber(s)",
            "  if n == nil or n ~= n or math.abs(n) > 9007199254740992 then return nil end",
            "  return n",
            "end");

    /**
     * Shared helpers for the optional keys. KEYS = the hash, then its marker when markers are on, then the GEO set
     * when the GEO argument names a member: every key a script touches is declared, so ACLs (and a cluster's key
     * slots) see them. geo_refusal is a read: the GEO set must be free or a sorted set, checked before the first
     * write so a foreign value at redis.geo.key cannot leave half a write.
     */
    private static final String KEY_ROLES = String.join("\n",
            "local function key_roles(member)",
            "  local geo = nil",
            "  if member ~= '' then geo = KEYS[#KEYS] end",
            "  local marker = nil",
            "  if #KEYS == (geo and 3 or 2) then marker = KEYS[2] end",
            "  return marker, geo",
            "end",
            "local function geo_refusal(geo)",
            "  if not geo then return nil end",
            "  local kind = redis.call('TYPE', geo)['ok']",
            "  if kind == 'zset' or kind == 'none' then return nil end",
            "  return redis.error_reply('" + GEO_KEY_ERROR + " ' .. geo .. ' holds a ' .. kind"
                    + " .. ', not a sorted set (GEO set)')",
            "end");

    /**
     * Upsert. KEYS[1] = the driver's hash, then its tombstone marker (absent when markers are off, so an ACL user
     * limited to the driver keys suffices), then the GEO set (absent without a GEO index); ARGV[1] = timestamp
     * field name, ARGV[2] = incoming timestamp (epoch ms), ARGV[3] = GEO member ('' without a GEO index),
     * ARGV[4], ARGV[5] = its longitude, latitude ('' when the member leaves the index), ARGV[6..] = field, value,
     * field, value, ...
     * Returns 1 written, 0 skipped (stored timestamp strictly newer), 2 skipped (a tombstone at or after this
     * time deleted the driver); a skipped write touches neither the hash nor the GEO set. The GEO write comes
     * first: its coordinates were validated in Java, and even so a refusal (OOM) would leave nothing changed.
     * DEL before HSET so fields absent from the new value do not survive; HSET in chunks so no unpack() stack
     * limit applies, whatever the field count.
     */
    static final Script UPSERT = new Script(String.join("\n",
            STORED_TIME,
            KEY_ROLES,
            "local marker, geo = key_roles(ARGV[3])",
            "local ts = tonumber(ARGV[2])",
            "local stored = stored_time(redis.call('HGET', KEYS[1], ARGV[1]))",
            "if stored and stored > ts then return 0 end",
            "local deleted = nil",
            "if marker then deleted = stored_time(redis.call('GET', marker)) end",
            "if deleted and deleted >= ts then return 2 end",
            "local refusal = geo_refusal(geo)",
            "if refusal then return refusal end",
            "if geo and ARGV[4] ~= '' then",
            "  redis.call('GEOADD', geo, ARGV[4], ARGV[5], ARGV[3])",
            "elseif geo then",
            "  redis.call('ZREM', geo, ARGV[3])",
            "end",
            "redis.call('DEL', KEYS[1])",
            "if deleted then redis.call('DEL', marker) end",
            "for i = " + UPSERT_FIELDS_FROM + ", #ARGV, 200 do",
            "  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 199, #ARGV)))",
            "end",
            "return 1"));

    /**
     * Tombstone. KEYS[1] = the driver's hash, then its marker (absent when markers are off), then the GEO set
     * (absent without a GEO index); ARGV[1] = timestamp field name, ARGV[2] = the tombstone's time (its Kafka
     * timestamp, ms), ARGV[3] = marker TTL in ms (0 = no marker), ARGV[4] = GEO member ('' without a GEO index).
     * Returns 1 deleted (or nothing to delete; marker set, member removed), 0 skipped (stored timestamp strictly
     * newer; GEO set untouched). A key of another type is left alone with a WRONGTYPE error, as an upsert would
     * leave it. The marker is written before the DEL: if Redis refuses the write (OOM), nothing has changed.
     */
    static final Script DELETE = new Script(String.join("\n",
            STORED_TIME,
            KEY_ROLES,
            "local marker, geo = key_roles(ARGV[4])",
            "local kind = redis.call('TYPE', KEYS[1])['ok']",
            "if kind ~= 'hash' and kind ~= 'none' then",
            "  return redis.error_reply('WRONGTYPE key holds a ' .. kind .. ', not a hash; a tombstone deletes only hashes')",
            "end",
            "local at = tonumber(ARGV[2])",
            "local stored = stored_time(redis.call('HGET', KEYS[1], ARGV[1]))",
            "if stored and stored > at then return 0 end",
            "local refusal = geo_refusal(geo)",
            "if refusal then return refusal end",
            "local ttl = tonumber(ARGV[3])",
            "if ttl > 0 and marker then",
            "  local previous = stored_time(redis.call('GET', marker))",
            "  if previous == nil or previous < at then",
            "    redis.call('SET', marker, ARGV[2], 'PX', ttl)",
            "  end",
            "end",
            "redis.call('DEL', KEYS[1])",
            "if geo then redis.call('ZREM', geo, ARGV[4]) end",
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

    /** EVALSHA's KEYS: the hash, its marker (null when markers are off), the GEO set (null without one). */
    static List<String> keys(String key, String markerKey, String geoKey) {
        List<String> keys = new ArrayList<>(3);
        keys.add(key);
        if (markerKey != null) {
            keys.add(markerKey);
        }
        if (geoKey != null) {
            keys.add(geoKey);
        }
        return keys;
    }

    /** EVALSHA's ARGV for an upsert. */
    static List<String> upsertArgs(String timestampField, RedisWrite.Upsert upsert) {
        List<String> args = new ArrayList<>(UPSERT_FIELDS_FROM - 1 + upsert.fields().size());
        args.add(timestampField);
        args.add(Long.toString(upsert.timestamp()));
        RedisWrite.Geo geo = upsert.geo();
        args.add(geo == null ? "" : geo.member());
        args.add(geo == null || !geo.indexed() ? "" : geo.longitude());
        args.add(geo == null || !geo.indexed() ? "" : geo.latitude());
        args.addAll(upsert.fields());
        return args;
    }

    /** EVALSHA's ARGV for a tombstone. */
    static List<String> deleteArgs(String timestampField, RedisWrite.Delete delete, long markerTtlMs) {
        return List.of(timestampField, Long.toString(delete.timestamp()), Long.toString(markerTtlMs),
                delete.geoMember() == null ? "" : delete.geoMember());
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

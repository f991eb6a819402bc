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

    /**
     * Error code of an offsets key that holds another type than a hash: a setting to fix (redis.offsets.key), so
     * {@link RedisErrors} fails the task.
     */
    static final String OFFSETS_KEY_ERROR = "OFFSETSKEY";

    /** The upsert's ARGV index (1-based) of its first field name: after the timestamp, GEO and offset arguments. */
    static final int UPSERT_FIELDS_FROM = 8;

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
     * when the GEO argument names a member, then the offsets hash when the offset argument names a field: every key
     * a script touches is declared, so ACLs (and a cluster's key slots) see them. The refusals are reads: the GEO
     * set must be free or a sorted set, the offsets key free or a hash, checked before the first write so a foreign
     * value cannot leave half a write. applied() is each script's first write: the record's offset, in the same
     * atomic step as what the record does to the data (or does not, when it is skipped), so the offset Redis holds
     * never runs ahead of the data Redis holds.
     */
    private static final String KEY_ROLES = String.join("\n",
            "local function key_roles(member, offset_field)",
            "  local n = #KEYS",
            "  local offsets = nil",
            "  if offset_field ~= '' then offsets = KEYS[n]; n = n - 1 end",
            "  local geo = nil",
            "  if member ~= '' then geo = KEYS[n]; n = n - 1 end",
            "  local marker = nil",
            "  if n == 2 then marker = KEYS[2] end",
            "  return marker, geo, offsets",
            "end",
            "local function geo_refusal(geo)",
            "  if not geo then return nil end",
            "  local kind = redis.call('TYPE', geo)['ok']",
            "  if kind == 'zset' or kind == 'none' then return nil end",
            "  return redis.error_reply('" + GEO_KEY_ERROR + " ' .. geo .. ' holds a ' .. kind"
                    + " .. ', not a sorted set (GEO set)')",
            "end",
            "local function offsets_refusal(offsets)",
            "  if not offsets then return nil end",
            "  local kind = redis.call('TYPE', offsets)['ok']",
            "  if kind == 'hash' or kind == 'none' then return nil end",
            "  return redis.error_reply('" + OFFSETS_KEY_ERROR + " ' .. offsets .. ' holds a ' .. kind"
                    + " .. ', not a hash of offsets')",
            "end",
            "local function applied(offsets, field, offset)",
            "  if offsets then redis.call('HSET', offsets, field, offset) end",
            "end");

    /**
     * Upsert. KEYS[1] = the driver's hash, then its tombstone marker (absent when markers are off, so an ACL user
     * limited to the driver keys suffices), then the GEO set (absent without a GEO index), then the offsets hash
     * (absent when offsets are off); ARGV[1] = timestamp field name, ARGV[2] = incoming timestamp (epoch ms),
     * ARGV[3] = GEO member ('' without a GEO index), ARGV[4], ARGV[5] = its longitude, latitude ('' when the member
     * leaves the index), ARGV[6] = offsets field ('' when off), ARGV[7] = the record's offset, ARGV[8..] = field,
     * value, field, value, ...
     * Returns 1 written, 0 skipped (stored timestamp strictly newer), 2 skipped (a tombstone at or after this
     * time deleted the driver); a skipped write touches neither the hash nor the GEO set, only the offset. The
     * offset is the first write, then the GEO write: coordinates validated in Java, and a refusal of the first
     * write (OOM) leaves nothing changed. DEL before HSET so fields absent from the new value do not survive; HSET
     * in chunks so no unpack() stack limit applies, whatever the field count.
     */
    static final Script UPSERT = new Script(String.join("\n",
            STORED_TIME,
            KEY_ROLES,
            "local marker, geo, offsets = key_roles(ARGV[3], ARGV[6])",
            "local ts = tonumber(ARGV[2])",
            "local stored = stored_time(redis.call('HGET', KEYS[1], ARGV[1]))",
            "local outcome = 1",
            "local deleted = nil",
            "if stored and stored > ts then",
            "  outcome = 0",
            "else",
            "  if marker then deleted = stored_time(redis.call('GET', marker)) end",
            "  if deleted and deleted >= ts then outcome = 2 end",
            "end",
            "local refusal = offsets_refusal(offsets)",
            "if refusal then return refusal end",
            "if outcome == 1 then",
            "  refusal = geo_refusal(geo)",
            "  if refusal then return refusal end",
            "end",
            "applied(offsets, ARGV[6], ARGV[7])",
            "if outcome ~= 1 then return outcome end",
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
     * (absent without a GEO index), then the offsets hash (absent when off); ARGV[1] = timestamp field name,
     * ARGV[2] = the tombstone's time (its Kafka timestamp, ms), ARGV[3] = marker TTL in ms (0 = no marker),
     * ARGV[4] = GEO member ('' without a GEO index), ARGV[5] = offsets field ('' when off), ARGV[6] = the record's
     * offset. Returns 1 deleted (or nothing to delete; marker set, member removed), 0 skipped (stored timestamp
     * strictly newer; GEO set untouched, offset recorded). A key of another type is left alone with a WRONGTYPE
     * error, as an upsert would leave it. The offset, then the marker, are written before the DEL: if Redis
     * refuses the first write (OOM), nothing has changed.
     */
    static final Script DELETE = new Script(String.join("\n",
            STORED_TIME,
            KEY_ROLES,
            "local marker, geo, offsets = key_roles(ARGV[4], ARGV[5])",
            "local kind = redis.call('TYPE', KEYS[1])['ok']",
            "if kind ~= 'hash' and kind ~= 'none' then",
            "  return redis.error_reply('WRONGTYPE key holds a ' .. kind .. ', not a hash; a tombstone deletes only hashes')",
            "end",
            "local at = tonumber(ARGV[2])",
            "local stored = stored_time(redis.call('HGET', KEYS[1], ARGV[1]))",
            "local refusal = offsets_refusal(offsets)",
            "if refusal then return refusal end",
            "if stored and stored > at then",
            "  applied(offsets, ARGV[5], ARGV[6])",
            "  return 0",
            "end",
            "refusal = geo_refusal(geo)",
            "if refusal then return refusal end",
            "applied(offsets, ARGV[5], ARGV[6])",
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

    /**
     * Where a record's offset goes: the field of its partition in the offsets hash, and the offset. Null (as a
     * whole) when offsets are off.
     */
    record Applied(String field, long offset) {
    }

    /**
     * EVALSHA's KEYS: the hash, its marker (null when markers are off), the GEO set (null without one), the offsets
     * hash (null when offsets are off).
     */
    static List<String> keys(String key, String markerKey, String geoKey, String offsetsKey) {
        List<String> keys = new ArrayList<>(4);
        keys.add(key);
        if (markerKey != null) {
            keys.add(markerKey);
        }
        if (geoKey != null) {
            keys.add(geoKey);
        }
        if (offsetsKey != null) {
            keys.add(offsetsKey);
        }
        return keys;
    }

    /** EVALSHA's ARGV for an upsert; {@code applied} null when offsets are off. */
    static List<String> upsertArgs(String timestampField, RedisWrite.Upsert upsert, Applied applied) {
        List<String> args = new ArrayList<>(UPSERT_FIELDS_FROM - 1 + upsert.fields().size());
        args.add(timestampField);
        args.add(Long.toString(upsert.timestamp()));
        RedisWrite.Geo geo = upsert.geo();
        args.add(geo == null ? "" : geo.member());
        args.add(geo == null || !geo.indexed() ? "" : geo.longitude());
        args.add(geo == null || !geo.indexed() ? "" : geo.latitude());
        args.add(applied == null ? "" : applied.field());
        args.add(applied == null ? "" : Long.toString(applied.offset()));
        args.addAll(upsert.fields());
        return args;
    }

    /** EVALSHA's ARGV for a tombstone; {@code applied} null when offsets are off. */
    static List<String> deleteArgs(String timestampField, RedisWrite.Delete delete, long markerTtlMs, Applied applied) {
        return List.of(timestampField, Long.toString(delete.timestamp()), Long.toString(markerTtlMs),
                delete.geoMember() == null ? "" : delete.geoMember(), applied == null ? "" : applied.field(),
                applied == null ? "" : Long.toString(applied.offset()));
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

package dev.rastro.connect.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The never-regress write, as one Lua script so the compare and the replace are atomic in Redis.
 *
 * <p>KEYS[1] = the driver's hash; ARGV[1] = timestamp field name; ARGV[2] = incoming timestamp (epoch ms);
 * ARGV[3..] = field, value, field, value, ... Returns 1 when written, 0 when skipped because the stored
 * timestamp is strictly newer. Equal timestamps overwrite, so a redelivered record is re-applied harmlessly.
 * DEL before HSET: fields absent from the new value (e.g. a finished delivery_id) must not survive.
 * A stored timestamp that is not a number (foreign data) does not block the write.
 */
final class WriteScript {

    static final String SOURCE = String.join("\n",
            "local stored = redis.call('HGET', KEYS[1], ARGV[1])",
            "if stored then",
            "  local s = tonumber(stored)",
            "  if s ~= nil and s > tonumber(ARGV[2]) then",
            "    return 0",
            "  end",
            "end",
            "redis.call('DEL', KEYS[1])",
            "redis.call('HSET', KEYS[1], unpack(ARGV, 3))",
            "return 1");

    /** SHA-1 of {@link #SOURCE}, which is what SCRIPT LOAD returns and EVALSHA takes. */
    static final String SHA1 = sha1Hex(SOURCE);

    static final long WRITTEN = 1L;
    static final long STALE = 0L;

    private WriteScript() {
    }

    /** EVALSHA's ARGV for an upsert. */
    static List<String> args(String timestampField, RedisWrite.Upsert upsert) {
        List<String> args = new ArrayList<>(2 + upsert.fields().size());
        args.add(timestampField);
        args.add(Long.toString(upsert.timestamp()));
        args.addAll(upsert.fields());
        return args;
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

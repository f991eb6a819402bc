package dev.rastro.connect.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The sink's two Redis functions (library {@value #LIBRARY} in {@code sink-library.lua}, this package's resource),
 * one call per record, so each compare-and-write is atomic in Redis, and their arguments. The Lua lives in that
 * one file, which {@code make up} loads as Redis's admin and the plugin carries: the sink's user needs
 * {@code FCALL} of these two functions only, never {@code SCRIPT LOAD} or {@code EVAL} of any Lua.
 */
final class WriteScript {

    /** The library's name, as its first line declares it (FUNCTION LIST LIBRARYNAME). */
    static final String LIBRARY = "rastro_sink";

    /** The upsert function (see sink-library.lua for its keys, arguments and replies). */
    static final String UPSERT = "rastro_sink_upsert";

    /** The tombstone function. */
    static final String DELETE = "rastro_sink_delete";

    /** The library's Lua text, byte for byte as the plugin carries it. */
    static final String CODE = readLibrary();

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

    /** The upsert's argument index (1-based) of its first field name: after the timestamp, GEO and offset arguments. */
    static final int UPSERT_FIELDS_FROM = 8;

    static final long WRITTEN = 1L;
    static final long STALE = 0L;
    static final long TOMBSTONED = 2L;
    static final long DELETED = 1L;

    private WriteScript() {
    }

    /**
     * Where a record's offset goes: the field of its partition in the offsets hash, and the offset. Null (as a
     * whole) when offsets are off.
     */
    record Applied(String field, long offset) {
    }

    /**
     * FCALL's keys: the hash, its marker (null when markers are off), the GEO set (null without one), the offsets
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

    /** FCALL's arguments for an upsert; {@code applied} null when offsets are off. */
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

    /** FCALL's arguments for a tombstone; {@code applied} null when offsets are off. */
    static List<String> deleteArgs(String timestampField, RedisWrite.Delete delete, long markerTtlMs, Applied applied) {
        return List.of(timestampField, Long.toString(delete.timestamp()), Long.toString(markerTtlMs),
                delete.geoMember() == null ? "" : delete.geoMember(), applied == null ? "" : applied.field(),
                applied == null ? "" : Long.toString(applied.offset()));
    }

    private static String readLibrary() {
        String resource = "sink-library.lua";
        try (InputStream in = WriteScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the plugin lacks its resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("read the plugin's resource " + resource, e);
        }
    }
}

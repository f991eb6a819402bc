package dev.rastro.connect.redis;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, written into version.properties by Maven resource filtering. */
final class Version {

    static final String RESOURCE = "version.properties";
    private static final String VERSION = load();

    private Version() {
    }

    static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown").trim();
        } catch (IOException e) {
            // A missing version must not stop the connector from loading; Connect only displays it.
            return "unknown";
        }
    }
}

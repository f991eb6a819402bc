package dev.rastro.connect.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed {@code redis.uri}: {@code redis[s]://[[user]:password@]host[:port][/db]}.
 *
 * <p>Parsed by us (not handed to Jedis as a URI) so that validation errors are precise and so that the
 * credentials never appear in logs or exception messages: {@link #target()} is the redacted form used there.
 */
final class RedisEndpoint {

    static final int DEFAULT_PORT = 6379;

    /** DNS labels, plus '_' which real host names (Docker service names) carry though RFC 952 forbids it. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?");

    private final boolean tls;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final int database;

    private RedisEndpoint(boolean tls, String host, int port, String user, String password, int database) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    /**
     * @throws IllegalArgumentException with a message that says what is wrong (never echoing a password)
     */
    static RedisEndpoint parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("is empty; expected redis://host:port");
        }
        if (!raw.contains("://")) {
            // "127.0.0.1:6379" or "localhost:6379" would otherwise parse as scheme "localhost" or fail obscurely.
            throw new IllegalArgumentException("has no scheme; expected redis://host:port");
        }
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (URISyntaxException e) {
            // e.getInput() would echo the password: report only the reason and position.
            throw new IllegalArgumentException("is not a valid URI (" + e.getReason() + " at index " + e.getIndex()
                    + "); expected redis://host:port");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("has scheme '" + uri.getScheme()
                    + "'; expected redis:// or rediss:// (TLS)");
        }
        String host = uri.getHost();
        int port = uri.getPort();
        String userInfo = uri.getUserInfo(); // already percent-decoded
        if (host == null && uri.getRawAuthority() != null) {
            // java.net.URI takes a host with '_' (redis_primary, common in container networks) for a
            // "registry" authority and gives no host, port or user: split that authority ourselves.
            String authority = uri.getRawAuthority();
            int at = authority.lastIndexOf('@');
            userInfo = at < 0 ? null : percentDecode(authority.substring(0, at));
            String hostPort = authority.substring(at + 1);
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            if (!HOST_NAME.matcher(host).matches()) {
                host = null;
            } else if (colon >= 0) {
                String portText = hostPort.substring(colon + 1);
                if (!portText.matches("[0-9]{1,9}")) {
                    throw new IllegalArgumentException("has port '" + portText + "', which is not a number");
                }
                port = Integer.parseInt(portText);
            }
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("has no host (or an invalid one); expected " + scheme + "://host:port");
        }
        port = port == -1 ? DEFAULT_PORT : port;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("has port " + port + " outside 1..65535");
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("has a query or fragment, which are not supported");
        }

        String user = null;
        String password = null;
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = userInfo; // redis://secret@host: the legacy single-password AUTH form
            } else if (colon == 0) {
                password = userInfo.substring(1); // redis://:secret@host
                if (password.isEmpty()) {
                    password = null; // redis://:@host: no credentials at all
                }
            } else {
                // redis://user:@host keeps the user: AUTH user "" is how an ACL user with nopass logs in.
                user = userInfo.substring(0, colon);
                password = userInfo.substring(colon + 1);
            }
        }

        int database = 0;
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !"/".equals(path)) {
            String db = path.substring(1);
            try {
                database = Integer.parseInt(db);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("has path '" + path + "'; only a database number (/0, /1, ...) is allowed");
            }
            if (database < 0) {
                throw new IllegalArgumentException("has a negative database number " + database);
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // IPv6 literal: sockets want it without brackets
        }
        return new RedisEndpoint("rediss".equals(scheme), host, port, user, password, database);
    }

    /** %XX escapes to UTF-8 text; anything else as it is (no '+' to space: this is not a form). */
    private static String percentDecode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int i = 0;
        while (i < raw.length()) {
            if (raw.charAt(i) == '%' && i + 2 < raw.length() && Character.digit(raw.charAt(i + 1), 16) >= 0
                    && Character.digit(raw.charAt(i + 2), 16) >= 0) {
                bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 3;
            } else {
                int cp = raw.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    boolean tls() {
        return tls;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** May be null (no ACL user: the "default" user). Set with an empty password for redis://user:@host. */
    String user() {
        return user;
    }

    /** May be null (no AUTH). */
    String password() {
        return password;
    }

    int database() {
        return database;
    }

    /** The endpoint without credentials, for logs and error messages, e.g. {@code redis://127.0.0.1:16379}. */
    String target() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (tls ? "rediss" : "redis") + "://" + h + ":" + port + (database == 0 ? "" : "/" + database);
    }

    @Override
    public String toString() {
        return target();
    }
}

package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLSocket;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;

/**
 * rediss:// against real redis-servers with TLS ports (Debian's redis-server is built with TLS). A CA and two
 * server certificates are made with openssl at test time: one names localhost/127.0.0.1, the other only
 * wrong.example. Both chain to the same CA, so the only difference the sink can see is the name.
 */
class RedisTlsTest {

    private static final long NOW = 1_700_000_060_000L;

    private static Path dir;
    private static RedisServer goodName;
    private static int goodTlsPort;
    private static RedisServer wrongName;
    private static int wrongTlsPort;

    private RedisSinkTask task;

    @BeforeAll
    static void makeCertificatesAndStartServers() throws Exception {
        dir = Files.createTempDirectory("rastro-tls-test-");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=rastro test CA");
        serverCertificate("good", "subjectAltName=DNS:localhost,IP:127.0.0.1", 1);
        serverCertificate("wrong", "subjectAltName=DNS:wrong.example", 2);
        goodTlsPort = RedisServer.freePort();
        goodName = RedisServer.start(tlsArgs("good", goodTlsPort));
        wrongTlsPort = RedisServer.freePort();
        wrongName = RedisServer.start(tlsArgs("wrong", wrongTlsPort));
    }

    @AfterAll
    static void stopServers() throws IOException {
        if (goodName != null) {
            goodName.close();
        }
        if (wrongName != null) {
            wrongName.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @AfterEach
    void stopTask() {
        if (task != null) {
            task.stop();
        }
    }

    private static void serverCertificate(String name, String subjectAltName, int serial) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), subjectAltName + "\n", StandardCharsets.UTF_8);
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                Integer.toString(serial), "-days", "2", "-out", name + ".pem", "-extfile", name + ".ext");
    }

    private static List<String> tlsArgs(String name, int tlsPort) {
        return List.of("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", dir.resolve(name + ".pem").toString(),
                "--tls-key-file", dir.resolve(name + ".key").toString(),
                "--tls-ca-cert-file", dir.resolve("ca.pem").toString(),
                "--tls-auth-clients", "no");
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }

    private RedisSinkTask start(String uri, String caFile) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "redis-sink-tls-test");
        props.put("topics", "driver-locations");
        props.put(RedisSinkConfig.REDIS_URI, uri);
        props.put(RedisSinkConfig.TIMEOUT_MS, "5000");
        if (caFile != null) {
            props.put(RedisSinkConfig.TLS_CA_FILE, caFile);
        }
        RedisSinkTask t = new RedisSinkTask(() -> NOW);
        t.initialize(new TestSinkTaskContext(props, new RecordingReporter(), null));
        t.start(props);
        return t;
    }

    private static List<SinkRecord> location(String id) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("driver_id", id);
        value.put("timestamp", NOW);
        return List.of(new SinkRecord("driver-locations", 0, Schema.OPTIONAL_STRING_SCHEMA, id, null, value, 0L, NOW,
                TimestampType.CREATE_TIME));
    }

    private static String ca() {
        return dir.resolve("ca.pem").toString();
    }

    @Test
    void aCertificateNamingTheHostIsAccepted() {
        task = start("rediss://localhost:" + goodTlsPort, ca());
        task.put(location("tls-dns"));
        task.stop();
        task = start("rediss://127.0.0.1:" + goodTlsPort, ca());
        task.put(location("tls-ip"));
        try (Jedis plain = goodName.client()) {
            assertEquals(String.valueOf(NOW), plain.hget("driver:tls-dns", "timestamp"));
            assertEquals(String.valueOf(NOW), plain.hget("driver:tls-ip", "timestamp"));
        }
    }

    @Test
    void aTrustedCertificateForAnotherNameIsRejectedAndFailsTheTask() throws Exception {
        // Control: the chain itself is trusted; a handshake that skips the name check succeeds.
        try (SSLSocket socket = (SSLSocket) TlsTrust.load(ca()).createSocket("localhost", wrongTlsPort)) {
            socket.startHandshake();
            assertEquals("CN=wrong", ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal().getName());
        }
        task = start("rediss://localhost:" + wrongTlsPort, ca());
        ConnectException e = assertThrows(ConnectException.class, () -> task.put(location("tls-wrong")));
        assertFalse(e instanceof RetriableException, e.toString());
        assertTrue(e.getMessage().startsWith("TLS handshake on rediss://localhost:" + wrongTlsPort + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("No subject alternative DNS name matching localhost"), e.getMessage());
        assertTrue(e.getMessage().endsWith("name the host in redis.uri"), e.getMessage());
        try (Jedis plain = wrongName.client()) {
            assertFalse(plain.exists("driver:tls-wrong"));
        }
    }

    @Test
    void aCertificateFromAnUntrustedCaFailsTheTask() {
        task = start("rediss://localhost:" + goodTlsPort, null); // the JVM's trust store knows no test CA
        ConnectException e = assertThrows(ConnectException.class, () -> task.put(location("tls-untrusted")));
        assertFalse(e instanceof RetriableException, e.toString());
        assertTrue(e.getMessage().startsWith("TLS handshake on rediss://localhost:" + goodTlsPort + ": "), e.getMessage());
    }
}

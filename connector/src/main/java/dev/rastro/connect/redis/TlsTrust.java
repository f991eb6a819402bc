package dev.rastro.connect.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS settings for rediss://: which CAs to trust, and host name verification, which Jedis leaves off unless
 * asked (it would otherwise accept any certificate the trust store chains to, whatever name it carries).
 */
final class TlsTrust {

    private TlsTrust() {
    }

    /** Endpoint identification as HTTPS does it: the host in redis.uri must match the certificate's SAN. */
    static SSLParameters verifyingHostname() {
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    /**
     * A socket factory trusting exactly the CA certificates in a PEM file.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    static SSLSocketFactory load(String pemFile) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(Path.of(pemFile))) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + pemFile + "' cannot be read: " + e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("'" + pemFile + "' is not a PEM file of X.509 certificates: "
                    + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("'" + pemFile + "' holds no certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("'" + pemFile + "' cannot be used as a trust store: " + e);
        }
    }
}

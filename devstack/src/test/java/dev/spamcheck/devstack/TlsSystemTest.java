package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** HTTPS end to end with a certificate made for the test: PEM files, TLS 1.2+, HSTS. */
class TlsSystemTest {

    private static ConfigurableApplicationContext httpsGateway;
    private static X509Certificate certificate;
    private static int port;

    @BeforeAll
    static void startHttpsGateway() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair keys = generator.generateKeyPair();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=localhost"),
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=localhost"), keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));

        Path dir = Files.createDirectories(Path.of("target", "tls-test").toAbsolutePath());
        Path certFile = dir.resolve("gateway.crt");
        Path keyFile = dir.resolve("gateway.key");
        Files.writeString(certFile, pem(certificate));
        Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));

        httpsGateway = TestStack.get().startGateway(0, 0, Map.of(
                "spamcheck.tls.certificate", "file:" + certFile,
                "spamcheck.tls.private-key", "file:" + keyFile));
        port = ((WebServerApplicationContext) httpsGateway).getWebServer().getPort();
    }

    @AfterAll
    static void stop() {
        httpsGateway.close();
    }

    @Test
    void answersOverHttpsWithHsts() throws Exception {
        HttpResponse<String> response = client().send(lookup(), HttpResponse.BodyHandlers.ofString());
        TestStack.recordRequestId(response);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Strict-Transport-Security"))
                .hasValueSatisfying(hsts -> assertThat(hsts).contains("max-age="));
    }

    @Test
    void refusesTls11() throws Exception {
        // Written by hand: this JDK's own clients refuse TLS 1.1 before the server could. A
        // ClientHello offering TLS 1.1 at most, with suites TLS 1.1 has for either kind of
        // certificate (ECDHE with ECDSA, as this test's, or RSA; AES-CBC), so that a server taking
        // TLS 1.1 would answer with its ServerHello.
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(new byte[] {0x03, 0x02});
        body.write(random);
        body.write(new byte[] {0x00, 0x00, 0x08, (byte) 0xc0, 0x09, (byte) 0xc0, 0x0a, (byte) 0xc0, 0x13, 0x00, 0x2f,
                0x01, 0x00});
        int length = body.size();
        java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
        hello.write(new byte[] {0x16, 0x03, 0x02, 0x00, (byte) (length + 4), 0x01, 0x00, 0x00, (byte) length});
        body.writeTo(hello);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(hello.toByteArray());
            int first = socket.getInputStream().read();
            // A fatal alert, or the connection closed: anything but a handshake record (a ServerHello).
            assertThat(first).as("first byte of the server's answer").isIn(-1, 0x15);
        }
    }

    @Test
    void plainHttpOnTheHttpsPortGetsNoAnswer() {
        HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/spam_score"))
                .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"+12125550123\"}")).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString());
            TestStack.recordRequestId(response);
            assertThat(response.statusCode()).isNotEqualTo(200);
        }
        catch (java.net.http.HttpTimeoutException ex) {
            throw new AssertionError("The TLS port held a plain HTTP request unanswered instead of closing it", ex);
        }
        catch (IOException ex) {
            // The TLS server closed the connection: the request never reached the gateway.
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void requestsTheServerCannotReadAreProblemsOverHttpsToo() throws Exception {
        RawHttp.Response longLine = RawHttp.send(tlsSocket(), "GET", "/api/v1/" + "a".repeat(5000), List.of(), null);
        HostileRequestsSystemTest.assertProblem(longLine, 414, "uri_too_long");
        RawHttp.Response escape = RawHttp.send(tlsSocket(), "GET", "/api/v1/%zz", List.of(), null);
        HostileRequestsSystemTest.assertProblem(escape, 400, "invalid_request");
        assertThat(escape.header("Strict-Transport-Security")).isPresent();
    }

    private static java.net.Socket tlsSocket() throws Exception {
        return sslContext().getSocketFactory().createSocket("127.0.0.1", port);
    }

    private static HttpRequest lookup() {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/spam_score"))
                .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\"}"))
                .build();
    }

    private static SSLContext sslContext() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("gateway", certificate);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        return tls;
    }

    private static HttpClient client() throws Exception {
        return HttpClient.newBuilder().sslContext(sslContext()).build();
    }

    private static String pem(Object value) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(value);
        }
        return out.toString();
    }
}

package dev.spamcheck.schemas.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The devstack's database speaks only TLS, as Supabase does, and the services verify it as they
 * must in production ({@code SPAMCHECK_DB_SSL_MODE=verify-full}): a CA of the devstack's own, made
 * on every start, and a server certificate for 127.0.0.1 and localhost signed by it.
 *
 * @param caCertificate the PEM file clients verify against ({@code SPAMCHECK_DB_SSL_ROOT_CERT})
 * @param serverCertificate the server's certificate ({@code ssl_cert_file})
 * @param serverKey the server's private key ({@code ssl_key_file}), readable by its owner only
 */
public record DatabaseTls(Path caCertificate, Path serverCertificate, Path serverKey) {

    public static DatabaseTls create(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            KeyPair caKeys = keys();
            X509Certificate ca = sign(new JcaX509v3CertificateBuilder(new X500Name("CN=spamcheck devstack database CA"),
                    serial(), notBefore(), notAfter(), new X500Name("CN=spamcheck devstack database CA"), caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)),
                    caKeys.getPrivate());
            KeyPair serverKeys = keys();
            X509Certificate server = sign(new JcaX509v3CertificateBuilder(ca, serial(), notBefore(), notAfter(),
                    new X500Name("CN=localhost"), serverKeys.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")})),
                    caKeys.getPrivate());
            DatabaseTls tls = new DatabaseTls(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"));
            Files.writeString(tls.caCertificate, pem(ca));
            Files.writeString(tls.serverCertificate, pem(server));
            Files.deleteIfExists(tls.serverKey);
            // PostgreSQL refuses a key others may read.
            Files.createFile(tls.serverKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tls.serverKey, pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null)));
            return tls;
        }
        catch (GeneralSecurityException | OperatorCreationException ex) {
            throw new IOException("Cannot create the database's certificates: " + ex.getMessage(), ex);
        }
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(Duration.ofDays(365)));
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return text.toString();
    }
}

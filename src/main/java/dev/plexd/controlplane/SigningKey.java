package dev.plexd.controlplane;

import dev.plexd.api.Ed25519Keys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The development control plane's Ed25519 event-signing key: a PKCS#8 PEM file as
 * {@code openssl genpkey -algorithm ed25519} writes it, created with mode 0600 when absent.
 */
final class SigningKey {

    private static final Logger log = LoggerFactory.getLogger(SigningKey.class);
    /** PKCS#8 v1 header of an Ed25519 private key; the 32-byte seed follows. */
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private SigningKey(KeyPair pair) {
        this.privateKey = pair.getPrivate();
        this.publicKey = pair.getPublic();
    }

    static SigningKey loadOrCreate(Path file) throws IOException {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return create(file);
        }
        return new SigningKey(parse(pem, file));
    }

    private static SigningKey create(Path file) throws IOException {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pair.getPrivate().getEncoded());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, BEGIN + "\n" + body + "\n" + END + "\n", StandardCharsets.US_ASCII);
            log.atInfo().addKeyValue("file", file.toString()).log("signing key created");
            return new SigningKey(pair);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    private static KeyPair parse(String pem, Path file) throws IOException {
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IOException("signing key " + file + ": not a PEM \"PRIVATE KEY\" (make one with "
                    + "openssl genpkey -algorithm ed25519)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IOException("signing key " + file + ": PEM body is not base64", e);
        }
        if (der.length != PKCS8_PREFIX.length + 32 || !Arrays.equals(der, 0, PKCS8_PREFIX.length, PKCS8_PREFIX, 0, PKCS8_PREFIX.length)) {
            throw new IOException("signing key " + file + ": not an Ed25519 PKCS#8 private key");
        }
        byte[] seed = Arrays.copyOfRange(der, PKCS8_PREFIX.length, der.length);
        try {
            // The JDK derives the public key only while generating: generate from the known seed.
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, new FixedSeed(seed));
            KeyPair pair = generator.generateKeyPair();
            PrivateKey loaded = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            if (!Arrays.equals(pair.getPrivate().getEncoded(), loaded.getEncoded())) {
                throw new IOException("signing key " + file + ": could not derive its public key");
            }
            return pair;
        } catch (GeneralSecurityException e) {
            throw new IOException("signing key " + file + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** Hands out the given seed as the "random" private key bytes. */
    private static final class FixedSeed extends SecureRandom {
        private final byte[] seed;

        FixedSeed(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (bytes.length != seed.length) {
                throw new IllegalStateException("unexpected request for " + bytes.length + " random bytes");
            }
            System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
    }

    String publicKeyBase64() {
        return Ed25519Keys.encodePublic(publicKey);
    }

    /** Base64 Ed25519 signature of {@code message}. */
    String sign(byte[] message) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey);
            signer.update(message);
            return Base64.getEncoder().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}

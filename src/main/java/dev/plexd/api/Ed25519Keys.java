package dev.plexd.api;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Ed25519 public keys as the control plane exchanges them: base64 of the raw 32 bytes. */
public final class Ed25519Keys {

    public static final int KEY_LENGTH = 32;

    /** The fixed DER header of an Ed25519 SubjectPublicKeyInfo; the raw key follows it. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private Ed25519Keys() {
    }

    /**
     * @param what names the key in the error, e.g. {@code "signing_keys.current"}
     * @throws IllegalArgumentException when the text is not base64 of 32 bytes
     */
    public static PublicKey decodePublic(String base64, String what) {
        if (base64 == null || base64.isEmpty()) {
            throw new IllegalArgumentException(what + ": missing");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": not valid base64", e);
        }
        if (raw.length != KEY_LENGTH) {
            throw new IllegalArgumentException(what + ": must be " + KEY_LENGTH + " bytes, got " + raw.length);
        }
        byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_LENGTH);
        System.arraycopy(raw, 0, der, X509_PREFIX.length, KEY_LENGTH);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(what + ": not an Ed25519 public key", e);
        }
    }

    /** Base64 of the raw 32 bytes of a JDK Ed25519 public key. */
    public static String encodePublic(PublicKey key) {
        byte[] der = key.getEncoded();
        if (der.length != X509_PREFIX.length + KEY_LENGTH
                || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(der, X509_PREFIX.length, der.length));
    }
}

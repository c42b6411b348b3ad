package dev.plexd.wireguard;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;

/**
 * Curve25519 Diffie-Hellman through the JDK's {@code X25519} provider, on WireGuard's raw 32-byte
 * little-endian keys. The JDK clamps private scalars itself and rejects a shared secret of zero
 * (a small-order peer key), which is the check the WireGuard paper asks for.
 */
public final class X25519 {

    public static final int KEY_LENGTH = 32;

    private static final byte[] BASE_POINT = basePoint();
    private static final SecureRandom RANDOM = new SecureRandom();

    private X25519() {
    }

    /** A fresh clamped private key (as {@code wg genkey} writes it). */
    public static byte[] generatePrivateKey() {
        byte[] key = new byte[KEY_LENGTH];
        RANDOM.nextBytes(key);
        key[0] &= (byte) 248;
        key[31] &= 127;
        key[31] |= 64;
        return key;
    }

    /** The public key of a private key: {@code DH(private, 9)}. */
    public static byte[] publicKey(byte[] privateKey) {
        try {
            return sharedSecret(privateKey, BASE_POINT);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("X25519 with the base point cannot fail", e);
        }
    }

    /**
     * {@code DH(private, public)}.
     *
     * @throws InvalidKeyException when the result is zero (the peer key has small order)
     */
    public static byte[] sharedSecret(byte[] privateKey, byte[] publicKey) throws InvalidKeyException {
        try {
            javax.crypto.KeyAgreement agreement = javax.crypto.KeyAgreement.getInstance("X25519");
            agreement.init(toPrivate(privateKey));
            agreement.doPhase(toPublic(publicKey), true);
            return agreement.generateSecret();
        } catch (InvalidKeyException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK X25519 unavailable", e);
        }
    }

    /** A private key for the JDK from raw bytes (not copied by the JDK beyond its own clone). */
    static PrivateKey toPrivate(byte[] raw) throws GeneralSecurityException {
        return KeyFactory.getInstance("X25519").generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, raw));
    }

    /** RFC 7748: the u-coordinate is little-endian with the top bit masked. */
    static PublicKey toPublic(byte[] raw) throws GeneralSecurityException {
        if (raw.length != KEY_LENGTH) {
            throw new InvalidKeyException("X25519 public key must be 32 bytes");
        }
        byte[] bigEndian = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++) {
            bigEndian[i] = raw[KEY_LENGTH - 1 - i];
        }
        bigEndian[0] &= 0x7f;
        BigInteger u = new BigInteger(1, bigEndian);
        return KeyFactory.getInstance("X25519").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
    }

    private static byte[] basePoint() {
        byte[] nine = new byte[KEY_LENGTH];
        nine[0] = 9;
        return nine;
    }

    /** True when every byte is zero (an unset key). */
    public static boolean isZero(byte[] key) {
        int acc = 0;
        for (byte b : key) {
            acc |= b;
        }
        return acc == 0;
    }

    public static void wipe(byte[] key) {
        if (key != null) {
            Arrays.fill(key, (byte) 0);
        }
    }
}

package dev.plexd.tunnel.crypto;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * ChaCha20-Poly1305 (RFC 8439) through the JDK's {@code Cipher}, whose ChaCha20 and Poly1305 run as
 * AVX2/AVX-512 intrinsics. WireGuard's nonce is 32 zero bits followed by the 64-bit little-endian
 * counter. One instance per thread: a {@code Cipher} is not thread-safe.
 *
 * <p>Heap arrays in and out are the JDK's lowest-allocation path (direct buffers make it copy
 * through temporary arrays). Every packet needs a {@code Cipher.init}, and what it allocates is
 * the JDK's: the engine and Poly1305 state, its own copy of the key (it keeps the array
 * {@code getEncoded()} returns and zeroes it at the next init, so the key must hand out a copy)
 * and of the nonce ({@code IvParameterSpec} copies in and out; no spec can be reused because the
 * nonce changes per packet). docs/dataplane.md has the measured bytes per packet.
 *
 * <p>The JDK cipher keeps the last key it was initialised with until the next init; {@link #forget}
 * replaces it with a throwaway key when a session is erased.
 */
public final class ChaChaPoly {

    public static final int TAG_LENGTH = 16;
    public static final int KEY_LENGTH = 32;

    /** Public and constant: what {@link #forget} leaves in the cipher instead of a session key. */
    private static final SecretKey THROWAWAY = new SecretKeySpec(new byte[KEY_LENGTH], "ChaCha20");
    private static final IvParameterSpec THROWAWAY_NONCE = new IvParameterSpec(new byte[12]);

    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    public ChaChaPoly() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK ChaCha20-Poly1305 unavailable", e);
        }
    }

    /** A cipher key from 32 raw bytes (copied). */
    public static WipeableKey key(byte[] raw) {
        return new WipeableKey(raw);
    }

    /**
     * Encrypts {@code in[inOffset, inOffset+length)} into {@code out} at {@code outOffset} (the two
     * may be the same range) and appends the tag.
     *
     * @param aad additional data, or null
     * @return {@code length + 16}
     */
    public int seal(SecretKey key, long counter, byte[] aad, byte[] in, int inOffset, int length, byte[] out, int outOffset) {
        try {
            init(Cipher.ENCRYPT_MODE, key, counter, aad);
            return cipher.doFinal(in, inOffset, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
        }
    }

    /**
     * Verifies and decrypts {@code in[inOffset, inOffset+length)} (ciphertext and tag) into
     * {@code out}; nothing is written when the tag does not match.
     *
     * @return the plaintext length, {@code length - 16}
     * @throws AEADBadTagException when the data is not authentic (or shorter than a tag)
     */
    public int open(SecretKey key, long counter, byte[] aad, byte[] in, int inOffset, int length, byte[] out, int outOffset)
            throws AEADBadTagException {
        if (length < TAG_LENGTH) {
            throw new AEADBadTagException("shorter than a tag");
        }
        try {
            init(Cipher.DECRYPT_MODE, key, counter, aad);
            return cipher.doFinal(in, inOffset, length, out, outOffset);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 open failed", e);
        }
    }

    /** Convenience for handshake fields: seals a whole array with a zero counter. */
    public byte[] seal(SecretKey key, byte[] aad, byte[] plaintext) {
        byte[] out = new byte[plaintext.length + TAG_LENGTH];
        seal(key, 0, aad, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /**
     * Re-initialises the JDK cipher with a throwaway key, so that neither its copy of the last key
     * nor the state derived from it stays reachable (it zeroes the old copy itself). Decrypt mode:
     * the JDK's "same key and nonce" check applies to encryption only, so this may repeat.
     */
    public void forget() {
        try {
            cipher.init(Cipher.DECRYPT_MODE, THROWAWAY, THROWAWAY_NONCE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 re-init failed", e);
        }
    }

    private void init(int mode, SecretKey key, long counter, byte[] aad) throws GeneralSecurityException {
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        cipher.init(mode, key, new IvParameterSpec(nonce));
        if (aad != null) {
            cipher.updateAAD(aad);
        }
    }
}

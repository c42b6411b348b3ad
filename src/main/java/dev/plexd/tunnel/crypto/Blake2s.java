package dev.plexd.tunnel.crypto;

import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The WireGuard paper's hash-based functions (§5.4): {@code HASH} (BLAKE2s-256), {@code MAC}
 * (keyed BLAKE2s-128), {@code HMAC} (RFC 2104 over BLAKE2s-256) and {@code KDF_n} (HKDF with that
 * HMAC). BLAKE2s comes from BouncyCastle because the JDK has none. Handshake-path code: these
 * allocate, the per-packet path never calls them.
 */
public final class Blake2s {

    public static final int HASH_LENGTH = 32;
    public static final int MAC_LENGTH = 16;

    private Blake2s() {
    }

    /** {@code HASH(a || b || …)}. */
    public static byte[] hash(byte[]... parts) {
        Blake2sDigest digest = new Blake2sDigest(256);
        for (byte[] part : parts) {
            digest.update(part, 0, part.length);
        }
        byte[] out = new byte[HASH_LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    /** {@code MAC(key, data[offset, offset+length))}: keyed BLAKE2s with a 16-byte output. */
    public static byte[] mac(byte[] key, byte[] data, int offset, int length) {
        Blake2sDigest digest = new Blake2sDigest(key, MAC_LENGTH, null, null);
        digest.update(data, offset, length);
        byte[] out = new byte[MAC_LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    /** {@code HMAC(key, a || b || …)} with BLAKE2s-256 and its 64-byte block. */
    public static byte[] hmac(byte[] key, byte[]... parts) {
        HMac hmac = new HMac(new Blake2sDigest(256));
        hmac.init(new KeyParameter(key));
        for (byte[] part : parts) {
            hmac.update(part, 0, part.length);
        }
        byte[] out = new byte[HASH_LENGTH];
        hmac.doFinal(out, 0);
        return out;
    }

    /**
     * {@code KDF_n(key, input)}: {@code τ0 = HMAC(key, input)}, {@code τ1 = HMAC(τ0, 0x1)},
     * {@code τi = HMAC(τ0, τ(i-1) || i)}; returns {@code τ1 … τn}.
     */
    public static byte[][] kdf(int n, byte[] key, byte[] input) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("KDF outputs 1 to 3 keys, asked for " + n);
        }
        byte[] prk = hmac(key, input);
        byte[][] out = new byte[n][];
        byte[] previous = new byte[0];
        for (int i = 0; i < n; i++) {
            out[i] = hmac(prk, previous, new byte[]{(byte) (i + 1)});
            previous = out[i];
        }
        java.util.Arrays.fill(prk, (byte) 0);
        return out;
    }
}

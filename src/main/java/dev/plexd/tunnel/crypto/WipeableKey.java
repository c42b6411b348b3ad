package dev.plexd.tunnel.crypto;

import javax.crypto.SecretKey;
import java.util.Arrays;

/**
 * A raw ChaCha20 key that can really be zeroed: {@code SecretKeySpec} cannot be destroyed, but
 * WireGuard must erase session keys after 3 × Reject-After-Time. One instance per direction of a
 * session ({@code Keypair}), used for every packet of it.
 *
 * <p>The JDK cipher asks for the RAW encoding at every {@code init}, keeps the returned array as
 * its own and zero-fills it at the next {@code init}: handing out the internal array would let the
 * cipher zero the live key, so {@link #getEncoded} must copy (32 bytes, as {@code SecretKeySpec}
 * does).
 */
public final class WipeableKey implements SecretKey {

    private final byte[] key;
    private volatile boolean destroyed;

    public WipeableKey(byte[] raw) {
        if (raw.length != ChaChaPoly.KEY_LENGTH) {
            throw new IllegalArgumentException("ChaCha20 key must be 32 bytes");
        }
        this.key = raw.clone();
    }

    @Override
    public String getAlgorithm() {
        return "ChaCha20";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    /** @throws IllegalStateException once destroyed, so a wiped key can never encrypt with zeros */
    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        return key.clone();
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }
}

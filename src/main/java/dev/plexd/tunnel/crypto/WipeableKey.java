package dev.plexd.tunnel.crypto;

import javax.crypto.SecretKey;
import java.util.Arrays;

/**
 * A raw ChaCha20 key that can really be zeroed: {@code SecretKeySpec} cannot be destroyed, but
 * WireGuard must erase session keys after 3 × Reject-After-Time. The JDK cipher only asks a key
 * for its RAW encoding, which it copies at every {@code init}.
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

package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.Blake2s;

import java.nio.charset.StandardCharsets;

/** The protocol's constant strings and the hash/chaining-key values every handshake starts from. */
public final class Labels {

    public static final String CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
    public static final String IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com";
    public static final byte[] MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);

    /** {@code C = HASH(CONSTRUCTION)}. */
    static final byte[] INITIAL_CHAIN_KEY = Blake2s.hash(CONSTRUCTION.getBytes(StandardCharsets.US_ASCII));
    /** {@code H = HASH(C || IDENTIFIER)}. */
    static final byte[] INITIAL_HASH = Blake2s.hash(INITIAL_CHAIN_KEY, IDENTIFIER.getBytes(StandardCharsets.US_ASCII));

    private Labels() {
    }

    public static byte[] initialChainKey() {
        return INITIAL_CHAIN_KEY.clone();
    }

    public static byte[] initialHash() {
        return INITIAL_HASH.clone();
    }
}

package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.Blake2s;
import dev.plexd.tunnel.crypto.XChaChaPoly;

import javax.crypto.AEADBadTagException;
import java.time.Duration;
import java.util.Arrays;

/**
 * The sending side of WireGuard's DoS protection for one peer (paper §5.4.4, §5.4.7): writes
 * mac1 (keyed with the peer's public key) and, while we hold a fresh cookie from that peer, mac2
 * into our handshake messages, and takes in the peer's cookie replies. Thread-safe.
 */
public final class CookieGenerator {

    /** A cookie is used for this long after it arrived. */
    public static final Duration COOKIE_LIFETIME = Duration.ofSeconds(120);

    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private byte[] lastMac1;
    private byte[] cookie;
    private long cookieSetNanos;

    public CookieGenerator(byte[] peerPublicKey) {
        this.mac1Key = Blake2s.hash(Labels.MAC1, peerPublicKey);
        this.cookieKey = Blake2s.hash(Labels.COOKIE, peerPublicKey);
    }

    /**
     * Fills mac1 and mac2 of an initiation or response in place.
     *
     * @param mac1Offset {@link Messages#INITIATION_MAC1} or {@link Messages#RESPONSE_MAC1}; mac2 follows it
     */
    public synchronized void addMacs(byte[] msg, int mac1Offset, long nowNanos) {
        byte[] mac1 = Blake2s.mac(mac1Key, msg, 0, mac1Offset);
        System.arraycopy(mac1, 0, msg, mac1Offset, Blake2s.MAC_LENGTH);
        lastMac1 = mac1;
        int mac2Offset = mac1Offset + Blake2s.MAC_LENGTH;
        if (cookie != null && nowNanos - cookieSetNanos < COOKIE_LIFETIME.toNanos()) {
            System.arraycopy(Blake2s.mac(cookie, msg, 0, mac2Offset), 0, msg, mac2Offset, Blake2s.MAC_LENGTH);
        } else {
            Arrays.fill(msg, mac2Offset, mac2Offset + Blake2s.MAC_LENGTH, (byte) 0);
        }
    }

    /**
     * Takes in a cookie reply to the last message we sent this peer.
     *
     * @return false when it does not answer our last mac1 or is not authentic
     */
    public synchronized boolean consumeReply(byte[] reply, long nowNanos) {
        if (lastMac1 == null || reply.length != Messages.COOKIE_REPLY_SIZE) {
            return false;
        }
        byte[] nonce = Arrays.copyOfRange(reply, Messages.COOKIE_REPLY_NONCE, Messages.COOKIE_REPLY_NONCE + XChaChaPoly.NONCE_LENGTH);
        try {
            cookie = XChaChaPoly.open(cookieKey, nonce, lastMac1, reply, Messages.COOKIE_REPLY_COOKIE, 32);
        } catch (AEADBadTagException e) {
            return false;
        }
        cookieSetNanos = nowNanos;
        lastMac1 = null;
        return true;
    }
}

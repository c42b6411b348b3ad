package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.Blake2s;
import dev.plexd.tunnel.crypto.XChaChaPoly;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * The receiving side of WireGuard's DoS protection (paper §5.4.7): checks mac1 of every handshake
 * message sent to us and, under load, mac2 — a MAC under a cookie that only a sender who can
 * receive at its claimed address holds. Cookies are {@code MAC(R, address)} for a random secret
 * {@code R} replaced every two minutes. Thread-safe.
 */
public final class CookieChecker {

    public static final Duration SECRET_LIFETIME = Duration.ofSeconds(120);

    private final SecureRandom random = new SecureRandom();
    private final StaticIdentity identity;
    private final byte[] secret = new byte[32];
    private long secretSetNanos;
    private boolean secretSet;

    public CookieChecker(StaticIdentity identity) {
        this.identity = identity;
    }

    /** True if mac1 was computed with our public key (the sender knows who we are). */
    public boolean checkMac1(byte[] msg, int mac1Offset) {
        byte[] expected = Blake2s.mac(identity.mac1Key(), msg, 0, mac1Offset);
        return MessageDigest.isEqual(expected, java.util.Arrays.copyOfRange(msg, mac1Offset, mac1Offset + Blake2s.MAC_LENGTH));
    }

    /**
     * True if mac2 carries the cookie we would give {@code source} (IP bytes and port) now.
     * Without a current secret no cookie was handed out, so nothing can pass.
     */
    public synchronized boolean checkMac2(byte[] msg, int mac1Offset, byte[] source, long nowNanos) {
        if (!secretSet || nowNanos - secretSetNanos > SECRET_LIFETIME.toNanos()) {
            return false;
        }
        byte[] cookie = Blake2s.mac(secret, source, 0, source.length);
        int mac2Offset = mac1Offset + Blake2s.MAC_LENGTH;
        byte[] expected = Blake2s.mac(cookie, msg, 0, mac2Offset);
        return MessageDigest.isEqual(expected, java.util.Arrays.copyOfRange(msg, mac2Offset, mac2Offset + Blake2s.MAC_LENGTH));
    }

    /**
     * The cookie reply to {@code msg} from {@code source}: the cookie encrypted with our cookie key,
     * bound to the message's mac1.
     *
     * @param receiverIndex the sender index of {@code msg}
     */
    public synchronized byte[] createReply(byte[] msg, int mac1Offset, int receiverIndex, byte[] source, long nowNanos) {
        if (!secretSet || nowNanos - secretSetNanos > SECRET_LIFETIME.toNanos()) {
            random.nextBytes(secret);
            secretSetNanos = nowNanos;
            secretSet = true;
        }
        byte[] cookie = Blake2s.mac(secret, source, 0, source.length);
        byte[] nonce = new byte[XChaChaPoly.NONCE_LENGTH];
        random.nextBytes(nonce);
        byte[] mac1 = java.util.Arrays.copyOfRange(msg, mac1Offset, mac1Offset + Blake2s.MAC_LENGTH);
        byte[] encrypted = XChaChaPoly.seal(identity.cookieKey(), nonce, mac1, cookie);
        byte[] reply = new byte[Messages.COOKIE_REPLY_SIZE];
        Messages.putInt(reply, 0, Messages.TYPE_COOKIE_REPLY);
        Messages.putInt(reply, Messages.COOKIE_REPLY_RECEIVER, receiverIndex);
        System.arraycopy(nonce, 0, reply, Messages.COOKIE_REPLY_NONCE, nonce.length);
        System.arraycopy(encrypted, 0, reply, Messages.COOKIE_REPLY_COOKIE, encrypted.length);
        return reply;
    }
}

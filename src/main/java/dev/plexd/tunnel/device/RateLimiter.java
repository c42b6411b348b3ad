package dev.plexd.tunnel.device;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Handshake messages per source address while under load (wireguard-go's ratelimiter): a token
 * bucket of 20 per second with a burst of 5. Used only by the control thread.
 */
final class RateLimiter {

    private static final long PER_PACKET = 1_000_000_000L / 20;
    private static final long BURST = 5 * PER_PACKET;
    private static final long FORGET_AFTER = 1_000_000_000L;

    private static final class Bucket {
        long tokens = BURST;
        long last;
    }

    private final Map<InetAddress, Bucket> buckets = new HashMap<>();

    boolean allow(InetAddress source, long now) {
        Bucket b = buckets.computeIfAbsent(source, k -> new Bucket());
        if (b.last != 0) {
            b.tokens = Math.min(BURST, b.tokens + (now - b.last));
        }
        b.last = now;
        if (b.tokens < PER_PACKET) {
            return false;
        }
        b.tokens -= PER_PACKET;
        return true;
    }

    /** Drops buckets idle for a second (they would be full again anyway). */
    void expire(long now) {
        buckets.values().removeIf(b -> now - b.last > FORGET_AFTER);
    }
}

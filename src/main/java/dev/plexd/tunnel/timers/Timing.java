package dev.plexd.tunnel.timers;

import java.util.concurrent.ThreadLocalRandom;

/** The protocol's time and message limits (WireGuard paper §6.1, as wireguard-go names them). */
public final class Timing {

    public static final long SECOND = 1_000_000_000L;

    /** The initiator re-keys once the current key is this old… */
    public static final long REKEY_AFTER_TIME = 120 * SECOND;
    /** …and nobody uses a key this old. */
    public static final long REJECT_AFTER_TIME = 180 * SECOND;
    /** Handshake initiations are retried for this long before giving up. */
    public static final long REKEY_ATTEMPT_TIME = 90 * SECOND;
    /** Retry interval for an unanswered initiation, and the minimum gap between initiations. */
    public static final long REKEY_TIMEOUT = 5 * SECOND;
    public static final int MAX_TIMER_HANDSHAKES = (int) (REKEY_ATTEMPT_TIME / REKEY_TIMEOUT);
    public static final long REKEY_TIMEOUT_JITTER_MAX = 334_000_000L;
    /** A keepalive follows received data after this long if we sent nothing. */
    public static final long KEEPALIVE_TIMEOUT = 10 * SECOND;
    /** Key material is erased after this long without a new session. */
    public static final long ZERO_KEYS_AFTER = 3 * REJECT_AFTER_TIME;
    /** The receiving initiator re-keys when its key is this old, so a session never lapses. */
    public static final long REKEY_ON_RECEIVE_AFTER = REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;

    private Timing() {
    }

    /** Uniform in {@code [0, 334 ms)}: spreads retries so peers do not initiate in lock-step. */
    public static long jitter() {
        return ThreadLocalRandom.current().nextLong(REKEY_TIMEOUT_JITTER_MAX);
    }
}

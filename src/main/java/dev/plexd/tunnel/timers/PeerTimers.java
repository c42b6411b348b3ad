package dev.plexd.tunnel.timers;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static dev.plexd.tunnel.timers.Timing.*;

/**
 * One peer's timer state machine (WireGuard paper §6, with wireguard-go's timers.go as the
 * reference for the details). Packet threads only stamp times — lock-free, no allocation — and
 * {@link #tick} (called by the device's control thread, or by a test with an injected clock)
 * decides what is due and asks {@link Actions} to do it:
 *
 * <ul>
 *   <li>retransmit an unanswered initiation every 5 s + jitter, giving up after 90 s;</li>
 *   <li>send a keepalive 10 s after receiving data if we sent nothing back;</li>
 *   <li>start a new handshake 15 s + jitter after sending data if nothing came back;</li>
 *   <li>send a persistent keepalive after the configured interval without traffic;</li>
 *   <li>erase all key material 3 × Reject-After-Time (540 s) after the last new session.</li>
 * </ul>
 */
public final class PeerTimers {

    /** What the timers make the peer do; called on the ticking thread. */
    public interface Actions {
        void sendHandshakeInitiation(boolean retry);

        void sendKeepalive();

        /** The handshake was retried for Rekey-Attempt-Time without an answer. */
        void handshakeGaveUp();

        void zeroKeyMaterial();
    }

    private final Actions actions;
    private final LongSupplier jitter;

    // Stamped by the packet threads; 0 = none.
    private final AtomicLong dataSentUnanswered = new AtomicLong();
    private final AtomicLong dataReceivedUnanswered = new AtomicLong();
    private volatile long lastDataReceived;
    private volatile long lastAuthenticatedSent;
    private volatile long lastAuthenticatedReceived;
    private final AtomicBoolean sentLastMinuteHandshake = new AtomicBoolean();

    // Owned by the ticking thread and handshake events, under the lock.
    private long retransmitAt;
    private long zeroKeysAt;
    private long persistentFiredAt;
    private int handshakeAttempts;
    private long newHandshakeJitter;
    private volatile int persistentKeepaliveSeconds;
    private boolean running = true;

    public PeerTimers(Actions actions) {
        this(actions, Timing::jitter);
    }

    /** @param jitter source of the retry jitter, {@code [0, 334 ms)} */
    public PeerTimers(Actions actions, LongSupplier jitter) {
        this.actions = actions;
        this.jitter = jitter;
        this.newHandshakeJitter = jitter.getAsLong();
    }

    /** An authenticated packet left (data, keepalive or handshake message). */
    public void authenticatedSent(long now, boolean data) {
        lastAuthenticatedSent = now;
        if (dataReceivedUnanswered.get() != 0) {
            dataReceivedUnanswered.set(0);
        }
        if (data && dataSentUnanswered.get() == 0) {
            dataSentUnanswered.compareAndSet(0, now);
        }
    }

    /** An authenticated packet arrived (data, keepalive or handshake message). */
    public void authenticatedReceived(long now, boolean data) {
        lastAuthenticatedReceived = now;
        if (dataSentUnanswered.get() != 0) {
            dataSentUnanswered.set(0);
        }
        if (data) {
            lastDataReceived = now;
            if (dataReceivedUnanswered.get() == 0) {
                dataReceivedUnanswered.compareAndSet(0, now);
            }
        }
    }

    /** We sent an initiation: retry it unless answered. A fresh (non-retry) attempt restarts the count. */
    public synchronized void handshakeInitiated(long now, boolean retry) {
        if (!retry) {
            handshakeAttempts = 0;
        }
        retransmitAt = now + REKEY_TIMEOUT + jitter.getAsLong();
    }

    /** A handshake finished (we got the response, or the first packet on a session we answered). */
    public synchronized void handshakeComplete() {
        retransmitAt = 0;
        handshakeAttempts = 0;
        sentLastMinuteHandshake.set(false);
    }

    /** New session keys exist: postpone erasing key material. */
    public synchronized void sessionDerived(long now) {
        zeroKeysAt = now + ZERO_KEYS_AFTER;
    }

    /**
     * The receive path's once-per-session claim to re-key an old session it initiated
     * (Reject-After-Time − Keepalive − Rekey-Timeout), so it is replaced before it expires.
     */
    public boolean claimLastMinuteHandshake() {
        return sentLastMinuteHandshake.compareAndSet(false, true);
    }

    public void setPersistentKeepalive(int seconds) {
        persistentKeepaliveSeconds = seconds;
    }

    public int persistentKeepalive() {
        return persistentKeepaliveSeconds;
    }

    /** Stops every timer for good (the peer was removed or the device closed). */
    public synchronized void stop() {
        running = false;
    }

    /** Runs every timer that is due at {@code now}. */
    public synchronized void tick(long now) {
        if (!running) {
            return;
        }
        if (retransmitAt != 0 && now >= retransmitAt) {
            retransmitAt = 0;
            if (handshakeAttempts > MAX_TIMER_HANDSHAKES) {
                actions.handshakeGaveUp();
                if (zeroKeysAt == 0) {
                    zeroKeysAt = now + ZERO_KEYS_AFTER;
                }
            } else {
                handshakeAttempts++;
                actions.sendHandshakeInitiation(true);
            }
        }

        long sent = dataSentUnanswered.get();
        if (sent != 0 && now >= sent + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + newHandshakeJitter) {
            dataSentUnanswered.compareAndSet(sent, 0);
            newHandshakeJitter = jitter.getAsLong();
            actions.sendHandshakeInitiation(false);
        }

        long received = dataReceivedUnanswered.get();
        if (received != 0 && now >= received + KEEPALIVE_TIMEOUT) {
            boolean receivedMore = lastDataReceived > received;
            actions.sendKeepalive();
            // Data that arrived while this keepalive was pending gets its own, one interval later.
            dataReceivedUnanswered.set(receivedMore ? now : 0);
        }

        int interval = persistentKeepaliveSeconds;
        if (interval > 0) {
            long last = Math.max(Math.max(lastAuthenticatedSent, lastAuthenticatedReceived), persistentFiredAt);
            if (last == 0 || now >= last + interval * SECOND) {
                persistentFiredAt = now;
                actions.sendKeepalive();
            }
        }

        if (zeroKeysAt != 0 && now >= zeroKeysAt) {
            zeroKeysAt = 0;
            actions.zeroKeyMaterial();
        }
    }

    /** Attempts since the last fresh initiation (for tests and diagnostics). */
    public synchronized int handshakeAttempts() {
        return handshakeAttempts;
    }
}

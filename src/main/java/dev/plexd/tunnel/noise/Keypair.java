package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.ChaChaPoly;
import dev.plexd.tunnel.crypto.WipeableKey;
import dev.plexd.tunnel.replay.ReplayWindow;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One session's transport keys (paper §5.4.6): the send key with its message counter, the receive
 * key with its replay window, and the two indices that name the session on the wire.
 */
public final class Keypair {

    /** The initiator starts a new handshake once this many messages were sent with a key. */
    public static final long REKEY_AFTER_MESSAGES = 1L << 60;

    private final WipeableKey sendKey;
    private final WipeableKey receiveKey;
    private final int localIndex;
    private final int remoteIndex;
    private final boolean initiator;
    private final long createdNanos;
    private final AtomicLong sendCounter = new AtomicLong();
    private final ReplayWindow replay = new ReplayWindow();

    public Keypair(Handshake.SessionKeys keys, long createdNanos) {
        this.sendKey = ChaChaPoly.key(keys.sendKey());
        this.receiveKey = ChaChaPoly.key(keys.receiveKey());
        this.localIndex = keys.localIndex();
        this.remoteIndex = keys.remoteIndex();
        this.initiator = keys.initiator();
        this.createdNanos = createdNanos;
    }

    public WipeableKey sendKey() {
        return sendKey;
    }

    public WipeableKey receiveKey() {
        return receiveKey;
    }

    public int localIndex() {
        return localIndex;
    }

    public int remoteIndex() {
        return remoteIndex;
    }

    public boolean initiator() {
        return initiator;
    }

    public long createdNanos() {
        return createdNanos;
    }

    /**
     * Takes the next send counter.
     *
     * @return the counter, or -1 once the key has sent {@link ReplayWindow#REJECT_AFTER_MESSAGES}
     *         messages and must not send more
     */
    public long nextSendCounter() {
        long counter = sendCounter.getAndIncrement();
        return Long.compareUnsigned(counter, ReplayWindow.REJECT_AFTER_MESSAGES) >= 0 ? -1 : counter;
    }

    /**
     * Moves the send counter so tests reach the message limits without sending 2^60 packets;
     * package-private, so only tests in this package (and their public helper) can call it.
     */
    void setNextSendCounter(long next) {
        sendCounter.set(next);
    }

    /** The number of counters handed out so far. */
    public long sentMessages() {
        return sendCounter.get();
    }

    /** Only the receiving thread touches the window. */
    public ReplayWindow replay() {
        return replay;
    }

    public boolean isWiped() {
        return sendKey.isDestroyed();
    }

    public void wipe() {
        sendKey.destroy();
        receiveKey.destroy();
    }
}

package dev.plexd.tunnel.device;

import dev.plexd.tunnel.crypto.ChaChaPoly;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A packet thread's cipher, and how another thread makes it forget the last session key it used.
 * The JDK {@code Cipher} keeps that key until its next init, so when sessions are erased an idle
 * packet thread would hold it indefinitely. {@link #forget} never blocks (it runs under the device
 * lock, which a packet thread may be waiting for): it scrubs at once when the owner is between
 * runs of packets, else the owner scrubs when its run ends.
 *
 * <p>The owner brackets each run of packets with {@link #begin}/{@link #end} — an uncontended lock,
 * once per batch or TUN read, not per cipher call.
 */
final class ThreadCipher {

    private final ChaChaPoly aead = new ChaChaPoly();
    private final ReentrantLock inUse = new ReentrantLock();
    private volatile boolean forgetPending;

    /** Owner thread: the cipher, between {@link #begin} and {@link #end}. */
    ChaChaPoly aead() {
        return aead;
    }

    /** Owner thread, before using the cipher. */
    void begin() {
        inUse.lock();
    }

    /** Owner thread, after using it: scrubs now if {@link #forget} was asked meanwhile. */
    void end() {
        inUse.unlock();
        // Read after the unlock: a forget() that found the lock held set the flag before looking.
        if (forgetPending) {
            forgetIfIdle();
        }
    }

    /** Any thread: the cipher forgets its last key now, or its owner does at the end of its current run. */
    void forget() {
        forgetPending = true;
        forgetIfIdle();
    }

    private void forgetIfIdle() {
        if (inUse.tryLock()) {
            try {
                if (forgetPending) {
                    forgetPending = false;
                    aead.forget();
                }
            } finally {
                inUse.unlock();
            }
        }
    }
}

package dev.plexd.tunnel.device;

import dev.plexd.tunnel.conn.Endpoint;
import dev.plexd.tunnel.noise.CookieGenerator;
import dev.plexd.tunnel.noise.Handshake;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.noise.StaticIdentity;
import dev.plexd.tunnel.replay.ReplayWindow;
import dev.plexd.tunnel.timers.PeerTimers;
import dev.plexd.tunnel.timers.Timing;
import dev.plexd.wireguard.WireGuardKeys;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One configured peer: its handshake, its sessions (current, previous and the responder's
 * not-yet-confirmed next, paper §5.4.6 and wireguard-go's rotation), its endpoint, timers,
 * packets waiting for a session, and its counters. Created and removed by {@link Device}.
 */
public final class Peer {

    /** Packets kept while a handshake is under way; the oldest is dropped beyond this. */
    static final int MAX_STAGED = 128;

    private final byte[] publicKey;
    private final String publicKeyBase64;
    private final int slot;
    final Handshake handshake;
    final CookieGenerator cookies;
    final PeerTimers timers;
    final ArrayBlockingQueue<byte[]> staged = new ArrayBlockingQueue<>(MAX_STAGED);

    private final Object keypairLock = new Object();
    private volatile Keypair current;
    private volatile Keypair previous;
    private volatile Keypair next;
    private volatile Endpoint endpoint;

    final AtomicLong rxBytes = new AtomicLong();
    final AtomicLong txBytes = new AtomicLong();
    final AtomicLong rxPackets = new AtomicLong();
    final AtomicLong txPackets = new AtomicLong();
    final Counters drops = new Counters();
    private volatile Instant lastHandshake;
    /** Monotonic time of the last initiation sent (control thread), for the 5 s minimum gap. */
    long lastInitiationSent;
    /** Monotonic time a packet thread last asked for a handshake, so it asks at most every 5 s. */
    volatile long handshakeRequested;
    /** A packet thread asked the control thread to send staged packets and it has not yet. */
    volatile boolean flushRequested;
    volatile boolean removed;

    Peer(byte[] publicKey, int slot, StaticIdentity identity, Function<Peer, PeerTimers.Actions> actions) {
        this.publicKey = publicKey.clone();
        this.publicKeyBase64 = WireGuardKeys.encode(publicKey);
        this.slot = slot;
        this.handshake = new Handshake(identity, publicKey);
        this.cookies = new CookieGenerator(publicKey);
        this.timers = new PeerTimers(actions.apply(this));
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String publicKeyBase64() {
        return publicKeyBase64;
    }

    /** This peer's index in the device's peer table, as the service filter knows it. */
    public int slot() {
        return slot;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    void setEndpoint(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    public byte[] presharedKey() {
        return handshake.presharedKey();
    }

    public boolean hasPresharedKey() {
        return handshake.hasPresharedKey();
    }

    public int persistentKeepalive() {
        return timers.persistentKeepalive();
    }

    /** Wall time of the last completed handshake, or null. */
    public Instant lastHandshake() {
        return lastHandshake;
    }

    void handshakeCompleted(Instant when) {
        lastHandshake = when;
    }

    public long rxBytes() {
        return rxBytes.get();
    }

    public long txBytes() {
        return txBytes.get();
    }

    public long rxPackets() {
        return rxPackets.get();
    }

    public long txPackets() {
        return txPackets.get();
    }

    /** Packets from or to this peer that were dropped, by reason. */
    public Counters drops() {
        return drops;
    }

    Keypair current() {
        return current;
    }

    Keypair next() {
        return next;
    }

    /** True if {@code keypair} may still encrypt at {@code now}. */
    static boolean canSend(Keypair keypair, long now) {
        return keypair != null && !keypair.isWiped() && now - keypair.createdNanos() < Timing.REJECT_AFTER_TIME
                && Long.compareUnsigned(keypair.sentMessages(), ReplayWindow.REJECT_AFTER_MESSAGES) < 0;
    }

    /**
     * Installs a new session. The initiator uses it at once; the responder keeps it as "next"
     * until the initiator's first packet proves the initiator has it too.
     *
     * @return sessions that are no longer reachable and must be erased
     */
    List<Keypair> install(Keypair keypair) {
        List<Keypair> retired = new ArrayList<>(2);
        synchronized (keypairLock) {
            if (keypair.initiator()) {
                if (next != null) {
                    addIfPresent(retired, previous);
                    previous = next;
                    next = null;
                    addIfPresent(retired, current);
                } else {
                    addIfPresent(retired, previous);
                    previous = current;
                }
                current = keypair;
            } else {
                addIfPresent(retired, next);
                addIfPresent(retired, previous);
                next = keypair;
                previous = null;
            }
        }
        return retired;
    }

    /**
     * Called for every authenticated packet: if it used the pending "next" session, that session
     * becomes current (the handshake is confirmed). Allocation-free unless it does.
     *
     * @return null if nothing changed, else the sessions displaced (to erase)
     */
    List<Keypair> confirm(Keypair keypair) {
        if (next != keypair) {
            return null;
        }
        synchronized (keypairLock) {
            if (next != keypair) {
                return null;
            }
            List<Keypair> retired = new ArrayList<>(1);
            addIfPresent(retired, previous);
            previous = current;
            current = keypair;
            next = null;
            return retired;
        }
    }

    /** Removes every session; the caller erases them. */
    List<Keypair> takeAllKeypairs() {
        List<Keypair> all = new ArrayList<>(3);
        synchronized (keypairLock) {
            addIfPresent(all, current);
            addIfPresent(all, previous);
            addIfPresent(all, next);
            current = null;
            previous = null;
            next = null;
        }
        return all;
    }

    private static void addIfPresent(List<Keypair> list, Keypair keypair) {
        if (keypair != null) {
            list.add(keypair);
        }
    }

    /** Queues a packet for when a session exists, dropping the oldest when full. */
    boolean stage(byte[] packet) {
        boolean dropped = false;
        while (!staged.offer(packet)) {
            dropped |= staged.poll() != null;
        }
        return !dropped;
    }

    @Override
    public String toString() {
        return "peer(" + publicKeyBase64 + ")";
    }
}

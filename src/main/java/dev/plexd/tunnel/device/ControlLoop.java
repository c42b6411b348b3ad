package dev.plexd.tunnel.device;

import dev.plexd.tunnel.conn.Endpoint;
import dev.plexd.tunnel.crypto.ChaChaPoly;
import dev.plexd.tunnel.noise.CookieChecker;
import dev.plexd.tunnel.noise.Handshake;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.noise.Messages;
import dev.plexd.tunnel.noise.StaticIdentity;
import dev.plexd.tunnel.timers.PeerTimers;
import dev.plexd.tunnel.timers.Timing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.InvalidKeyException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.plexd.tunnel.noise.Messages.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The device's control thread: every handshake message (initiation, response, cookie reply),
 * every initiation we send, keepalives, packets that waited for a session, and the timers of
 * all peers. One thread, so handshake state needs no finer locking; it holds the device lock
 * while it works so configuration changes see a consistent device. X25519 (~0.1 ms) never runs
 * on a packet thread.
 *
 * <p>Under load — more than 1/8 of the queue waiting — initiations and responses must carry a
 * valid cookie (mac2); others get a cookie reply instead of an answer, and each source address
 * is rate-limited (paper §5.4.7).
 */
final class ControlLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);

    static final int QUEUE_CAPACITY = 1024;
    private static final long TICK = 100_000_000L;
    private static final long UNDER_LOAD_FOR = Timing.SECOND;
    private static final long MTU_REFRESH = Timing.SECOND;

    sealed interface Task permits Received, Initiate, Flush {
    }

    /** A handshake message whose mac1 already verified. */
    record Received(byte[] message, Endpoint source) implements Task {
    }

    record Initiate(Peer peer) implements Task {
    }

    record Flush(Peer peer) implements Task {
    }

    private final Device device;
    private final ArrayBlockingQueue<Task> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final RateLimiter rateLimiter = new RateLimiter();
    private final byte[] work = new byte[TRANSPORT_HEADER_SIZE + Device.MAX_MTU + 2 * ChaChaPoly.TAG_LENGTH];
    private final MemorySegment sendBuffer = Arena.ofAuto().allocate(work.length, 64);
    private final MemorySegment callState = dev.plexd.sys.Libc.callState(Arena.ofAuto());
    private long underLoadUntil;
    private long nextMtuRefresh;

    ControlLoop(Device device) {
        this.device = device;
    }

    /** Hands work to the control thread; false when the queue is full. */
    boolean submit(Task task) {
        return queue.offer(task);
    }

    @Override
    public void run() {
        long nextTick = 0;
        while (device.running) {
            Task task = null;
            long wait = nextTick - device.clock.nanoTime();
            if (wait > 0) {
                try {
                    task = queue.poll(wait, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    continue;
                }
            }
            try {
                synchronized (device) {
                    if (task != null && device.running) {
                        handle(task);
                    }
                    long now = device.clock.nanoTime();
                    if (now >= nextTick && device.running) {
                        tick(now);
                        nextTick = now + TICK;
                    }
                }
            } catch (RuntimeException e) {
                // A bug here must not stop handshakes for every peer; the message is dropped.
                log.atError().setCause(e).addKeyValue("interface", device.name()).log("control thread error");
            }
        }
    }

    private void handle(Task task) {
        switch (task) {
            case Received r -> received(r.message(), r.source());
            case Initiate i -> sendInitiation(i.peer(), false);
            case Flush f -> flushStaged(f.peer());
        }
    }

    private void tick(long now) {
        for (Peer peer : device.peerList()) {
            peer.timers.tick(now);
        }
        rateLimiter.expire(now);
        if (now >= nextMtuRefresh) {
            device.refreshMtu();
            nextMtuRefresh = now + MTU_REFRESH;
        }
    }

    // ---- receiving handshake messages ----

    private void received(byte[] msg, Endpoint source) {
        long now = device.clock.nanoTime();
        int type = getInt(msg, 0);
        if (type == TYPE_COOKIE_REPLY) {
            IndexTable.Entry entry = device.indices.get(getInt(msg, COOKIE_REPLY_RECEIVER));
            if (entry == null || !entry.peer().cookies.consumeReply(msg, now)) {
                device.drop(entry == null ? null : entry.peer(), DropReason.HANDSHAKE_REJECTED);
                return;
            }
            device.stats.cookieRepliesReceived.incrementAndGet();
            return;
        }
        StaticIdentity identity = device.identity();
        CookieChecker checker = device.cookieChecker();
        if (identity == null || checker == null) {
            device.drop(null, DropReason.HANDSHAKE_REJECTED);
            return;
        }
        int mac1 = type == TYPE_INITIATION ? INITIATION_MAC1 : RESPONSE_MAC1;
        if (queue.size() >= QUEUE_CAPACITY / 8) {
            underLoadUntil = now + UNDER_LOAD_FOR;
        }
        if (now < underLoadUntil) {
            byte[] cookieSource = source.cookieSource();
            if (!checker.checkMac2(msg, mac1, cookieSource, now)) {
                byte[] reply = checker.createReply(msg, mac1, getInt(msg, 4), cookieSource, now);
                sendRaw(reply, reply.length, source);
                device.stats.cookieRepliesSent.incrementAndGet();
                device.drop(null, DropReason.UNDER_LOAD);
                return;
            }
            if (!rateLimiter.allow(source.address().getAddress(), now)) {
                device.drop(null, DropReason.UNDER_LOAD);
                return;
            }
        }
        if (type == TYPE_INITIATION) {
            receivedInitiation(identity, msg, source, now);
        } else {
            receivedResponse(identity, msg, source, now);
        }
    }

    private void receivedInitiation(StaticIdentity identity, byte[] msg, Endpoint source, long now) {
        Handshake.InitiationStart start = Handshake.beginConsumeInitiation(identity, msg);
        Peer peer = start == null ? null : device.peerByKey(start.peerPublicKey());
        if (peer == null) {
            device.drop(null, DropReason.HANDSHAKE_REJECTED);
            return;
        }
        Handshake.Rejection rejection = peer.handshake.consumeInitiation(start, msg, now);
        if (rejection != null) {
            device.drop(peer, DropReason.HANDSHAKE_REJECTED);
            log.atDebug().addKeyValue("peer", peer.publicKeyBase64()).addKeyValue("reason", rejection).log("initiation refused");
            return;
        }
        device.stats.initiationsReceived.incrementAndGet();
        peer.rxBytes.addAndGet(msg.length);
        peer.setEndpoint(source);
        peer.timers.authenticatedReceived(now, false);

        device.indices.remove(peer.handshake.localIndex());
        int localIndex = device.indices.newHandshakeIndex(peer);
        byte[] response;
        try {
            response = peer.handshake.createResponse(localIndex);
        } catch (InvalidKeyException e) {
            device.indices.remove(localIndex);
            device.drop(peer, DropReason.HANDSHAKE_REJECTED);
            return;
        }
        peer.cookies.addMacs(response, RESPONSE_MAC1, now);
        startSession(peer, now);
        peer.timers.authenticatedSent(now, false);
        send(peer, response, response.length);
        device.stats.responsesSent.incrementAndGet();
    }

    private void receivedResponse(StaticIdentity identity, byte[] msg, Endpoint source, long now) {
        IndexTable.Entry entry = device.indices.get(getInt(msg, RESPONSE_RECEIVER));
        if (entry == null || entry.keypair() != null) {
            device.drop(null, DropReason.HANDSHAKE_REJECTED);
            return;
        }
        Peer peer = entry.peer();
        if (!peer.handshake.consumeResponse(identity, msg)) {
            device.drop(peer, DropReason.HANDSHAKE_REJECTED);
            return;
        }
        device.stats.responsesReceived.incrementAndGet();
        peer.rxBytes.addAndGet(msg.length);
        peer.setEndpoint(source);
        peer.timers.authenticatedReceived(now, false);
        startSession(peer, now);
        handshakeComplete(peer);
        // The initiator confirms the session at once: with waiting packets, or with a keepalive.
        if (peer.staged.isEmpty()) {
            sendKeepalive(peer);
        } else {
            flushStaged(peer);
        }
    }

    /** Turns the finished handshake into a session and retires the sessions it replaces. */
    private void startSession(Peer peer, long now) {
        Handshake.SessionKeys keys = peer.handshake.beginSession();
        if (keys == null) {
            return;
        }
        Keypair keypair = new Keypair(keys, now);
        keys.wipe();
        device.indices.put(keypair.localIndex(), new IndexTable.Entry(peer, keypair));
        device.retire(peer.install(keypair));
        peer.timers.sessionDerived(now);
    }

    /** Both roles: the initiator on the response, the responder on the first packet of the new session. */
    void handshakeComplete(Peer peer) {
        peer.timers.handshakeComplete();
        peer.handshakeCompleted(device.clock.wallTime());
        device.stats.sessionsStarted.incrementAndGet();
    }

    // ---- sending ----

    /** Sends an initiation unless one went out less than Rekey-Timeout ago. */
    void sendInitiation(Peer peer, boolean retry) {
        StaticIdentity identity = device.identity();
        if (peer.removed || identity == null) {
            return;
        }
        long now = device.clock.nanoTime();
        if (peer.lastInitiationSent != 0 && now - peer.lastInitiationSent < Timing.REKEY_TIMEOUT) {
            return;
        }
        peer.lastInitiationSent = now;
        device.indices.remove(peer.handshake.localIndex());
        int localIndex = device.indices.newHandshakeIndex(peer);
        byte[] msg;
        try {
            msg = peer.handshake.createInitiation(identity, localIndex, device.clock.wallTime());
        } catch (InvalidKeyException e) {
            device.indices.remove(localIndex);
            log.atWarn().addKeyValue("peer", peer.publicKeyBase64()).log("peer public key unusable; no handshake");
            return;
        }
        peer.cookies.addMacs(msg, INITIATION_MAC1, now);
        peer.timers.authenticatedSent(now, false);
        send(peer, msg, msg.length);
        peer.timers.handshakeInitiated(now, retry);
        device.stats.initiationsSent.incrementAndGet();
    }

    /** A keepalive (empty transport message), or a handshake first if there is no usable session. */
    void sendKeepalive(Peer peer) {
        if (!peer.staged.isEmpty()) {
            flushStaged(peer);
            return;
        }
        long now = device.clock.nanoTime();
        Keypair keypair = peer.current();
        if (!Peer.canSend(keypair, now)) {
            sendInitiation(peer, false);
            return;
        }
        sendTransport(peer, keypair, null, 0, now);
    }

    /** Sends the packets that waited for a session, or starts a handshake if there still is none. */
    void flushStaged(Peer peer) {
        peer.flushRequested = false;
        long now = device.clock.nanoTime();
        Keypair keypair = peer.current();
        if (!Peer.canSend(keypair, now)) {
            sendInitiation(peer, false);
            return;
        }
        byte[] packet;
        while ((packet = peer.staged.poll()) != null) {
            if (!sendTransport(peer, keypair, packet, packet.length, now)) {
                return;
            }
        }
    }

    private boolean sendTransport(Peer peer, Keypair keypair, byte[] packet, int length, long now) {
        long counter = keypair.nextSendCounter();
        if (counter < 0) {
            sendInitiation(peer, false);
            return false;
        }
        int padded = Messages.paddedLength(length, device.mtu());
        if (packet != null) {
            System.arraycopy(packet, 0, work, TRANSPORT_HEADER_SIZE, length);
        }
        java.util.Arrays.fill(work, TRANSPORT_HEADER_SIZE + length, TRANSPORT_HEADER_SIZE + padded, (byte) 0);
        int sealed;
        ThreadCipher cipher = device.controlCipher;
        cipher.begin();
        try {
            sealed = cipher.aead().seal(keypair.sendKey(), counter, null, work, TRANSPORT_HEADER_SIZE, padded, work, TRANSPORT_HEADER_SIZE);
        } catch (IllegalStateException e) {
            device.drop(peer, DropReason.NO_SESSION);
            return false;
        } finally {
            cipher.end();
        }
        putInt(work, 0, TYPE_TRANSPORT);
        putInt(work, TRANSPORT_RECEIVER, keypair.remoteIndex());
        putLong(work, TRANSPORT_COUNTER, counter);
        peer.timers.authenticatedSent(now, length > 0);
        send(peer, work, TRANSPORT_HEADER_SIZE + sealed);
        return true;
    }

    private void send(Peer peer, byte[] data, int length) {
        Endpoint endpoint = peer.endpoint();
        if (endpoint == null) {
            device.drop(peer, DropReason.NO_ENDPOINT);
            return;
        }
        if (sendRaw(data, length, endpoint)) {
            peer.txBytes.addAndGet(length);
            peer.txPackets.incrementAndGet();
        } else {
            device.drop(peer, DropReason.IO_ERROR);
        }
    }

    private boolean sendRaw(byte[] data, int length, Endpoint endpoint) {
        MemorySegment.copy(data, 0, sendBuffer, JAVA_BYTE, 0, length);
        return device.udp.sendOne(callState, sendBuffer, length, endpoint) == length;
    }

    /** The timer actions of one peer, run by {@link #tick} on this thread. */
    PeerTimers.Actions actionsFor(Peer peer) {
        return new PeerTimers.Actions() {
            @Override
            public void sendHandshakeInitiation(boolean retry) {
                sendInitiation(peer, retry);
            }

            @Override
            public void sendKeepalive() {
                ControlLoop.this.sendKeepalive(peer);
            }

            @Override
            public void handshakeGaveUp() {
                peer.staged.clear();
            }

            @Override
            public void zeroKeyMaterial() {
                device.eraseSessions(peer);
            }
        };
    }
}

package dev.plexd.tunnel.device;

import dev.plexd.service.InboundFilter;
import dev.plexd.sys.Libc;
import dev.plexd.tunnel.conn.DatagramBatch;
import dev.plexd.tunnel.conn.Endpoint;
import dev.plexd.tunnel.noise.CookieChecker;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.route.IpPackets;
import dev.plexd.tunnel.timers.Timing;
import dev.plexd.tunnel.tun.TcpCoalescer;
import dev.plexd.tunnel.tun.VirtioNetHdr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.AEADBadTagException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static dev.plexd.tunnel.noise.Messages.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Peers → TUN. Receives datagrams in batches ({@code recvmmsg}), and for each transport message:
 * finds the session by receiver index, decrypts, checks the replay window, checks that the inner
 * source address belongs to the sending peer (cryptokey routing), asks the service filter, and
 * writes the packet to the TUN device. Handshake messages whose mac1 verifies go to the control
 * thread. Every failure is a counted drop; nothing a peer sends can throw out of this loop.
 */
final class InboundLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(InboundLoop.class);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int BATCH = 64;
    private static final int SLOT_SIZE = OutboundLoop.SLOT_SIZE;
    /** Where decrypted packets start in {@link #out}: after the virtio header the TUN expects. */
    private static final int OUT = VirtioNetHdr.SIZE;

    private final Device device;
    private final ThreadCipher cipher;
    private final byte[] work = new byte[SLOT_SIZE];
    private final byte[] out = new byte[OUT + SLOT_SIZE];
    private final MemorySegment outSegment = MemorySegment.ofArray(out);
    /** Receive-side coalescing (offloads on): consecutive segments of a TCP flow become one TUN write. */
    private final TcpCoalescer coalescer = new TcpCoalescer();
    private final byte[] held = new byte[TcpCoalescer.OFFSET + 65535];
    private final MemorySegment heldSegment = MemorySegment.ofArray(held);
    private Peer heldPeer;

    InboundLoop(Device device) {
        this.device = device;
        this.cipher = device.inboundCipher;
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = Libc.callState(arena);
            DatagramBatch batch = new DatagramBatch(arena, BATCH, SLOT_SIZE);
            while (device.running) {
                int n = device.udp.receive(callState, batch, BATCH);
                if (n <= 0) {
                    if (n < 0 && n != -Libc.EINTR && device.running) {
                        log.atDebug().addKeyValue("errno", -n).log("UDP receive failed");
                    }
                    continue;
                }
                long now = device.clock.nanoTime();
                cipher.begin();
                try {
                    for (int i = 0; i < n; i++) {
                        try {
                            datagram(callState, batch.slot(i), batch.length(i), batch.name(i), now);
                        } catch (RuntimeException e) {
                            // A bug must not let one datagram stop the interface; count and go on.
                            device.drop(null, DropReason.MALFORMED);
                            log.atWarn().setCause(e).log("inbound datagram failed");
                        }
                    }
                } finally {
                    cipher.end();
                }
                flushHeld(callState);
            }
        }
    }

    private void datagram(MemorySegment callState, MemorySegment data, int length, MemorySegment source, long now) {
        if (length < 4) {
            device.drop(null, DropReason.MALFORMED);
            return;
        }
        int type = data.get(INT_LE, 0);
        switch (type) {
            case TYPE_TRANSPORT -> transport(callState, data, length, source, now);
            case TYPE_INITIATION -> handshake(data, length, INITIATION_SIZE, INITIATION_MAC1, source);
            case TYPE_RESPONSE -> handshake(data, length, RESPONSE_SIZE, RESPONSE_MAC1, source);
            case TYPE_COOKIE_REPLY -> handshake(data, length, COOKIE_REPLY_SIZE, -1, source);
            default -> device.drop(null, DropReason.MALFORMED);
        }
    }

    private void handshake(MemorySegment data, int length, int size, int mac1Offset, MemorySegment source) {
        if (length != size) {
            device.drop(null, DropReason.MALFORMED);
            return;
        }
        byte[] msg = data.asSlice(0, length).toArray(JAVA_BYTE);
        if (mac1Offset > 0) {
            CookieChecker checker = device.cookieChecker();
            if (checker == null || !checker.checkMac1(msg, mac1Offset)) {
                device.drop(null, DropReason.BAD_MAC);
                return;
            }
        }
        if (!device.control.submit(new ControlLoop.Received(msg, Endpoint.fromSockaddr(source)))) {
            device.drop(null, DropReason.QUEUE_FULL);
        }
    }

    private void transport(MemorySegment callState, MemorySegment data, int length, MemorySegment source, long now) {
        if (length < TRANSPORT_MIN_SIZE) {
            device.drop(null, DropReason.MALFORMED);
            return;
        }
        IndexTable.Entry entry = device.indices.get(data.get(INT_LE, TRANSPORT_RECEIVER));
        Keypair keypair = entry == null ? null : entry.keypair();
        if (keypair == null) {
            device.drop(null, DropReason.NO_SESSION);
            return;
        }
        Peer peer = entry.peer();
        if (keypair.isWiped() || now - keypair.createdNanos() >= Timing.REJECT_AFTER_TIME) {
            device.drop(peer, DropReason.NO_SESSION);
            return;
        }
        long counter = data.get(LONG_LE, TRANSPORT_COUNTER);
        int sealedLength = length - TRANSPORT_HEADER_SIZE;
        MemorySegment.copy(data, JAVA_BYTE, TRANSPORT_HEADER_SIZE, work, 0, sealedLength);
        int plainLength;
        try {
            plainLength = cipher.aead().open(keypair.receiveKey(), counter, null, work, 0, sealedLength, out, OUT);
        } catch (AEADBadTagException e) {
            device.drop(peer, DropReason.BAD_MAC);
            return;
        } catch (IllegalStateException e) {
            device.drop(peer, DropReason.NO_SESSION);
            return;
        }
        if (!keypair.replay().accept(counter)) {
            device.drop(peer, DropReason.REPLAY);
            return;
        }
        authenticated(peer, keypair, source, length, now, plainLength > 0);
        if (plainLength == 0) {
            return; // keepalive
        }
        int ipLength = IpPackets.declaredLength(out, OUT, plainLength);
        if (ipLength < 0) {
            device.drop(peer, DropReason.MALFORMED);
            return;
        }
        if (device.allowedIps.lookup(out, OUT, ipLength, true) != peer) {
            device.drop(peer, DropReason.ALLOWED_IPS);
            return;
        }
        InboundFilter filter = device.filter;
        if (!filter.allowInbound(peer.slot(), out, OUT, ipLength)) {
            device.drop(peer, DropReason.FILTER);
            return;
        }
        deliver(callState, peer, ipLength);
    }

    /**
     * Writes a decrypted, checked packet to the TUN. With offloads, in-order TCP segments of one
     * flow are merged into the held super-packet and written once per batch (or when the flow
     * breaks); everything else goes out at once, after whatever is held, so order is kept.
     */
    private void deliver(MemorySegment callState, Peer peer, int ipLength) {
        if (!device.tun.offloads()) {
            write(callState, peer, outSegment, out, OUT + ipLength);
            return;
        }
        if (coalescer.holding() && coalescer.append(out, ipLength)) {
            return;
        }
        flushHeld(callState);
        if (TcpCoalescer.isCandidate(out, ipLength)) {
            System.arraycopy(out, OUT, held, TcpCoalescer.OFFSET, ipLength);
            coalescer.hold(held, ipLength);
            heldPeer = peer;
        } else {
            write(callState, peer, outSegment, out, OUT + ipLength);
        }
    }

    private void flushHeld(MemorySegment callState) {
        if (coalescer.holding()) {
            int length = coalescer.finish();
            writeRaw(callState, heldPeer, heldSegment, length);
            heldPeer = null;
        }
    }

    private void write(MemorySegment callState, Peer peer, MemorySegment segment, byte[] array, int length) {
        VirtioNetHdr.clear(array, 0);
        writeRaw(callState, peer, segment, length);
    }

    private void writeRaw(MemorySegment callState, Peer peer, MemorySegment segment, int length) {
        if (device.tun.write(callState, segment, length) < 0) {
            device.drop(peer, DropReason.IO_ERROR);
        }
    }

    /** Bookkeeping for an authentic transport message: session confirmation, timers, roaming, counters. */
    private void authenticated(Peer peer, Keypair keypair, MemorySegment source, int length, long now, boolean data) {
        List<Keypair> retired = peer.confirm(keypair);
        if (retired != null) {
            device.retire(retired);
            device.control.handshakeComplete(peer);
            device.requestFlush(peer);
        }
        if (keypair.initiator() && now - keypair.createdNanos() >= Timing.REKEY_ON_RECEIVE_AFTER
                && peer.current() == keypair && peer.timers.claimLastMinuteHandshake()) {
            device.requestHandshake(peer, now);
        }
        peer.timers.authenticatedReceived(now, data);
        Endpoint endpoint = peer.endpoint();
        if (endpoint == null || !endpoint.matches(source)) {
            peer.setEndpoint(Endpoint.fromSockaddr(source)); // roaming: answer where the peer is now
        }
        peer.rxBytes.addAndGet(length);
        peer.rxPackets.incrementAndGet();
    }
}

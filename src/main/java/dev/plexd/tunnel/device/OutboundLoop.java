package dev.plexd.tunnel.device;

import dev.plexd.sys.Libc;
import dev.plexd.tunnel.conn.DatagramBatch;
import dev.plexd.tunnel.conn.Endpoint;
import dev.plexd.tunnel.crypto.ChaChaPoly;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.noise.Messages;
import dev.plexd.tunnel.timers.Timing;
import dev.plexd.tunnel.tun.TcpSegmenter;
import dev.plexd.tunnel.tun.VirtioNetHdr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.plexd.tunnel.noise.Messages.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * TUN → peers. Reads packets from the TUN device straight into a Java array, picks the peer by
 * destination (cryptokey routing), encrypts with the peer's current session and queues the
 * datagram in a native batch that goes out with one {@code sendmmsg} whenever the TUN has
 * nothing more to read or the batch is full. One thread, so each peer's packets keep their order.
 * Packets for a peer without a usable session wait (staged) while the control thread handshakes.
 */
final class OutboundLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(OutboundLoop.class);
    static final int BATCH = 64;
    /** One datagram: header, the largest padded packet, tag. */
    static final int SLOT_SIZE = (TRANSPORT_HEADER_SIZE + Device.MAX_MTU + 2 * ChaChaPoly.TAG_LENGTH + 63) & ~63;
    private static final int READ_SIZE = VirtioNetHdr.SIZE + 65535 + 64;

    private final Device device;
    private final ThreadCipher cipher;
    private final byte[] readBuffer = new byte[READ_SIZE];
    private final MemorySegment readSegment = MemorySegment.ofArray(readBuffer);
    private final byte[] work = new byte[SLOT_SIZE];
    private final TcpSegmenter segmenter = new TcpSegmenter();
    /** One segment of a super-packet, with room for the padding {@link #send} adds. */
    private final byte[] segment = new byte[Device.MAX_MTU + 64];
    private int queued;

    OutboundLoop(Device device) {
        this.device = device;
        this.cipher = device.outboundCipher;
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = Libc.callState(arena);
            MemorySegment pollFds = arena.allocate(16, 8);
            DatagramBatch batch = new DatagramBatch(arena, BATCH, SLOT_SIZE);
            while (device.running) {
                int n = device.tun.read(callState, readSegment, READ_SIZE);
                if (n < 0) {
                    flush(callState, batch);
                    if (n == -Libc.EAGAIN) {
                        device.tun.awaitReadable(callState, pollFds);
                    } else if (n != -Libc.EINTR && device.running) {
                        log.atWarn().addKeyValue("errno", -n).addKeyValue("interface", device.name()).log("TUN read failed");
                        device.tun.awaitReadable(callState, pollFds);
                    }
                    continue;
                }
                cipher.begin();
                try {
                    packet(callState, batch, n);
                } catch (RuntimeException e) {
                    // One bad packet must never stop the interface.
                    device.drop(null, DropReason.MALFORMED);
                    log.atWarn().setCause(e).log("outbound packet failed");
                } finally {
                    cipher.end();
                }
                if (queued == BATCH) {
                    flush(callState, batch);
                }
            }
        }
    }

    /**
     * One read from the TUN: a plain packet, or (offloads on) a TCP super-packet split here into
     * MTU-sized segments, or a packet whose checksum the kernel left for us to complete.
     */
    private void packet(MemorySegment callState, DatagramBatch batch, int n) {
        int length = n - VirtioNetHdr.SIZE;
        if (length <= 0) {
            return;
        }
        long now = device.clock.nanoTime();
        int gsoType = VirtioNetHdr.gsoType(readBuffer, 0);
        int csumStart = VirtioNetHdr.csumStart(readBuffer, 0);
        int csumOffset = VirtioNetHdr.csumOffset(readBuffer, 0);
        if (gsoType == VirtioNetHdr.GSO_NONE) {
            if ((VirtioNetHdr.flags(readBuffer, 0) & VirtioNetHdr.F_NEEDS_CSUM) != 0
                    && !TcpSegmenter.completeChecksum(readBuffer, VirtioNetHdr.SIZE, length, csumStart, csumOffset)) {
                device.drop(null, DropReason.MALFORMED);
                return;
            }
            send(batch, readBuffer, VirtioNetHdr.SIZE, length, now);
            return;
        }
        if (!segmenter.begin(readBuffer, VirtioNetHdr.SIZE, length, gsoType, csumStart, csumOffset,
                VirtioNetHdr.gsoSize(readBuffer, 0))) {
            device.drop(null, DropReason.MALFORMED);
            return;
        }
        while (segmenter.next(segment, 0)) {
            send(batch, segment, 0, segmenter.length(), now);
            if (queued == BATCH) {
                flush(callState, batch);
            }
        }
    }

    /** Encrypts one IP packet ({@code buffer} must have room for padding after it) into the batch. */
    private void send(DatagramBatch batch, byte[] buffer, int offset, int length, long now) {
        if (length > device.mtu() || length > Device.MAX_MTU) {
            device.drop(null, DropReason.OVERSIZE);
            return;
        }
        Peer peer = device.allowedIps.lookup(buffer, offset, length, false);
        if (peer == null) {
            device.drop(null, DropReason.NO_ROUTE);
            return;
        }
        // The filter learns the UDP flows this node starts (sent now or after the handshake), so their replies pass.
        device.filter.noteOutbound(peer.slot(), buffer, offset, length);
        Keypair keypair = peer.current();
        if (!peer.staged.isEmpty() || !Peer.canSend(keypair, now)) {
            stage(peer, buffer, offset, length, now, keypair != null);
            return;
        }
        Endpoint endpoint = peer.endpoint();
        if (endpoint == null) {
            device.drop(peer, DropReason.NO_ENDPOINT);
            return;
        }
        long counter = keypair.nextSendCounter();
        if (counter < 0) {
            stage(peer, buffer, offset, length, now, false);
            return;
        }
        int padded = Messages.paddedLength(length, device.mtu());
        Arrays.fill(buffer, offset + length, offset + padded, (byte) 0);
        int sealed;
        try {
            sealed = cipher.aead().seal(keypair.sendKey(), counter, null, buffer, offset, padded, work, TRANSPORT_HEADER_SIZE);
        } catch (IllegalStateException e) {
            device.drop(peer, DropReason.NO_SESSION);
            return;
        }
        putInt(work, 0, TYPE_TRANSPORT);
        putInt(work, TRANSPORT_RECEIVER, keypair.remoteIndex());
        putLong(work, TRANSPORT_COUNTER, counter);
        int total = TRANSPORT_HEADER_SIZE + sealed;
        MemorySegment.copy(work, 0, batch.slot(queued), JAVA_BYTE, 0, total);
        batch.prepareSend(queued, total, endpoint);
        queued++;
        peer.txBytes.addAndGet(total);
        peer.txPackets.incrementAndGet();
        peer.timers.authenticatedSent(now, true);
        if (keypair.initiator() && (Long.compareUnsigned(counter, Keypair.REKEY_AFTER_MESSAGES) >= 0
                || now - keypair.createdNanos() >= Timing.REKEY_AFTER_TIME)) {
            device.requestHandshake(peer, now);
        }
    }

    private void stage(Peer peer, byte[] buffer, int offset, int length, long now, boolean haveSession) {
        if (!peer.stage(Arrays.copyOfRange(buffer, offset, offset + length))) {
            device.drop(peer, DropReason.QUEUE_FULL);
        }
        if (haveSession && Peer.canSend(peer.current(), now)) {
            device.requestFlush(peer);
        } else {
            device.requestHandshake(peer, now);
        }
    }

    private void flush(MemorySegment callState, DatagramBatch batch) {
        if (queued == 0) {
            return;
        }
        int failed = device.udp.send(callState, batch, queued);
        for (int i = 0; i < failed; i++) {
            device.drop(null, DropReason.IO_ERROR);
        }
        queued = 0;
    }
}

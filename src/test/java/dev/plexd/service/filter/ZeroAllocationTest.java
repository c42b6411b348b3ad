package dev.plexd.service.filter;

import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.testing.LogCapture;
import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

import static dev.plexd.service.filter.Packets.DESTINATION_OPTIONS;
import static dev.plexd.service.filter.Packets.FRAGMENT;
import static dev.plexd.service.filter.Packets.HOP_BY_HOP;
import static dev.plexd.service.filter.Packets.ICMP;
import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.concat;
import static dev.plexd.service.filter.Packets.extension;
import static dev.plexd.service.filter.Packets.fragmentHeader;
import static dev.plexd.service.filter.Packets.ipv4;
import static dev.plexd.service.filter.Packets.ipv6;
import static dev.plexd.service.filter.Packets.flow;
import static dev.plexd.service.filter.Packets.l4;
import static dev.plexd.service.filter.Packets.udp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-packet paths allocate nothing: allowed, dropped (and sampled for the log), malformed, every
 * branch, and the UDP flow table on both sides (recording outbound flows, passing their replies).
 */
class ZeroAllocationTest {

    private static final int DECISIONS = 1_000_000;
    private static final int CHUNKS = 20;

    @TempDir
    Path configDir;

    @Test
    void aMillionDecisionsAndOutboundPacketsAllocateNothing() throws Exception {
        ServiceFilter filter = new ServiceFilter();
        filter.install(new ServicesDir(configDir).defaultAction("deny")
                        .global("allow tcp 22\nallow udp 53\ndeny tcp 8000-9000\n")
                        .peer("node-1", "allow tcp 5432\n").load(),
                PeerDirectory.of(List.of(new MeshPeer("node-1", ServiceFilterTest.key(1), null, List.of()))));
        filter.bindSlot(1, ServiceFilterTest.key(1));
        filter.bindSlot(2, ServiceFilterTest.key(2));

        byte[][] packets = {
                ipv4(TCP, 22), ipv4(TCP, 5432), ipv4(TCP, 8080), ipv4(UDP, 53), ipv4(UDP, 54),
                ipv4(TCP, 12, 0, false, l4(TCP, 22, 0)), ipv4(TCP, 0, 100, false, new byte[16]),
                ipv4(ICMP, 0, 0, false, new byte[8]), new byte[]{0x45, 0, 0},
                ipv6(TCP, 22), ipv6(HOP_BY_HOP, concat(extension(DESTINATION_OPTIONS, 1), extension(UDP, 0), l4(UDP, 53, 0))),
                ipv6(FRAGMENT, concat(fragmentHeader(TCP, 10, false), new byte[8])), new byte[0],
                // replies to the flows below, and a packet that matches none
                udp("10.100.0.2", 5353, "10.100.0.1", 40000), flow(UDP, "fd00::2", 5353, "fd00::1", 40001, 0),
                udp("10.100.0.2", 5353, "10.100.0.1", 40002),
        };
        byte[][] sent = {
                udp("10.100.0.1", 40000, "10.100.0.2", 5353), flow(UDP, "fd00::1", 40001, "fd00::2", 5353, 2),
                ipv4(TCP, 22), new byte[]{0x45, 0, 0},
                udp("10.100.0.1", 0, "10.100.0.2", 7000), // its source port changes every time: a new flow, written
        };
        int[] slots = {1, 2, 7};

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LogCapture logs = LogCapture.of(ServiceFilter.class)) {
            for (int round = 0; round < 3; round++) {
                measure(filter, packets, sent, slots, threads, 0); // warm up: let the JIT compile the paths, sampling included
            }
            logs.clear();
            long baseline = threads.getCurrentThreadAllocatedBytes();
            baseline = threads.getCurrentThreadAllocatedBytes() - baseline; // cost of the measurement itself
            long[] result = measure(filter, packets, sent, slots, threads, baseline);
            long allowed = result[0];
            long allocated = result[1];

            assertThat(allowed).isBetween(1L, DECISIONS - 1L);
            assertThat(allocated).as("bytes allocated by 1,000,000 decisions (drops sampled included) and outbound packets").isZero();
            assertThat(filter.totalAllowedAsReply()).as("replies were recognised").isPositive();
            // Every chunk sampled a full second's budget of drops inside the measured window.
            assertThat(logs.messages(Level.INFO)).filteredOn("service filter dropped a packet"::equals)
                    .hasSize(CHUNKS * DropLog.LINES_PER_SECOND);
        }
    }

    /**
     * Runs {@link #DECISIONS} in {@link #CHUNKS}, draining the drop log between chunks as the
     * daemon's once-a-second task does (that formats and logs, so it allocates: outside the
     * measured windows). Each drain opens a new budget, so the first drops of every chunk run
     * {@code DropLog.sample} inside a measured window.
     *
     * @return the packets allowed, and the bytes allocated inside the windows
     */
    private static long[] measure(ServiceFilter filter, byte[][] packets, byte[][] sent, int[] slots,
                                  com.sun.management.ThreadMXBean threads, long baseline) {
        long allowed = 0;
        long allocated = 0;
        for (int chunk = 0; chunk < CHUNKS; chunk++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            allowed += run(filter, packets, sent, slots, DECISIONS / CHUNKS);
            allocated += threads.getCurrentThreadAllocatedBytes() - before - baseline;
            filter.logDrops();
        }
        return new long[]{allowed, allocated};
    }

    private static long run(ServiceFilter filter, byte[][] packets, byte[][] sent, int[] slots, int decisions) {
        long allowed = 0;
        byte[] changing = sent[sent.length - 1];
        for (int i = 0; i < decisions; i++) {
            changing[20] = (byte) (i >>> 8);
            changing[21] = (byte) i;
            byte[] outbound = sent[i % sent.length];
            filter.noteOutbound(slots[i % slots.length], outbound, 0, outbound.length);
            byte[] packet = packets[i % packets.length];
            if (filter.allowInbound(slots[i % slots.length], packet, 0, packet.length)) {
                allowed++;
            }
        }
        return allowed;
    }
}

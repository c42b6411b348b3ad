package dev.plexd.service.filter;

import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.ServicesDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
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
import static dev.plexd.service.filter.Packets.l4;
import static org.assertj.core.api.Assertions.assertThat;

/** The per-packet path allocates nothing: allowed, dropped (and sampled for the log), malformed, every branch. */
class ZeroAllocationTest {

    @TempDir
    Path configDir;

    @Test
    void aMillionDecisionsAllocateNothing() throws Exception {
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
        };
        ByteBuffer[] heap = new ByteBuffer[packets.length];
        ByteBuffer[] direct = new ByteBuffer[packets.length];
        for (int i = 0; i < packets.length; i++) {
            heap[i] = ByteBuffer.wrap(packets[i]);
            direct[i] = ByteBuffer.allocateDirect(Math.max(1, packets[i].length)).put(packets[i]).clear();
        }
        int[] slots = {1, 2, 7};

        run(filter, heap, direct, slots, 300_000); // warm up: let the JIT compile the path
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long baseline = threads.getCurrentThreadAllocatedBytes();
        baseline = threads.getCurrentThreadAllocatedBytes() - baseline; // cost of the measurement itself
        long before = threads.getCurrentThreadAllocatedBytes();
        long allowed = run(filter, heap, direct, slots, 1_000_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before - baseline;

        assertThat(allowed).isBetween(1L, 999_999L);
        assertThat(allocated).as("bytes allocated by 1,000,000 decisions").isZero();
    }

    private static long run(ServiceFilter filter, ByteBuffer[] heap, ByteBuffer[] direct, int[] slots, int decisions) {
        long allowed = 0;
        for (int i = 0; i < decisions; i++) {
            int p = i % heap.length;
            ByteBuffer buffer = (i & 1) == 0 ? heap[p] : direct[p];
            if (filter.allowInbound(slots[i % slots.length], buffer, 0, buffer.limit() == 1 && heap[p].limit() == 0 ? 0 : buffer.limit())) {
                allowed++;
            }
        }
        return allowed;
    }
}

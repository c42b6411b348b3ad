package dev.plexd.service.filter;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.testing.TempFiles;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.flow;

/**
 * The UDP flow table's two per-packet costs under {@code deny all}: {@code noteOutbound} for the
 * data plane's outbound UDP packets (header walk, clock read, a 4-way set lookup; the entry is
 * only rewritten once a second per flow) and {@code allowInbound} for their replies (policy
 * decision, then the flow lookup). {@value #FLOWS} flows over 16 peers, 3/4 IPv4, 1/4 IPv6.
 * Run: {@code ./mvnw -Pbench -q test-compile exec:exec -Dbench=UdpReplyBenchmark -Dbench.args='-prof gc'}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UdpReplyBenchmark {

    static final int FLOWS = 1024;

    private ServiceFilter filter;
    private final int[] slots = new int[FLOWS];
    private final byte[][] requests = new byte[FLOWS][];
    private final byte[][] replies = new byte[FLOWS][];
    private Path configDir;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        configDir = Files.createTempDirectory("plexd-udp-bench");
        filter = new ServiceFilter();
        filter.install(new ServicesDir(configDir).defaultAction("deny").global("deny all\n").load(), PeerDirectory.EMPTY);
        for (int slot = 0; slot < 16; slot++) {
            filter.bindSlot(slot, ServiceFilterTest.key(slot + 1));
        }
        for (int i = 0; i < FLOWS; i++) {
            slots[i] = i % 16;
            int local = 32_768 + i;
            boolean ipv6 = i % 4 == 3;
            String here = ipv6 ? "fd00::1" : "10.100.0.1";
            String peer = ipv6 ? "fd00::" + Integer.toHexString(2 + slots[i]) : "10.100.0." + (2 + slots[i]);
            requests[i] = flow(UDP, here, local, peer, 53, 0);
            replies[i] = flow(UDP, peer, 53, here, local, 0);
            filter.noteOutbound(slots[i], requests[i], 0, requests[i].length);
        }
        for (int i = 0; i < FLOWS; i++) {
            if (!filter.allowInbound(slots[i], replies[i], 0, replies[i].length)) {
                throw new IllegalStateException("reply " + i + " not recognised");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(configDir);
    }

    @Benchmark
    @OperationsPerInvocation(FLOWS)
    public void noteOutbound() {
        for (int i = 0; i < FLOWS; i++) {
            filter.noteOutbound(slots[i], requests[i], 0, requests[i].length);
        }
    }

    @Benchmark
    @OperationsPerInvocation(FLOWS)
    public int reply() {
        int allowed = 0;
        for (int i = 0; i < FLOWS; i++) {
            if (filter.allowInbound(slots[i], replies[i], 0, replies[i].length)) {
                allowed++;
            }
        }
        return allowed;
    }
}

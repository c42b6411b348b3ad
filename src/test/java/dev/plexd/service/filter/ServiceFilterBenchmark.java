package dev.plexd.service.filter;

import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.Action;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.service.policy.Protocol;
import dev.plexd.service.policy.Rule;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.service.policy.SourcedRule;
import dev.plexd.testing.TempFiles;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.ipv4;
import static dev.plexd.service.filter.Packets.ipv6;

/**
 * Time per packet decision (header parse + lookup) of {@link ServiceFilter#allowInbound}, against a
 * straightforward list-of-rules evaluation ({@link ListOfRules}) of the same packets in the same run.
 * Each invocation judges {@value #PACKETS} prebuilt packets (IPv4 and IPv6, TCP and UDP, in one heap
 * buffer like the data plane's) so the score is the mean time of one decision.
 *
 * <ul>
 *   <li>{@code none}: no {@code services/} directory (nothing to decide);</li>
 *   <li>{@code rules64}: one peer with a 64-rule peer file, packets to ports its rules match;</li>
 *   <li>{@code peers1000}: 1,000 peers with distinct peer files, packets spread over all of them;</li>
 *   <li>{@code miss}: the 64-rule peer plus 8 global rules, packets to ports no rule matches (default).</li>
 * </ul>
 * Run: {@code ./mvnw -Pbench -q test-compile exec:exec -Dbench=ServiceFilterBenchmark -Dbench.args='-prof gc'}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ServiceFilterBenchmark {

    static final int PACKETS = 1024;
    private static final int PACKET_STRIDE = 64;

    @Param({"none", "rules64", "peers1000", "miss"})
    String scenario;

    private ServiceFilter filter;
    private ListOfRules reference;
    private int[] slots;
    /** Every packet in one array at its own offset, as the data plane hands them over (one reused array). */
    private byte[] buffer;
    private int[] offsets;
    private int[] lengths;
    private Path configDir;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        configDir = Files.createTempDirectory("plexd-svc-bench");
        ServicesDir dir = new ServicesDir(configDir);
        Random random = new Random(42);
        int peers = scenario.equals("peers1000") ? 1_000 : 1;
        List<MeshPeer> directory = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            directory.add(new MeshPeer("node-" + i, ServiceFilterTest.key(i + 1), null, List.of()));
        }
        List<Integer> ports = new ArrayList<>();
        switch (scenario) {
            case "none" -> {
                for (int i = 0; i < 64; i++) {
                    ports.add(random.nextInt(65_536));
                }
            }
            case "rules64", "miss" -> {
                StringBuilder rules = new StringBuilder();
                for (int i = 0; i < 64; i++) {
                    int port = 1_000 + 7 * i;
                    rules.append(i % 3 == 0 ? "deny" : "allow").append(i % 2 == 0 ? " tcp " : " udp ").append(port).append('\n');
                    ports.add(port);
                }
                dir.defaultAction("deny").peer("node-0", rules.toString());
                if (scenario.equals("miss")) {
                    StringBuilder global = new StringBuilder();
                    for (int i = 0; i < 8; i++) {
                        global.append("allow tcp ").append(20_000 + 100 * i).append('-').append(20_000 + 100 * i + 9).append('\n');
                    }
                    dir.global(global.toString());
                    ports.clear();
                    for (int i = 0; i < 64; i++) {
                        ports.add(30_000 + random.nextInt(30_000));
                    }
                }
            }
            case "peers1000" -> {
                dir.defaultAction("deny").global("allow tcp 22\nallow udp 53\n");
                for (int i = 0; i < peers; i++) {
                    dir.peer("node-" + i, "allow tcp " + (10_000 + i) + "\nallow udp " + (20_000 + i) + "\ndeny tcp "
                            + (30_000 + i) + "-" + (30_100 + i) + "\nallow all " + (40_000 + i) + "\n");
                    ports.add(10_000 + i);
                    ports.add(40_000 + i);
                }
                ports.add(22);
                ports.add(53);
            }
            default -> throw new IllegalArgumentException(scenario);
        }
        PolicySet set = dir.load();
        PeerDirectory peerDirectory = PeerDirectory.of(directory);
        filter = new ServiceFilter();
        filter.install(set, peerDirectory);
        reference = new ListOfRules(peers, set.defaultAction() == Action.ALLOW || !set.configured());
        for (int slot = 0; slot < peers; slot++) {
            filter.bindSlot(slot, directory.get(slot).publicKey());
            reference.bind(slot, set.effectiveFor(peerDirectory.identify(directory.get(slot).publicKey())).rules());
        }

        slots = new int[PACKETS];
        buffer = new byte[PACKETS * PACKET_STRIDE];
        offsets = new int[PACKETS];
        lengths = new int[PACKETS];
        for (int i = 0; i < PACKETS; i++) {
            slots[i] = random.nextInt(peers);
            int port = ports.get(random.nextInt(ports.size()));
            int protocol = random.nextBoolean() ? TCP : UDP;
            byte[] packet = i % 4 == 3 ? ipv6(protocol, port) : ipv4(protocol, port);
            offsets[i] = i * PACKET_STRIDE;
            lengths[i] = packet.length;
            System.arraycopy(packet, 0, buffer, offsets[i], packet.length);
        }
        for (int i = 0; i < PACKETS; i++) {
            if (filter.allowInbound(slots[i], buffer, offsets[i], lengths[i]) != reference.allow(slots[i], buffer, offsets[i], lengths[i])) {
                throw new IllegalStateException("filter and reference disagree on packet " + i);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(configDir);
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public int compiled() {
        int allowed = 0;
        for (int i = 0; i < PACKETS; i++) {
            allowed += filter.allowInbound(slots[i], buffer, offsets[i], lengths[i]) ? 1 : 0;
        }
        return allowed;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public int listOfRules() {
        int allowed = 0;
        for (int i = 0; i < PACKETS; i++) {
            allowed += reference.allow(slots[i], buffer, offsets[i], lengths[i]) ? 1 : 0;
        }
        return allowed;
    }

    /**
     * The straightforward implementation: each peer's effective rules as a list, walked top to
     * bottom per packet; IPv4 (with IHL) and IPv6 without extension headers, which is all the
     * benchmark sends.
     */
    static final class ListOfRules {

        private final List<List<Rule>> rulesBySlot = new ArrayList<>();
        private final boolean defaultAllow;

        ListOfRules(int slots, boolean defaultAllow) {
            this.defaultAllow = defaultAllow;
            for (int i = 0; i < slots; i++) {
                rulesBySlot.add(List.of());
            }
        }

        void bind(int slot, List<SourcedRule> rules) {
            rulesBySlot.set(slot, rules.stream().map(SourcedRule::rule).toList());
        }

        boolean allow(int slot, byte[] packet, int offset, int length) {
            int version = (packet[offset] >> 4) & 0xf;
            int protocol;
            int l4;
            if (version == 4) {
                protocol = packet[offset + 9] & 0xff;
                l4 = offset + ((packet[offset] & 0xf) << 2);
            } else {
                protocol = packet[offset + 6] & 0xff;
                l4 = offset + 40;
            }
            Protocol transport = protocol == TCP ? Protocol.TCP : protocol == UDP ? Protocol.UDP : null;
            if (transport == null || l4 + 4 > offset + length) {
                return defaultAllow;
            }
            int port = (packet[l4 + 2] & 0xff) << 8 | packet[l4 + 3] & 0xff;
            for (Rule rule : rulesBySlot.get(slot)) {
                if (rule.matches(transport, port)) {
                    return rule.action() == Action.ALLOW;
                }
            }
            return defaultAllow;
        }
    }
}

package dev.plexd.service.filter;

import dev.plexd.testing.LogCapture;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.plexd.service.InboundFilter;
import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.Limits;
import dev.plexd.service.policy.PolicyException;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.service.policy.ServicesDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static dev.plexd.service.filter.Packets.ICMP;
import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.ipv4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceFilterTest {

    @TempDir
    Path configDir;

    private final ServiceFilter filter = new ServiceFilter();
    private final LogCapture logs = LogCapture.of(ServiceFilter.class);

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    static String key(int n) {
        byte[] bytes = new byte[32];
        bytes[0] = (byte) n;
        bytes[1] = (byte) (n >>> 8);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private boolean judge(int slot, byte[] packet) {
        return filter.allowInbound(slot, packet, 0, packet.length);
    }

    private ServicesDir services() {
        return new ServicesDir(configDir);
    }

    @Test
    void closedUntilAPolicyIsInstalled() {
        filter.bindSlot(0, key(0));
        assertThat(judge(0, ipv4(TCP, 22))).isFalse();
        assertThat(judge(0, ipv4(ICMP, 0, 0, false, new byte[8]))).isTrue();
    }

    @Test
    void noPolicyAllowsEverythingEvenGarbage() throws Exception {
        filter.install(PolicySet.NONE, PeerDirectory.EMPTY);
        assertThat(judge(7, new byte[]{1, 2, 3})).isTrue();
        assertThat(judge(-1, ipv4(TCP, 22))).as("even an unknown slot").isTrue();
        assertThat(filter.totalAllowed()).isEqualTo(2);
    }

    @Test
    void peerFilesApplyByNodeIdThroughTheDirectoryAndByKey() throws Exception {
        PolicySet set = services().defaultAction("deny")
                .peer("node-1", "allow tcp 5432\n")
                .peer(dev.plexd.service.policy.Names.fileNameForKey(key(2)), "allow tcp 6379\n")
                .load();
        filter.install(set, PeerDirectory.of(List.of(new MeshPeer("node-1", key(1), "10.100.0.1", List.of()))));
        filter.bindSlot(1, key(1));
        filter.bindSlot(2, key(2));
        assertThat(judge(1, ipv4(TCP, 5432))).isTrue();
        assertThat(judge(1, ipv4(TCP, 6379))).isFalse();
        assertThat(judge(2, ipv4(TCP, 6379))).isTrue();
        assertThat(judge(2, ipv4(TCP, 5432))).isFalse();
    }

    @Test
    void directoryOrgsAreAnInputOfTheCompile() throws Exception {
        PolicySet set = services().defaultAction("deny").org("ops", "allow tcp 22\n").load();
        filter.bindSlot(4, key(4));
        filter.install(set, PeerDirectory.of(List.of(new MeshPeer("node-4", key(4), null, List.of()))));
        assertThat(judge(4, ipv4(TCP, 22))).isFalse();
        filter.install(set, PeerDirectory.of(List.of(new MeshPeer("node-4", key(4), null, List.of("ops")))));
        assertThat(judge(4, ipv4(TCP, 22))).isTrue();
    }

    @Test
    void unboundAndOutOfRangeSlotsGetTheDefault() throws Exception {
        filter.install(services().defaultAction("deny").global("allow tcp 22\n").load(), PeerDirectory.EMPTY);
        assertThat(judge(9, ipv4(TCP, 22))).as("unbound: no rule can apply").isFalse();
        assertThat(filter.dropped(9, DropReason.UNKNOWN_PEER)).isEqualTo(1);
        assertThat(judge(-5, ipv4(TCP, 22))).isFalse();
        assertThat(judge(InboundFilter.MAX_PEER_SLOTS, ipv4(TCP, 22))).isFalse();
        filter.bindSlot(9, key(9));
        assertThat(judge(9, ipv4(TCP, 22))).isTrue();
        filter.unbindSlot(9);
        assertThat(judge(9, ipv4(TCP, 22))).isFalse();

        filter.install(services().defaultAction("allow").global("deny tcp 22\n").load(), PeerDirectory.EMPTY);
        assertThat(judge(9, ipv4(TCP, 22))).as("unbound under default allow").isTrue();
    }

    @Test
    void bindingReusesCompiledPoliciesAndRecompilesForNewOnes() throws Exception {
        PolicySet set = services().defaultAction("deny").global("allow tcp 22\n").peer("node-2", "allow tcp 80\n").load();
        PeerDirectory peers = PeerDirectory.of(List.of(new MeshPeer("node-1", key(1), null, List.of()),
                new MeshPeer("node-2", key(2), null, List.of())));
        filter.install(set, peers);
        long before = filter.generation();
        filter.bindSlot(1, key(1));
        filter.bindSlot(2, key(2));
        filter.bindSlot(3, key(3));
        assertThat(filter.generation()).isEqualTo(before + 3);
        assertThat(judge(1, ipv4(TCP, 80))).isFalse();
        assertThat(judge(2, ipv4(TCP, 80))).isTrue();
        assertThat(judge(3, ipv4(TCP, 22))).isTrue();
    }

    @Test
    void invalidBindingsLeaveTheSlotUnbound() throws Exception {
        filter.install(services().defaultAction("deny").global("allow tcp 22\n").load(), PeerDirectory.EMPTY);
        filter.bindSlot(5, key(5));
        filter.bindSlot(5, "not-a-key");
        assertThat(judge(5, ipv4(TCP, 22))).isFalse();
        filter.bindSlot(-1, key(1));
        filter.bindSlot(InboundFilter.MAX_PEER_SLOTS, key(1));
        assertThat(logs.events()).extracting(ILoggingEvent::getFormattedMessage)
                .contains("service filter: not a 32-byte base64 key, slot left unbound", "service filter: slot out of range, not bound");
    }

    @Test
    void countersPerSlotAndReasonResetOnRebind() throws Exception {
        filter.install(services().defaultAction("deny").global("allow tcp 22\n").load(), PeerDirectory.EMPTY);
        filter.bindSlot(1, key(1));
        judge(1, ipv4(TCP, 22));
        judge(1, ipv4(TCP, 22));
        judge(1, ipv4(TCP, 23));
        judge(1, new byte[]{1});
        judge(1, new byte[]{0x45});
        assertThat(filter.allowed(1)).isEqualTo(2);
        assertThat(filter.dropped(1, DropReason.POLICY)).isEqualTo(1);
        assertThat(filter.dropped(1, DropReason.UNCLASSIFIED)).isEqualTo(1);
        assertThat(filter.dropped(1, DropReason.MALFORMED)).isEqualTo(1);
        PeerCounters counters = filter.peerCounters().getFirst();
        assertThat(counters.slot()).isEqualTo(1);
        assertThat(counters.peer()).isEqualTo(key(1));
        assertThat(counters.allowed()).isEqualTo(2);
        assertThat(counters.droppedTotal()).isEqualTo(3);
        assertThat(filter.totalDropped(DropReason.POLICY)).isEqualTo(1);

        filter.bindSlot(1, key(7));
        assertThat(filter.allowed(1)).isZero();
        assertThat(filter.dropped(1, DropReason.POLICY)).isZero();
    }

    @Test
    void dropsAreLoggedRateLimitedWithTheRestCounted() throws Exception {
        filter.install(services().defaultAction("deny").load(),
                PeerDirectory.of(List.of(new MeshPeer("node-1", key(1), null, List.of()))));
        filter.bindSlot(1, key(1));
        for (int i = 0; i < 25; i++) {
            judge(1, ipv4(TCP, 1000 + i));
        }
        filter.logDrops();
        List<ILoggingEvent> dropped = logs.events().stream()
                .filter(event -> event.getFormattedMessage().equals("service filter dropped a packet")).toList();
        assertThat(dropped).hasSize(DropLog.LINES_PER_SECOND);
        assertThat(dropped.getFirst().getKeyValuePairs().toString())
                .contains("peer=\"node-1\"", "slot=\"1\"", "reason=\"policy\"", "packet=\"tcp 10.100.0.2 -> 10.100.0.1 port 1000\"");
        ILoggingEvent rest = logs.events().stream()
                .filter(event -> event.getFormattedMessage().equals("service filter drops not logged (rate limit)"))
                .findFirst().orElseThrow();
        assertThat(rest.getKeyValuePairs().toString()).contains("dropped=\"15\"");

        // The next second has a fresh budget.
        logs.clear();
        judge(1, ipv4(TCP, 1));
        filter.logDrops();
        assertThat(logs.events()).extracting(ILoggingEvent::getFormattedMessage).containsExactly("service filter dropped a packet");
    }

    /**
     * Under "deny all" a denied peer learns nothing from stealth scans: FIN, NULL and XMAS probes
     * are dropped (Linux would answer them with RST on a closed port only), while ACK, SYN+ACK and
     * RST pass (the stack answers or ignores them alike on every port).
     */
    @Test
    void underDenyAllStealthScansOfADeniedPortAreDroppedAndCounted() throws Exception {
        filter.install(services().global("deny all\n").peer("node-1", "allow tcp 22\n").load(),
                PeerDirectory.of(List.of(new MeshPeer("node-1", key(1), null, List.of()),
                        new MeshPeer("node-2", key(2), null, List.of()))));
        filter.bindSlot(1, key(1));
        filter.bindSlot(2, key(2));
        int fin = Packets.FIN;
        int xmas = Packets.FIN | Packets.PSH | Packets.URG;
        for (int flags : new int[]{fin, 0, xmas}) {
            assertThat(judge(2, ipv4(TCP, 0, 0, false, Packets.l4(TCP, 22, 0, flags)))).as("flags %#x from the denied peer", flags).isFalse();
            assertThat(judge(2, Packets.ipv6(TCP, Packets.l4(TCP, 22, 0, flags)))).as("IPv6, flags %#x", flags).isFalse();
            assertThat(judge(1, ipv4(TCP, 0, 0, false, Packets.l4(TCP, 22, 0, flags)))).as("flags %#x to an allowed port", flags).isTrue();
        }
        assertThat(filter.dropped(2, DropReason.POLICY)).isEqualTo(6);
        for (int flags : new int[]{Packets.SYN | Packets.ACK, Packets.RST, Packets.ACK}) {
            assertThat(judge(2, ipv4(TCP, 0, 0, false, Packets.l4(TCP, 22, 0, flags)))).as("flags %#x pass", flags).isTrue();
        }
        assertThat(filter.allowed(2)).isEqualTo(3);
        filter.logDrops();
        assertThat(logs.events()).filteredOn(event -> event.getFormattedMessage().equals("service filter dropped a packet"))
                .hasSize(6)
                .allSatisfy(event -> assertThat(LogCapture.fields(event))
                        .containsEntry("peer", "node-2").containsEntry("reason", "policy"));
    }

    @Test
    void aFailedInstallKeepsTheLastGoodPolicy() throws Exception {
        filter.install(services().defaultAction("deny").global("allow tcp 22\n").load(), PeerDirectory.EMPTY);
        filter.bindSlot(0, key(0));
        long generation = filter.generation();
        // Peers in distinct sets of 13 orgs: one more distinct effective policy than the limit.
        ServicesDir dir = services();
        for (int org = 0; org < 13; org++) {
            dir.org("o" + org, "allow tcp " + (1000 + org) + "\n");
        }
        List<MeshPeer> peers = new ArrayList<>();
        for (int i = 1; i <= Limits.MAX_DISTINCT_POLICIES + 1; i++) {
            List<String> orgs = new ArrayList<>();
            for (int org = 0; org < 13; org++) {
                if ((i >>> org & 1) != 0) {
                    orgs.add("o" + org);
                }
            }
            peers.add(new MeshPeer("n" + i, key(i), null, orgs));
            filter.bindSlot(i, key(i));
        }
        PolicySet tooMany = dir.load();
        assertThatThrownBy(() -> filter.install(tooMany, PeerDirectory.of(peers)))
                .isInstanceOf(PolicyException.class)
                .hasMessage("services: too many distinct effective policies (combinations of peer files and orgs), at most 4096 (4098)"); // and slot 0, in no org
        assertThat(judge(0, ipv4(TCP, 22))).as("old policy still in force").isTrue();
        assertThat(filter.generation()).isGreaterThan(generation);
    }

    @Test
    void verdictBlocksUpToTheLimitCompileAndOneMoreIsRefusedKeepingTheLastGoodPolicy() throws Exception {
        // Org k allows the port at 64k + b within TCP block b, so each of 1,023 sets of the 11 orgs has
        // 64 blocks of its own: 65,472, and one all-deny block for UDP. Peer "edge" adds a block of its
        // own per rule (the port at 704 + b within block b, above every org's): 63 rules reach the
        // limit exactly.
        ServicesDir dir = services().defaultAction("deny").global("allow tcp 22\n");
        for (int org = 0; org < 11; org++) {
            StringBuilder rules = new StringBuilder();
            for (int block = 0; block < 64; block++) {
                rules.append("allow tcp ").append(block * 1024 + org * 64 + block).append('\n');
            }
            dir.org("o" + org, rules.toString());
        }
        int sets = 1_023;
        List<MeshPeer> peers = new ArrayList<>();
        for (int i = 1; i <= sets; i++) {
            List<String> orgs = new ArrayList<>();
            for (int org = 0; org < 11; org++) {
                if ((i >>> org & 1) != 0) {
                    orgs.add("o" + org);
                }
            }
            peers.add(new MeshPeer("n" + i, key(i), null, orgs));
        }
        int edge = sets + 1;
        peers.add(new MeshPeer("edge", key(edge), null, List.of()));
        for (int slot = 1; slot <= edge; slot++) {
            filter.bindSlot(slot, key(slot));
        }

        filter.install(dir.peer("edge", edgeRules(63)).load(), PeerDirectory.of(peers));
        assertThat(judge(edge, ipv4(TCP, 62 * 1024 + 704 + 62))).isTrue();
        assertThat(judge(edge, ipv4(TCP, 63 * 1024 + 704 + 63))).isFalse();
        long generation = filter.generation();

        PolicySet oneBlockMore = dir.peer("edge", edgeRules(64)).load();
        assertThatThrownBy(() -> filter.install(oneBlockMore, PeerDirectory.of(peers)))
                .isInstanceOf(PolicyException.class)
                .hasMessage("services: too many distinct 1024-port verdict blocks in the policies in use, at most 65536 (65537)");
        assertThat(judge(edge, ipv4(TCP, 63 * 1024 + 704 + 63))).as("old policy still in force").isFalse();
        assertThat(judge(1, ipv4(TCP, 0))).isTrue();
        assertThat(filter.generation()).isEqualTo(generation);
    }

    private static String edgeRules(int count) {
        StringBuilder rules = new StringBuilder();
        for (int block = 0; block < count; block++) {
            rules.append("allow tcp ").append(block * 1024 + 704 + block).append('\n');
        }
        return rules.toString();
    }
}

package dev.plexd.service.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The specification's evaluation: peer → org → global → default, first match wins within a file. */
class EvaluationTest {

    // A key whose standard base64 contains both '/' and '+', so it cannot be a file name as is.
    static final byte[] KEY_BYTES = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            KEY_BYTES[i] = (byte) (0xfb + i * 7);
        }
    }

    static final String KEY = Base64.getEncoder().encodeToString(KEY_BYTES);
    static final String URL_KEY = Base64.getUrlEncoder().encodeToString(KEY_BYTES);
    static final String URL_KEY_UNPADDED = Base64.getUrlEncoder().withoutPadding().encodeToString(KEY_BYTES);

    @TempDir
    Path configDir;

    private ServicesDir services() {
        return new ServicesDir(configDir);
    }

    private static Decision decide(PolicySet set, PeerIdentity peer, Protocol protocol, int port) {
        return set.effectiveFor(peer).decide(protocol, port);
    }

    private static PeerIdentity node(String id) {
        return new PeerIdentity(id, null, List.of());
    }

    @Test
    void keyFixtureNeedsTheUrlSafeForm() {
        assertThat(KEY).contains("/").contains("+");
        assertThat(Names.isSafe(KEY)).isFalse();
        assertThat(Names.isSafe(URL_KEY)).isTrue();
        assertThat(Names.canonicalKey(URL_KEY)).isEqualTo(KEY);
        assertThat(Names.canonicalKey(URL_KEY_UNPADDED)).isEqualTo(KEY);
        assertThat(Names.fileNameForKey(KEY)).isEqualTo(URL_KEY);
        assertThat(Names.canonicalKey("node-1")).isNull();
    }

    @Test
    void emptyFilterAllowsAll() throws Exception {
        PolicySet none = PolicyLoader.load(configDir);
        assertThat(decide(none, node("x"), Protocol.TCP, 22)).isEqualTo(new Decision(Action.ALLOW, null));
        PolicySet emptyDir = services().file("aliases", "").load();
        assertThat(emptyDir.configured()).isTrue();
        assertThat(emptyDir.allowsEverything()).isTrue();
        assertThat(decide(emptyDir, node("x"), Protocol.UDP, 53).allowed()).isTrue();
    }

    @Test
    void allowlistPattern() throws Exception {
        PolicySet set = services().global("allow tcp 22\nallow tcp 443\ndeny all\n").load();
        assertThat(decide(set, node("x"), Protocol.TCP, 22).origin()).isEqualTo("services/global.policy:1: allow tcp 22");
        assertThat(decide(set, node("x"), Protocol.TCP, 443).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.TCP, 80).origin()).isEqualTo("services/global.policy:3: deny all");
        assertThat(decide(set, node("x"), Protocol.UDP, 22).allowed()).isFalse();
    }

    @Test
    void peerThenGlobalThenDefault() throws Exception {
        PolicySet set = services().defaultAction("deny")
                .global("allow tcp 22\ndeny tcp 5432\n")
                .peer("db-admin", "allow tcp 5432\n")
                .load();
        PeerIdentity admin = node("db-admin");
        assertThat(decide(set, admin, Protocol.TCP, 5432).origin()).isEqualTo("services/peer/db-admin.policy:1: allow tcp 5432");
        assertThat(decide(set, admin, Protocol.TCP, 22).origin()).isEqualTo("services/global.policy:1: allow tcp 22");
        assertThat(decide(set, admin, Protocol.TCP, 80)).isEqualTo(new Decision(Action.DENY, null));
        assertThat(decide(set, admin, Protocol.TCP, 80).origin()).isEqualTo("default");
        assertThat(decide(set, node("other"), Protocol.TCP, 5432).origin()).isEqualTo("services/global.policy:2: deny tcp 5432");
    }

    @Test
    void firstMatchWinsWithinAFile() throws Exception {
        PolicySet set = services().global("deny tcp 8000-9000\nallow tcp 8080\n").load();
        assertThat(decide(set, node("x"), Protocol.TCP, 8080).allowed()).isFalse();
    }

    @Test
    void allProtocolMatchesTcpAndUdp() throws Exception {
        PolicySet set = services().defaultAction("deny").global("allow all 443\n").load();
        assertThat(decide(set, node("x"), Protocol.TCP, 443).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.UDP, 443).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.UDP, 444).allowed()).isFalse();
    }

    @Test
    void rangesAtTheirEdges() throws Exception {
        PolicySet set = services().defaultAction("deny").global("allow tcp 8080-8089\nallow udp 0\nallow udp 65535\n").load();
        assertThat(decide(set, node("x"), Protocol.TCP, 8079).allowed()).isFalse();
        assertThat(decide(set, node("x"), Protocol.TCP, 8080).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.TCP, 8089).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.TCP, 8090).allowed()).isFalse();
        assertThat(decide(set, node("x"), Protocol.UDP, 0).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.UDP, 1).allowed()).isFalse();
        assertThat(decide(set, node("x"), Protocol.UDP, 65535).allowed()).isTrue();
        assertThat(decide(set, node("x"), Protocol.UDP, 65534).allowed()).isFalse();
    }

    @Test
    void orgRulesComeAfterPeerRulesAndBeforeGlobal() throws Exception {
        PolicySet set = services().defaultAction("deny")
                .global("deny tcp 80\nallow tcp 22\n")
                .org("eosrio", "allow tcp 80\n")
                .members("eosrio", "node-1\n")
                .peer("node-1", "deny tcp 22\n")
                .load();
        PeerIdentity member = node("node-1");
        assertThat(decide(set, member, Protocol.TCP, 80).origin()).isEqualTo("services/org/eosrio.policy:1: allow tcp 80");
        assertThat(decide(set, member, Protocol.TCP, 22).origin()).isEqualTo("services/peer/node-1.policy:1: deny tcp 22");
        assertThat(decide(set, node("node-2"), Protocol.TCP, 80).allowed()).isFalse();
        assertThat(set.effectiveFor(member).memberOf()).containsExactly("eosrio");
    }

    @Test
    void orgsMarkedByTheControlPlaneApplyAndSeveralOrgsGoInNameOrder() throws Exception {
        PolicySet set = services().defaultAction("deny")
                .org("zeta", "deny tcp 80\n")
                .org("alpha", "allow tcp 80\n")
                .org("beta", "deny tcp 80\nallow tcp 81\n")
                .members("zeta", "node-1\n")
                .load();
        PeerIdentity peer = new PeerIdentity("node-1", null, List.of("beta", "alpha", "no-such-org"));
        EffectivePolicy effective = set.effectiveFor(peer);
        assertThat(effective.key().orgs()).containsExactly("alpha", "beta", "zeta");
        assertThat(effective.memberOf()).containsExactly("alpha", "beta", "no-such-org", "zeta");
        assertThat(effective.decide(Protocol.TCP, 80).origin()).isEqualTo("services/org/alpha.policy:1: allow tcp 80");
        assertThat(effective.decide(Protocol.TCP, 81).origin()).isEqualTo("services/org/beta.policy:2: allow tcp 81");
    }

    @Test
    void peerFilesNamedByNodeIdAliasOrAnyKeyForm() throws Exception {
        PolicySet set = services().defaultAction("deny")
                .aliases("laptop " + KEY + "\nbuild node-9\n")
                .peer("node-9", "allow tcp 1\n")
                .peer("laptop", "allow tcp 2\n")
                .peer("build", "allow tcp 3\n")
                .peer(URL_KEY, "allow tcp 4\n")
                .peer(URL_KEY_UNPADDED, "allow tcp 5\n")
                .load();
        PeerIdentity peer = new PeerIdentity("node-9", KEY, List.of());
        EffectivePolicy effective = set.effectiveFor(peer);
        // node-ID file, then alias files by name, then key files by name.
        assertThat(effective.key().peerFiles()).containsExactly("node-9", "build", "laptop", URL_KEY_UNPADDED, URL_KEY);
        for (int port = 1; port <= 5; port++) {
            assertThat(effective.decide(Protocol.TCP, port).allowed()).as("port %d", port).isTrue();
        }
        // Known by key only (not in the peer directory): the node-ID and node-ID alias files do not apply.
        assertThat(set.effectiveFor(new PeerIdentity(null, KEY, List.of())).key().peerFiles())
                .containsExactly("laptop", URL_KEY_UNPADDED, URL_KEY);
    }

    @Test
    void membersMayBeKeysOrAliases() throws Exception {
        PolicySet set = services()
                .aliases("laptop " + URL_KEY + "\n")
                .members("a", KEY + "\n")
                .members("b", "laptop\n")
                .members("c", URL_KEY_UNPADDED + "\n")
                .org("a", "deny tcp 1\n").org("b", "deny tcp 2\n").org("c", "deny tcp 3\n")
                .load();
        EffectivePolicy effective = set.effectiveFor(new PeerIdentity(null, KEY, List.of()));
        assertThat(effective.key().orgs()).containsExactly("a", "b", "c");
    }

    @Test
    void theCliIdentifiesANameByAliasKeyOrNodeId() throws Exception {
        PolicySet set = services().aliases("laptop " + URL_KEY + "\nbuild node-9\n").load();
        assertThat(set.identify("laptop")).isEqualTo(new PeerIdentity(null, KEY, List.of()));
        assertThat(set.identify("build")).isEqualTo(new PeerIdentity("node-9", null, List.of()));
        assertThat(set.identify(KEY)).isEqualTo(new PeerIdentity(null, KEY, List.of()));
        assertThat(set.identify("node-1")).isEqualTo(new PeerIdentity("node-1", null, List.of()));
    }

    @Test
    void allowsEverythingOnlyWhenNothingCanBeDenied() throws Exception {
        assertThat(services().global("allow tcp 22\n").load().allowsEverything()).isTrue();
        assertThat(services().global("deny tcp 22\n").load().allowsEverything()).isFalse();
        services().global("");
        assertThat(services().defaultAction("deny").load().allowsEverything()).isFalse();
    }
}

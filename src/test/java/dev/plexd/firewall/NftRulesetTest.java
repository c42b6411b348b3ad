package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ruleset built for nftables decides every packet as first-match over the original list does,
 * whatever the interleaving of allow, deny, wildcards and prefixes: checked by interpreting the
 * generated chain and sets against a straightforward reference.
 */
class NftRulesetTest {

    private static final String CHAIN = "plexd-mesh";

    private static final List<String> ADDRESSES = List.of(
            "10.100.0.1", "10.100.0.2", "10.100.0.3", "10.100.0.0/30", "10.100.0.0/16", "10.0.0.0/8",
            "fd00::1", "fd00::2", "fd00::/126", "::/0", FirewallRule.ANY, FirewallRule.ANY, "");
    private static final List<String> PACKET_V4 = List.of("10.100.0.1", "10.100.0.2", "10.100.0.3", "10.100.0.5", "10.200.0.1");
    private static final List<String> PACKET_V6 = List.of("fd00::1", "fd00::2", "fd00::3", "fd00::9");
    private static final List<String> PROTOCOLS = List.of("tcp", "udp", "icmp");
    private static final List<Integer> PORTS = List.of(22, 80, 443);

    record Packet(InetAddress src, InetAddress dst, String protocol, int port) {
    }

    @Test
    void generatedRulesetDecidesEveryPacketLikeFirstMatchOverTheList() throws Exception {
        Random random = new Random(42);
        List<Packet> packets = packets();
        for (int round = 0; round < 150; round++) {
            List<FirewallRule> rules = new ArrayList<>();
            int size = 1 + random.nextInt(25);
            for (int i = 0; i < size; i++) {
                rules.add(randomRule(random));
            }
            NftState state = NftRuleset.build(CHAIN, "pxf0", RuleCompiler.compile(CHAIN, rules).rules());
            for (Packet packet : packets) {
                assertThat(NftInterpreter.allows(state, CHAIN, packet))
                        .as("packet %s with rules %s\nchain %s", packet, rules, state.chains().get(CHAIN).rules())
                        .isEqualTo(reference(rules, packet));
            }
        }
    }

    @Test
    void perPeerDenyThenAllowStaysTwoLayersPlusTheDefaultDeny() throws Exception {
        List<FirewallRule> rules = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String peer = "10.100." + (i / 250 + 1) + "." + (i % 250 + 1);
            rules.add(new FirewallRule("pxf0", peer, "10.100.0.1", 22, "tcp", "deny"));
            rules.add(new FirewallRule("pxf0", peer, "10.100.0.1", 0, "", "allow"));
            // The node's outbound policy: the local node is the source of every one of these.
            rules.add(new FirewallRule("pxf0", "10.100.0.1", peer, 25, "tcp", "deny"));
            rules.add(new FirewallRule("pxf0", "10.100.0.1", peer, 0, "", "allow"));
        }
        rules.add(new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        NftState state = NftRuleset.build(CHAIN, "pxf0", RuleCompiler.compile(CHAIN, rules).rules());
        assertThat(state.sets().keySet()).containsExactlyInAnyOrder(
                "plexd-mesh-1-deny-ip-src-dst-proto-port", "plexd-mesh-2-allow-ip-src-dst");
        assertThat(state.sets().get("plexd-mesh-1-deny-ip-src-dst-proto-port").elements()).hasSize(1000);
        assertThat(state.chains().get(CHAIN).rules()).containsExactly(
                "ct state established,related accept",
                "ct state invalid drop",
                "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept",
                "ip saddr . ip daddr . meta l4proto . th dport @plexd-mesh-1-deny-ip-src-dst-proto-port drop",
                "ip saddr . ip daddr @plexd-mesh-2-allow-ip-src-dst accept",
                "drop",
                "drop");
    }

    @Test
    void typicalPolicyRulesBecomeSetsAndBaseChainsHookEveryDirection() throws Exception {
        List<FirewallRule> rules = List.of(
                new FirewallRule("pxf0", "10.100.0.2", "10.100.0.1", 22, "tcp", "allow"),
                new FirewallRule("pxf0", FirewallRule.ANY, "10.100.0.1", 443, "tcp", "allow"),
                new FirewallRule("pxf0", "fd00::2", FirewallRule.ANY, 0, "udp", "allow"),
                new FirewallRule("pxf0", "10.100.0.0/24", "10.100.0.1", 0, "", "allow"),
                new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 53, "udp", "allow"),
                new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        NftState state = NftRuleset.build(CHAIN, "pxf0", RuleCompiler.compile(CHAIN, rules).rules());
        // One layer: its sets in name order, then its plain rules; then the final deny's layer and the chain's drop.
        assertThat(state.chains().get(CHAIN).rules()).containsExactly(
                "ct state established,related accept",
                "ct state invalid drop",
                "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept",
                "meta l4proto . th dport @plexd-mesh-0-allow-inet-proto-port accept",
                "ip daddr . meta l4proto . th dport @plexd-mesh-0-allow-ip-dst-proto-port accept",
                "ip saddr . ip daddr . meta l4proto . th dport @plexd-mesh-0-allow-ip-src-dst-proto-port accept",
                "ip6 saddr . meta l4proto @plexd-mesh-0-allow-ip6-src-proto accept",
                "ip saddr 10.100.0.0/24 ip daddr 10.100.0.1 accept",
                "drop",
                "drop");
        assertThat(state.sets().get("plexd-mesh-0-allow-ip-src-dst-proto-port").type())
                .isEqualTo("ipv4_addr . ipv4_addr . inet_proto . inet_service");
        assertThat(state.sets().get("plexd-mesh-0-allow-ip-src-dst-proto-port").elements())
                .containsExactly("10.100.0.2 . 10.100.0.1 . tcp . 22");
        assertThat(state.sets().get("plexd-mesh-0-allow-ip6-src-proto").elements()).containsExactly("fd00::2 . udp");
        assertThat(state.chains().get("plexd-mesh-input").rules()).containsExactly("iifname \"pxf0\" jump plexd-mesh");
        assertThat(state.chains().get("plexd-mesh-output").rules()).containsExactly("oifname \"pxf0\" jump plexd-mesh");
        assertThat(state.chains().get("plexd-mesh-forward").rules())
                .containsExactly("iifname \"pxf0\" jump plexd-mesh", "oifname \"pxf0\" jump plexd-mesh");
        assertThat(state.chains().get("plexd-mesh-forward").hook()).isEqualTo(NftState.Hook.filter("forward"));
        assertThat(state.sets().keySet()).allMatch(name -> NftNames.ownedBy(CHAIN, name));
        assertThat(state.chains().keySet()).allMatch(name -> NftNames.ownedBy(CHAIN, name));
        assertThat(NftNames.ownedBy(CHAIN, "plexd-mesh-other")).isFalse();
        assertThat(NftNames.ownedBy(CHAIN, "plexd-meshx")).isFalse();
    }

    @Test
    void withoutAnInterfaceNothingJumpsToTheChain() {
        NftState state = NftRuleset.build(CHAIN, null, List.of());
        assertThat(state.chains().keySet()).containsExactly(CHAIN);
        assertThat(state.sets()).isEmpty();
    }

    private static FirewallRule randomRule(Random random) {
        String protocol = List.of("", "", "tcp", "udp").get(random.nextInt(4));
        int port = protocol.isEmpty() || random.nextBoolean() ? 0 : List.of(22, 80).get(random.nextInt(2));
        return new FirewallRule("pxf0", ADDRESSES.get(random.nextInt(ADDRESSES.size())),
                ADDRESSES.get(random.nextInt(ADDRESSES.size())), port, protocol, random.nextBoolean() ? "allow" : "deny");
    }

    private static List<Packet> packets() {
        List<Packet> packets = new ArrayList<>();
        for (List<String> family : List.of(PACKET_V4, PACKET_V6)) {
            for (String src : family) {
                for (String dst : family) {
                    for (String protocol : PROTOCOLS) {
                        for (int port : PORTS) {
                            packets.add(new Packet(InetAddress.ofLiteral(src), InetAddress.ofLiteral(dst), protocol,
                                    protocol.equals("icmp") ? 0 : port));
                        }
                    }
                }
            }
        }
        return packets;
    }

    /** First match over the list; an empty address matches nothing; no match drops. */
    static boolean reference(List<FirewallRule> rules, Packet packet) {
        for (FirewallRule rule : rules) {
            if (matches(rule.srcIp(), packet.src) && matches(rule.dstIp(), packet.dst)
                    && (rule.protocol().isEmpty() || rule.protocol().equals(packet.protocol))
                    && (rule.port() == 0 || rule.port() == packet.port)) {
                return rule.isAllow();
            }
        }
        return false;
    }

    private static boolean matches(String cidr, InetAddress address) {
        if (cidr.isEmpty()) {
            return false;
        }
        if (cidr.equals(FirewallRule.ANY)) {
            return true;
        }
        String[] parts = cidr.split("/");
        InetAddress network = InetAddress.ofLiteral(parts[0]);
        if ((network instanceof Inet4Address) != (address instanceof Inet4Address)) {
            return false;
        }
        int length = parts.length == 1 ? network.getAddress().length * 8 : Integer.parseInt(parts[1]);
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        for (int bit = 0; bit < length; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}

package dev.plexd.service.filter;

import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.Decision;
import dev.plexd.service.policy.EffectivePolicy;
import dev.plexd.service.policy.Names;
import dev.plexd.service.policy.PeerIdentity;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.service.policy.Protocol;
import dev.plexd.service.policy.ServicesDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.plexd.service.filter.Packets.DESTINATION_OPTIONS;
import static dev.plexd.service.filter.Packets.FRAGMENT;
import static dev.plexd.service.filter.Packets.HOP_BY_HOP;
import static dev.plexd.service.filter.Packets.ROUTING;
import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.concat;
import static dev.plexd.service.filter.Packets.extension;
import static dev.plexd.service.filter.Packets.fragmentHeader;
import static dev.plexd.service.filter.Packets.ipv4;
import static dev.plexd.service.filter.Packets.ipv6;
import static dev.plexd.service.filter.Packets.l4;

/**
 * The compiled filter agrees with the specification's rule-by-rule evaluation of the parsed files
 * ({@link EffectivePolicy#decide}) on random policies, peers and packets, with the filter's
 * TCP rule on top: a segment with ACK or RST passes unjudged, every other one is judged by its port. Seeded: a failure names
 * its seed, and the same seed reproduces it.
 */
class FilterPropertyTest {

    private static final int[] PORTS = {0, 1, 21, 22, 23, 53, 80, 443, 1023, 1024, 1025, 5432, 8000, 8080, 9000, 65534, 65535};
    private static final String[] NODES = {"n0", "n1", "n2", "n3", "n4", "n5"};
    private static final String[] ORGS = {"alpha", "beta", "gamma"};

    @TempDir
    Path tempDir;

    @Test
    void compiledFilterAgreesWithRuleByRuleEvaluationOnRandomPoliciesAndPackets() throws Exception {
        for (long seed = 1; seed <= 200; seed++) {
            checkPackets(seed);
        }
    }

    @Test
    void compiledVerdictsAgreeOnEveryPortOfRandomPolicies() throws Exception {
        for (long seed = 1_000; seed < 1_040; seed++) {
            Random random = new Random(seed);
            Scenario scenario = scenario(random, seed);
            PolicyCompiler.Result compiled = new PolicyCompiler().compile(scenario.set, scenario.identities);
            for (int i = 0; i < scenario.identities.size(); i++) {
                EffectivePolicy effective = scenario.set.effectiveFor(scenario.identities.get(i));
                PortVerdicts verdicts = compiled.policies().get(compiled.policyOf()[i]);
                for (int port = 0; port <= 65_535; port++) {
                    for (Protocol protocol : List.of(Protocol.TCP, Protocol.UDP)) {
                        boolean compiledVerdict = verdicts.allows(protocol == Protocol.TCP ? PortVerdicts.TCP : PortVerdicts.UDP, port);
                        if (compiledVerdict != effective.decide(protocol, port).allowed()) {
                            throw new AssertionError("seed " + seed + " peer " + i + " " + protocol + " " + port
                                    + ": compiled " + compiledVerdict + ", rules say " + effective.decide(protocol, port));
                        }
                    }
                }
            }
        }
    }

    private void checkPackets(long seed) throws Exception {
        Random random = new Random(seed);
        Scenario scenario = scenario(random, seed);
        ServiceFilter filter = new ServiceFilter();
        filter.install(scenario.set, scenario.directory);
        int unboundSlot = scenario.identities.size();
        for (int slot = 0; slot < scenario.identities.size(); slot++) {
            filter.bindSlot(slot, scenario.keys.get(slot));
        }
        boolean allowEverything = scenario.set.allowsEverything();
        boolean defaultAllow = scenario.set.defaultAction() == dev.plexd.service.policy.Action.ALLOW;
        Map<String, Boolean> fragmentVerdicts = new HashMap<>();
        List<EffectivePolicy> effectives = scenario.identities.stream().map(scenario.set::effectiveFor).toList();
        for (int n = 0; n < 400; n++) {
            int slot = random.nextInt(unboundSlot + 1);
            Protocol protocol = random.nextBoolean() ? Protocol.TCP : Protocol.UDP;
            int port = random.nextInt(4) == 0 ? random.nextInt(65_536) : PORTS[random.nextInt(PORTS.length)];
            boolean laterFragment = random.nextInt(8) == 0;
            int tcpFlags = tcpFlags(random);
            byte[] packet = packet(random, protocol, port, tcpFlags, laterFragment);

            boolean expected;
            String why;
            if (allowEverything) {
                expected = true;
                why = "nothing can be denied";
            } else if (slot == unboundSlot) {
                expected = defaultAllow;
                why = "unbound slot: default";
            } else {
                EffectivePolicy effective = effectives.get(slot);
                if (laterFragment) {
                    String cacheKey = slot + "/" + protocol;
                    expected = fragmentVerdicts.computeIfAbsent(cacheKey, k -> uniformOrDefault(effective, protocol));
                    why = "later fragment";
                } else if (protocol == Protocol.TCP && (tcpFlags & (Packets.ACK | Packets.RST)) != 0) {
                    expected = true;
                    why = "TCP segment with ACK or RST: not judged";
                } else {
                    Decision decision = effective.decide(protocol, port);
                    expected = decision.allowed();
                    why = decision.origin();
                }
            }
            int offset = random.nextInt(3);
            byte[] buffer = new byte[offset + packet.length + random.nextInt(3)];
            System.arraycopy(packet, 0, buffer, offset, packet.length);
            if (filter.allowInbound(slot, buffer, offset, packet.length) != expected) {
                throw new AssertionError("seed " + seed + ", packet " + n + ": slot " + slot + " " + protocol + " port " + port
                        + (protocol == Protocol.TCP ? String.format(" flags %#04x", tcpFlags) : "")
                        + (laterFragment ? " later fragment" : "") + " should be " + (expected ? "allowed" : "dropped")
                        + " (" + why + ")");
            }
        }
    }

    /** The specification's answer for a packet without a port: the verdict all ports share, else the default. */
    private static boolean uniformOrDefault(EffectivePolicy effective, Protocol protocol) {
        boolean first = effective.decide(protocol, 0).allowed();
        for (int port = 1; port <= 65_535; port++) {
            if (effective.decide(protocol, port).allowed() != first) {
                return effective.defaultAction() == dev.plexd.service.policy.Action.ALLOW;
            }
        }
        return first;
    }

    /**
     * TCP flags: the common segments (SYN, ACK, SYN+ACK, FIN+ACK, RST, RST+ACK, PSH+ACK), the scan
     * probes (FIN, NULL, XMAS, SYN+FIN), and any byte at all.
     */
    private static int tcpFlags(Random random) {
        int[] shapes = {0x02, 0x10, 0x12, 0x11, 0x04, 0x14, 0x18, 0x01, 0x00, 0x29, 0x03};
        return random.nextInt(4) == 0 ? random.nextInt(256) : shapes[random.nextInt(shapes.length)];
    }

    private static byte[] packet(Random random, Protocol protocol, int port, int tcpFlags, boolean laterFragment) {
        int transport = protocol == Protocol.TCP ? TCP : UDP;
        byte[] l4 = l4(transport, port, random.nextInt(20), tcpFlags);
        if (random.nextBoolean()) {
            if (laterFragment) {
                return ipv4(transport, 4 * random.nextInt(11), 1 + random.nextInt(1000), random.nextBoolean(), l4);
            }
            return ipv4(transport, 4 * random.nextInt(11), 0, random.nextBoolean(), l4);
        }
        byte[] chain = new byte[0];
        int next = transport;
        int headers = random.nextInt(4);
        if (laterFragment) {
            chain = fragmentHeader(transport, 1 + random.nextInt(1000), random.nextBoolean());
            next = FRAGMENT;
        } else if (random.nextInt(4) == 0) {
            chain = fragmentHeader(transport, 0, random.nextBoolean());
            next = FRAGMENT;
        }
        for (int i = 0; i < headers; i++) {
            int kind = new int[]{HOP_BY_HOP, ROUTING, DESTINATION_OPTIONS}[random.nextInt(3)];
            chain = concat(extension(next, random.nextInt(3)), chain);
            next = kind;
        }
        return ipv6(next, laterFragment ? concat(chain, new byte[8]) : concat(chain, l4));
    }

    private record Scenario(PolicySet set, PeerDirectory directory, List<PeerIdentity> identities, List<String> keys) {
    }

    /** Random files (default, global, peer files by node ID / alias / key, orgs, members, aliases) and peers. */
    private Scenario scenario(Random random, long seed) throws Exception {
        Path configDir = Files.createDirectory(tempDir.resolve("seed" + seed + "-" + random.nextInt(1_000_000)));
        ServicesDir dir = new ServicesDir(configDir);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < NODES.length; i++) {
            keys.add(ServiceFilterTest.key(1000 * (int) seed + i));
        }
        if (random.nextInt(10) > 0) {
            dir.defaultAction(random.nextBoolean() ? "allow" : "deny");
        }
        if (random.nextBoolean()) {
            dir.global(rules(random));
        }
        StringBuilder aliases = new StringBuilder();
        for (int i = 0; i < NODES.length; i++) {
            switch (random.nextInt(5)) {
                case 0 -> dir.peer(NODES[i], rules(random));
                case 1 -> {
                    aliases.append("alias-").append(i).append(' ').append(random.nextBoolean() ? NODES[i] : keys.get(i)).append('\n');
                    dir.peer("alias-" + i, rules(random));
                }
                case 2 -> dir.peer(Names.fileNameForKey(keys.get(i)), rules(random));
                default -> {
                }
            }
        }
        if (!aliases.isEmpty()) {
            dir.aliases(aliases.toString());
        }
        for (String org : ORGS) {
            if (random.nextBoolean()) {
                dir.org(org, rules(random));
            }
            if (random.nextBoolean()) {
                StringBuilder members = new StringBuilder();
                for (int i = 0; i < NODES.length; i++) {
                    if (random.nextInt(3) == 0) {
                        members.append(random.nextBoolean() ? NODES[i] : keys.get(i)).append('\n');
                    }
                }
                dir.members(org, members.toString());
            }
        }
        try {
            Files.createDirectories(configDir.resolve("services"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PolicySet set = dir.load();
        List<MeshPeer> peers = new ArrayList<>();
        List<PeerIdentity> identities = new ArrayList<>();
        for (int i = 0; i < NODES.length; i++) {
            List<String> orgs = new ArrayList<>();
            for (String org : ORGS) {
                if (random.nextInt(4) == 0) {
                    orgs.add(org);
                }
            }
            if (random.nextInt(6) == 0) {
                identities.add(new PeerIdentity(null, keys.get(i), List.of())); // bound, unknown to the control plane
            } else {
                peers.add(new MeshPeer(NODES[i], keys.get(i), "10.100.0." + (i + 1), orgs));
                identities.add(new PeerIdentity(NODES[i], keys.get(i), orgs));
            }
        }
        peers.sort(Comparator.comparing(MeshPeer::nodeId));
        return new Scenario(set, PeerDirectory.of(peers), identities, keys);
    }

    private static String rules(Random random) {
        StringBuilder text = new StringBuilder();
        int count = random.nextInt(8);
        for (int i = 0; i < count; i++) {
            if (random.nextInt(5) == 0) {
                text.append("# comment\n");
            }
            String action = random.nextBoolean() ? "allow" : "deny";
            if (random.nextInt(12) == 0) {
                text.append(action).append(" all\n");
                continue;
            }
            String protocol = new String[]{"tcp", "udp", "all"}[random.nextInt(3)];
            String ports = switch (random.nextInt(6)) {
                case 0 -> "all";
                case 1, 2 -> {
                    int a = PORTS[random.nextInt(PORTS.length)];
                    int b = PORTS[random.nextInt(PORTS.length)];
                    yield Math.min(a, b) + "-" + Math.max(a, b);
                }
                default -> Integer.toString(PORTS[random.nextInt(PORTS.length)]);
            };
            text.append(action).append(' ').append(protocol).append(' ').append(ports).append('\n');
        }
        return text.toString();
    }
}

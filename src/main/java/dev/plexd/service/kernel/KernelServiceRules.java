package dev.plexd.service.kernel;

import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.filter.PolicyCompiler;
import dev.plexd.service.filter.PortVerdicts;
import dev.plexd.service.policy.Action;
import dev.plexd.service.policy.PeerIdentity;
import dev.plexd.service.policy.PolicyException;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.sys.Exec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Service access control when the data plane is kernel WireGuard: there is no userspace packet
 * boundary, so the same compiled policies become nftables rules on the mesh interface, keyed by
 * each peer's mesh IP (the source address of its inbound packets, which kernel WireGuard has
 * already checked against the peer's allowed IPs).
 *
 * <p>The rules live in a table of their own, {@code inet plexd-svc}, with a base chain on
 * {@code input}; the network-policy firewall's table {@code inet plexd} is separate, and a packet
 * must pass both. Each distinct effective policy is one chain holding a port → verdict map per
 * protocol, compiled from the same {@link PortVerdicts} the userspace filter uses, so both modes
 * decide alike: ICMP passes, TCP/UDP by destination port, other protocols and unknown sources
 * the default. Two differences come from conntrack, which the {@code ct state} rule loads: its
 * defragmentation reassembles IPv4 and IPv6 datagrams before the input hook, so the rules judge a
 * fragmented datagram whole, by its port (the userspace filter sees fragments and has no port for
 * the later ones); and every TCP segment that is not part of a tracked connection is judged by its
 * port whatever its flags (the userspace filter passes segments with ACK or RST unjudged).
 * Every change is one {@code nft -f -} transaction that replaces the
 * whole table; the last applied text is kept in memory, so an unchanged policy is not re-applied.
 */
public final class KernelServiceRules {

    public static final String TABLE = "plexd-svc";

    private static final Logger log = LoggerFactory.getLogger(KernelServiceRules.class);
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    private final Exec exec;
    private final String meshInterface;
    private String applied;

    /**
     * @param exec          runs {@code nft} (in a namespace, for tests)
     * @param meshInterface the kernel WireGuard interface
     */
    public KernelServiceRules(Exec exec, String meshInterface) {
        if (!INTERFACE.matcher(meshInterface).matches()) {
            throw new IllegalArgumentException("invalid interface name: " + meshInterface);
        }
        this.exec = exec;
        this.meshInterface = meshInterface;
    }

    /** What {@link #render} produced: the nft script and the peers it could not key. */
    public record Ruleset(String script, List<String> warnings) {
    }

    /**
     * Compiles and applies the policy in one transaction.
     *
     * @return warnings about peers left out (no usable mesh IP)
     * @throws PolicyException when the policy cannot be compiled (nothing is changed)
     * @throws IOException     when nft fails (the kernel keeps the previous table)
     */
    public List<String> apply(PolicySet set, PeerDirectory peers) throws PolicyException, IOException {
        Ruleset ruleset = render(set, peers);
        if (ruleset.script().equals(applied)) {
            return ruleset.warnings();
        }
        exec.runWithInput(ruleset.script(), "nft", "-f", "-").orThrow();
        applied = ruleset.script();
        log.atInfo().addKeyValue("interface", meshInterface).addKeyValue("peers", peers.peers().size())
                .log("service rules applied to nftables");
        return ruleset.warnings();
    }

    /** Deletes the table (idempotent). With no table, the mesh interface is not filtered by service rules. */
    public void remove() throws IOException {
        exec.runWithInput(header(), "nft", "-f", "-").orThrow();
        applied = null;
    }

    /** The nft script for a policy: the whole table, or only its deletion when nothing can be denied. */
    public Ruleset render(PolicySet set, PeerDirectory peers) throws PolicyException {
        if (set.allowsEverything()) {
            return new Ruleset(header(), List.of());
        }
        List<String> warnings = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>();
        List<PeerIdentity> identities = new ArrayList<>();
        for (MeshPeer peer : peers.peers()) {
            InetAddress address = meshAddress(peer.meshIp());
            if (address == null) {
                warnings.add("kernel rules: node " + peer.nodeId() + " has no usable mesh IP (" + peer.meshIp()
                        + "); its packets get the default action");
                continue;
            }
            if (addresses.contains(address)) {
                warnings.add("kernel rules: node " + peer.nodeId() + " left out: mesh IP " + address.getHostAddress()
                        + " belongs to another peer");
                continue;
            }
            addresses.add(address);
            identities.add(PeerDirectory.identity(peer));
        }
        PolicyCompiler.Result compiled = new PolicyCompiler().compile(set, identities);
        String defaultVerdict = verdict(set.defaultAction() == Action.ALLOW);

        StringBuilder nft = new StringBuilder(header());
        nft.append("table inet ").append(TABLE).append(" {\n");
        for (int p = 0; p < compiled.policies().size(); p++) {
            PortVerdicts verdicts = compiled.policies().get(p);
            nft.append("  chain policy-").append(p).append(" {\n");
            appendProtocol(nft, "tcp", verdicts, PortVerdicts.TCP);
            appendProtocol(nft, "udp", verdicts, PortVerdicts.UDP);
            nft.append("    ").append(defaultVerdict).append('\n');
            nft.append("  }\n");
        }
        nft.append("  chain input {\n");
        nft.append("    type filter hook input priority filter; policy accept;\n");
        nft.append("    iifname != \"").append(meshInterface).append("\" accept\n");
        // Replies to connections this node opened, and flows already admitted, are not new services.
        nft.append("    ct state established,related accept\n");
        nft.append("    meta l4proto { icmp, ipv6-icmp } accept\n");
        appendSources(nft, "ip", addresses, compiled.policyOf(), true);
        appendSources(nft, "ip6", addresses, compiled.policyOf(), false);
        nft.append("    ").append(defaultVerdict).append('\n');
        nft.append("  }\n");
        nft.append("}\n");
        return new Ruleset(nft.toString(), warnings);
    }

    /** Creating then deleting the table makes the deletion valid whether or not it exists. */
    private static String header() {
        return "table inet " + TABLE + "\ndelete table inet " + TABLE + "\n";
    }

    private static void appendProtocol(StringBuilder nft, String protocol, PortVerdicts verdicts, int index) {
        int uniform = verdicts.uniform(index);
        if (uniform >= 0) {
            nft.append("    meta l4proto ").append(protocol).append(' ').append(verdict(uniform == 1)).append('\n');
            return;
        }
        nft.append("    ").append(protocol).append(" dport vmap { ");
        List<PortVerdicts.PortRun> runs = verdicts.runs(index);
        for (int i = 0; i < runs.size(); i++) {
            PortVerdicts.PortRun run = runs.get(i);
            if (i > 0) {
                nft.append(", ");
            }
            nft.append(run.from());
            if (run.to() != run.from()) {
                nft.append('-').append(run.to());
            }
            nft.append(" : ").append(verdict(run.allow()));
        }
        nft.append(" }\n");
    }

    private static void appendSources(StringBuilder nft, String family, List<InetAddress> addresses, int[] policyOf,
                                      boolean v4) {
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < addresses.size(); i++) {
            InetAddress address = addresses.get(i);
            if ((address instanceof Inet4Address) != v4) {
                continue;
            }
            if (!entries.isEmpty()) {
                entries.append(", ");
            }
            entries.append(address.getHostAddress()).append(" : jump policy-").append(policyOf[i]);
        }
        if (!entries.isEmpty()) {
            nft.append("    ").append(family).append(" saddr vmap { ").append(entries).append(" }\n");
        }
    }

    private static String verdict(boolean allow) {
        return allow ? "accept" : "drop";
    }

    /** {@code 10.100.0.2}, {@code 10.100.0.2/32} or an IPv6 literal; null when absent or not an address. */
    static InetAddress meshAddress(String meshIp) {
        if (meshIp == null || meshIp.isBlank()) {
            return null;
        }
        String literal = meshIp.strip();
        int slash = literal.indexOf('/');
        if (slash >= 0) {
            literal = literal.substring(0, slash);
        }
        try {
            return InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

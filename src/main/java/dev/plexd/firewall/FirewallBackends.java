package dev.plexd.firewall;

import dev.plexd.policy.Config;
import dev.plexd.policy.FirewallException;
import dev.plexd.sys.Exec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code firewall.backend: auto|nftables|iptables} → the backend. A named backend is probed too, so
 * a host that cannot run it fails at start with the reason rather than at the first apply.
 */
public final class FirewallBackends {

    private static final Logger log = LoggerFactory.getLogger(FirewallBackends.class);

    public static final List<String> CHOICES = List.of("auto", "nftables", "iptables");

    /** What plexd's nftables ruleset needs: inet family, conntrack, concatenated sets. Checked, never committed. */
    private static final String NFT_PROBE = """
            add table inet plexd-probe
            add chain inet plexd-probe c
            add set inet plexd-probe s { type ipv4_addr . inet_proto . inet_service; }
            add rule inet plexd-probe c ct state established,related accept
            add rule inet plexd-probe c ip saddr . meta l4proto . th dport @s accept
            """;

    private static final String IPTABLES_PROBE = """
            *filter
            :plexd-probe - [0:0]
            -A plexd-probe -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
            COMMIT
            """;

    private FirewallBackends() {
    }

    /**
     * @param backend one of {@link #CHOICES}, case-insensitive
     * @param config  the policy settings; its chain name is checked here so a bad one fails at start
     * @throws IllegalArgumentException for a backend not in {@link #CHOICES}
     * @throws FirewallException        when the chain name is invalid, or the chosen backend (or, for
     *                                  auto, every backend) cannot run here
     */
    public static ManagedFirewall create(String backend, Config config, Exec exec) throws FirewallException {
        return create(backend, config, exec, Probes.REAL);
    }

    /**
     * How a host is checked for each backend: null when it can run there, otherwise why not. A seam
     * so tests can present a host without nftables.
     */
    record Probes(Function<Exec, String> nftables, Function<Exec, String> iptables) {
        static final Probes REAL = new Probes(FirewallBackends::probeNftables, FirewallBackends::probeIptables);
    }

    static ManagedFirewall create(String backend, Config config, Exec exec, Probes probes) throws FirewallException {
        String choice = backend == null ? "" : backend.strip().toLowerCase(Locale.ROOT);
        RuleCompiler.validateChain(config.applyDefaults().chainName());
        Selection selected = switch (choice) {
            case "nftables" -> require("nftables", probes.nftables().apply(exec), new NftablesFirewall(exec));
            case "iptables" -> require("iptables", probes.iptables().apply(exec), new IptablesFirewall(exec));
            case "auto" -> auto(exec, probes);
            default -> throw new IllegalArgumentException("firewall.backend: unknown value \"" + backend
                    + "\" (expected one of " + String.join(", ", CHOICES) + ")");
        };
        log.atInfo().addKeyValue("backend", selected.firewall().backend()).addKeyValue("configured", choice)
                .addKeyValue("reason", selected.reason())
                .addKeyValue("chain", config.applyDefaults().chainName()).log("firewall backend selected");
        return selected.firewall();
    }

    /** A backend and why it was chosen, for the log line an operator reads at start. */
    private record Selection(ManagedFirewall firewall, String reason) {
    }

    private static Selection auto(Exec exec, Probes probes) throws FirewallException {
        String nft = probes.nftables().apply(exec);
        if (nft == null) {
            return new Selection(new NftablesFirewall(exec), "nftables works here (preferred)");
        }
        String iptables = probes.iptables().apply(exec);
        if (iptables == null) {
            return new Selection(new IptablesFirewall(exec), "nftables cannot be used: " + nft + "; iptables works here");
        }
        throw new FirewallException("firewall.backend auto: no usable firewall backend: nftables: " + nft
                + "; iptables: " + iptables + " (install nftables or iptables)");
    }

    private static Selection require(String name, String problem, ManagedFirewall firewall) throws FirewallException {
        if (problem != null) {
            throw new FirewallException("firewall.backend " + name + ": cannot be used here: " + problem);
        }
        return new Selection(firewall, "configured, and it works here");
    }

    /** Null when nft can build plexd's ruleset; otherwise why not. */
    static String probeNftables(Exec exec) {
        return probe(exec, List.of("nft", "-c", "-f", "-"), NFT_PROBE);
    }

    /** Null when both iptables-restore and ip6tables-restore can load plexd's kind of rules; otherwise why not. */
    static String probeIptables(Exec exec) {
        String v4 = probe(exec, List.of("iptables-restore", "--test", "--noflush"), IPTABLES_PROBE);
        return v4 != null ? v4 : probe(exec, List.of("ip6tables-restore", "--test", "--noflush"), IPTABLES_PROBE);
    }

    private static String probe(Exec exec, List<String> command, String input) {
        try {
            Exec.Result result = exec.run(command, input, Exec.DEFAULT_TIMEOUT);
            return result.ok() ? null : result.describeFailure();
        } catch (IOException e) {
            return command.getFirst() + ": " + e.getMessage();
        }
    }
}

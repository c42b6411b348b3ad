package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Apply-time benchmark against the real kernel, run by {@code scripts/bench-firewall} (root). For
 * each ruleset size it measures, in a fresh namespace, the full apply of the ruleset (the
 * reference: what a non-incremental backend does on every change) and the apply of a one-policy
 * change on top of it, and prints the ratio and the size of the change's transaction. Timings are
 * medians of several runs; they include starting {@code nft} / {@code iptables-restore} through
 * {@code ip netns exec}, whose cost alone (an empty transaction) is printed as {@code noop_ms}.
 */
final class FirewallBench {

    private static final String CHAIN = "plexd-mesh";
    private static final String IFACE = "pxfb0";
    private static final String NODE = "10.100.0.1";
    private static final int WARMUP_CHANGES = 5;

    private FirewallBench() {
    }

    /**
     * {@code peers} peers, {@code perPeer} rules each: inbound tcp ports, then one outbound allow.
     * The first port of {@code changedPeer} depends on {@code generation}: one policy change.
     */
    static List<FirewallRule> rules(int peers, int perPeer, int changedPeer, int generation) {
        List<FirewallRule> rules = new ArrayList<>(peers * perPeer + 1);
        for (int i = 0; i < peers; i++) {
            String peer = "10." + (100 + i / 62500) + "." + (i / 250 % 250 + 1) + "." + (i % 250 + 1);
            for (int r = 0; r < perPeer - 1; r++) {
                int port = 1000 + r + (i == changedPeer && r == 0 ? generation * 100 : 0);
                rules.add(new FirewallRule(IFACE, peer, NODE, port, "tcp", "allow"));
            }
            rules.add(new FirewallRule(IFACE, NODE, peer, 0, "", "allow"));
        }
        rules.add(new FirewallRule(IFACE, FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        return rules;
    }

    public static void main(String[] args) throws Exception {
        int fullRuns = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int changeRuns = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[][] sizes = {{100, 2}, {1_000, 2}, {10_000, 2}, {1_000, 10}};
        System.out.printf(Locale.ROOT, "%-9s %6s %7s %9s %10s %8s %10s %9s %8s%n",
                "backend", "peers", "rules", "full_ms", "change_ms", "ratio", "change_tx", "tx_elems", "noop_ms");
        for (String backend : List.of("nftables", "iptables")) {
            for (int[] size : sizes) {
                run(backend, size[0], size[1], fullRuns, changeRuns);
            }
        }
    }

    private static void run(String backend, int peers, int perPeer, int fullRuns, int changeRuns) throws Exception {
        List<FirewallRule> base = rules(peers, perPeer, -1, 0);
        double[] full = new double[fullRuns];
        double[] change = new double[changeRuns];
        double[] noop = new double[changeRuns];
        FirewallStats last = null;
        try (NetNs ns = NetNs.create("fw")) {
            for (int i = 0; i < fullRuns; i++) {
                ManagedFirewall firewall = create(backend, ns);
                firewall.deleteChain(CHAIN);
                firewall = create(backend, ns);
                long start = System.nanoTime();
                firewall.applyRules(CHAIN, base);
                full[i] = (System.nanoTime() - start) / 1e6;
            }
            ManagedFirewall firewall = create(backend, ns);
            firewall.applyRules(CHAIN, base);
            // Untimed changes first, so the timed ones run compiled code as a long-running daemon does.
            for (int i = -WARMUP_CHANGES; i < changeRuns; i++) {
                List<FirewallRule> changed = rules(peers, perPeer, peers / 2, (i & 1) + 1);
                long start = System.nanoTime();
                firewall.applyRules(CHAIN, changed);
                if (i >= 0) {
                    change[i] = (System.nanoTime() - start) / 1e6;
                }
                last = firewall.stats();
            }
            // The floor under any change: starting the tool for an empty transaction.
            List<String> tool = backend.equals("nftables") ? List.of("nft", "-f", "-") : List.of("iptables-restore", "--noflush");
            String empty = backend.equals("nftables") ? "" : "*filter\nCOMMIT\n";
            for (int i = 0; i < changeRuns; i++) {
                long start = System.nanoTime();
                ns.exec().run(tool, empty, Exec.DEFAULT_TIMEOUT).orThrow();
                noop[i] = (System.nanoTime() - start) / 1e6;
            }
            firewall.deleteChain(CHAIN);
        }
        double fullMs = median(full);
        double changeMs = median(change);
        System.out.printf(Locale.ROOT, "%-9s %6d %7d %9.1f %10.1f %8.3f %9dB %9d %8.1f%n", backend, peers, base.size(),
                fullMs, changeMs, changeMs / fullMs, last.lastTransactionBytes(), last.lastTransactionElements(), median(noop));
    }

    private static ManagedFirewall create(String backend, NetNs ns) {
        return backend.equals("nftables") ? new NftablesFirewall(ns.exec()) : new IptablesFirewall(ns.exec());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

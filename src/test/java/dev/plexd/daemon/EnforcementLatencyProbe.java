package dev.plexd.daemon;

import dev.plexd.controlplane.DevControlPlane;
import dev.plexd.daemon.config.ConfigLoader;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.logging.LogSetup;
import dev.plexd.policy.FirewallController;
import dev.plexd.policy.FirewallRule;
import dev.plexd.testing.Fixtures;
import dev.plexd.testing.InMemoryWireGuard;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * For {@code scripts/bench-daemon}: a control-plane-mode daemon against the development control
 * plane on loopback, {@code peers} peers in the mesh. Times the path from an edit of the control
 * plane's state file (a policy rule's port changes) through the signed {@code policy_updated}
 * event, the reconcile and the policy engine to the firewall backend's {@code applyRules}, over
 * {@code changes} edits; then prints the process's resident memory. The data plane is in memory; the
 * firewall backend too, or — given a network namespace — the real nftables backend inside it, so
 * the figures are plexd's own path, with or without {@code nft}, never with {@code wg}.
 *
 * <p>Usage: {@code EnforcementLatencyProbe <peers> <changes> [netns]}
 */
public final class EnforcementLatencyProbe {

    private record Applied(int port, long nanos) {
    }

    private EnforcementLatencyProbe() {
    }

    public static void main(String[] args) throws Exception {
        int peers = Integer.parseInt(args[0]);
        int changes = Integer.parseInt(args[1]);
        LogSetup.configure(LogSetup.Format.JSON, "warn", LogSetup.Target.STDERR);
        Path dir = Files.createTempDirectory("plexd-latency");
        Path state = dir.resolve("cp-state.yaml");
        write(state, peers, 1000);
        String token = "bench-token-0123456789";
        Path tokenFile = Files.writeString(dir.resolve("token"), token);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));

        BlockingQueue<Applied> applied = new LinkedBlockingQueue<>();
        String netns = args.length > 2 ? args[2] : null;
        Wiring.FirewallFactory firewall = (cfg, policy) -> {
            FirewallController kernel = netns == null ? null
                    : dev.plexd.firewall.FirewallBackends.create("nftables", policy, dev.plexd.sys.Exec.inNetns(netns));
            return new FirewallController() {
                @Override
                public void ensureChain(String chain) throws dev.plexd.policy.FirewallException {
                    if (kernel != null) {
                        kernel.ensureChain(chain);
                    }
                }

                /** Timed when the backend returns: the rules are in the kernel then. */
                @Override
                public void applyRules(String chain, List<FirewallRule> rules) throws dev.plexd.policy.FirewallException {
                    if (kernel != null) {
                        kernel.applyRules(chain, rules);
                    }
                    long now = System.nanoTime();
                    rules.stream().filter(r -> r.port() != 0).findFirst().ifPresent(r -> applied.add(new Applied(r.port(), now)));
                }

                @Override
                public void flushChain(String chain) throws dev.plexd.policy.FirewallException {
                    if (kernel != null) {
                        kernel.flushChain(chain);
                    }
                }

                @Override
                public void deleteChain(String chain) throws dev.plexd.policy.FirewallException {
                    if (kernel != null) {
                        kernel.deleteChain(chain);
                    }
                }
            };
        };
        try (DevControlPlane plane = DevControlPlane.start(new DevControlPlane.Options(state, new InetSocketAddress("127.0.0.1", 0),
                dir.resolve("signing.pem"), token, null, Duration.ofSeconds(15), 1024))) {
            DaemonConfig config = ConfigLoader.load(null, Map.of(), List.of("control_plane.url=" + plane.url(),
                    "control_plane.bootstrap_token_file=" + tokenFile, "node.hostname=n0", "data_dir=" + dir.resolve("data"),
                    "config_dir=" + dir.resolve("etc"), "api.socket=" + dir.resolve("api.sock"), "firewall.backend=nftables",
                    "services.enabled=false", "reconcile.interval=1h")).config();
            InMemoryWireGuard wireGuard = new InMemoryWireGuard();
            Daemon daemon = new Daemon(config, Wiring.builtIn()
                    .withDataPlane((cfg, spec) -> ControllerDataPlane.open(wireGuard, spec, () -> {
                    }))
                    .withFirewall(firewall));
            daemon.start();
            try {
                awaitPort(applied, 1000, System.nanoTime());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!daemon.status().status().controlPlane().state().equals("connected") || plane.streams() < 1) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("event stream did not connect");
                    }
                    Thread.sleep(10);
                }
                long[] micros = new long[changes];
                for (int i = 0; i < changes; i++) {
                    int port = 1001 + i;
                    long start = System.nanoTime();
                    write(state, peers, port);
                    micros[i] = (awaitPort(applied, port, start) - start) / 1000;
                    Thread.sleep(20); // let the cycle finish before the next edit
                }
                Arrays.sort(micros);
                System.out.printf("peers %d, changes %d, firewall %s: state file edit -> applyRules returned  p50 %.1f ms  p99 %.1f ms  max %.1f ms%n",
                        peers, changes, netns == null ? "in memory" : "nftables in " + netns, micros[changes / 2] / 1000.0, micros[(int) Math.ceil(changes * 0.99) - 1] / 1000.0,
                        micros[changes - 1] / 1000.0);
                System.out.printf("peers configured %d; resident memory (VmRSS) %s; heap used %d MB%n",
                        wireGuard.peerKeys(config.wireguard().iface()).size(), rss(),
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
            } finally {
                daemon.stop();
            }
        }
    }

    private static long awaitPort(BlockingQueue<Applied> applied, int port, long since) throws InterruptedException {
        while (true) {
            Applied next = applied.poll(10, TimeUnit.SECONDS);
            if (next == null) {
                throw new IllegalStateException("no firewall apply with port " + port + " within 10 s");
            }
            if (next.port() == port && next.nanos() >= since) {
                return next.nanos();
            }
        }
    }

    /** n0 is this node; every other peer may reach it on tcp/{@code port}. */
    private static void write(Path state, int peers, int port) throws Exception {
        StringBuilder text = new StringBuilder("peers:\n  - {id: n0, mesh_ip: 10.100.0.1}\n");
        for (int i = 1; i <= peers; i++) {
            text.append("  - {id: n").append(i).append(", public_key: \"").append(Fixtures.keyFor("n" + i))
                    .append("\", mesh_ip: 10.100.").append(i / 250 + 1).append('.').append(i % 250 + 1)
                    .append(", endpoint: \"192.0.2.1:").append(10000 + i).append("\"}\n");
        }
        text.append("policies:\n  - id: all\n    rules:\n")
                .append("      - {src: \"*\", dst: n0, port: ").append(port).append(", protocol: tcp, action: allow}\n");
        Path next = state.resolveSibling("cp-state.next");
        Files.writeString(next, text);
        Files.move(next, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String rss() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> l.substring(6).strip()).findFirst().orElse("?");
    }
}

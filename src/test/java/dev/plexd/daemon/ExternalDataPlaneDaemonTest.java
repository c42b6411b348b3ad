package dev.plexd.daemon;

import dev.plexd.daemon.api.ApiClient;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code wireguard.mode: external} and {@code firewall.backend: nftables} as {@link Wiring#builtIn}
 * wires them: wireguard-go started and supervised over UAPI in a namespace, the interface addressed
 * with the mesh prefix and up, the policy's peers configured and its rules in nftables, and the
 * data plane gone after shutdown.
 */
@Privileged(tools = {"wireguard-go", "wg", "ip", "nft"})
class ExternalDataPlaneDaemonTest {

    @TempDir
    Path dir;

    @Test
    void externalWireguardGoGetsTheMeshAddressThePeersAndStopsWithTheDaemon() throws Exception {
        String iface = "pxm" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        try (NetNs ns = NetNs.create("dm")) {
            LocalNode node = new LocalNode(dir);
            // The loader resolves a bare name on the environment's PATH; LocalNode loads without one.
            String wireguardGo = ns.sh("sh", "-c", "command -v wireguard-go").stdout().strip();
            Daemon daemon = new Daemon(node.config("wireguard.mode=external", "wireguard.external_binary=" + wireguardGo,
                    "wireguard.interface=" + iface,
                    "node.mesh_ip=10.100.0.1", "firewall.backend=nftables", "wireguard.listen_port=51841"), Wiring.builtIn(ns.exec()));
            daemon.start();
            try {
                until("first reconcile", () -> daemon.status().ready());
                assertThat(ns.sh("ip", "-o", "address", "show", "dev", iface).stdout()).contains("inet 10.100.0.1/16");
                assertThat(ns.sh("ip", "-o", "link", "show", "dev", iface).stdout()).contains("mtu 1420").contains(",UP");
                assertThat(ns.sh("wg", "show", iface, "listen-port").stdout().strip()).isEqualTo("51841");
                assertThat(ns.sh("wg", "show", iface, "public-key").stdout().strip())
                        .isEqualTo(daemon.status().status().node().publicKey());
                // alpha may reach beta only: gamma is not configured.
                assertThat(ns.sh("wg", "show", iface, "allowed-ips").stdout().strip())
                        .isEqualTo(LocalNode.BETA_KEY + "\t10.100.0.2/32");
                // The nftables backend built in, driven in the namespace: alpha may reach beta on tcp/22.
                String ruleset = ns.sh("nft", "list", "ruleset").stdout();
                assertThat(ruleset).contains("plexd-mesh").contains("10.100.0.2");
                var metrics = PrometheusText.parse(new ApiClient(node.socket, Duration.ofSeconds(5)).get("/metrics").text());
                assertThat(metrics).containsKeys("plexd_bytes_total{direction=\"rx\"}", "plexd_bytes_total{direction=\"tx\"}");
            } finally {
                assertThat(daemon.stop()).isTrue();
            }
            assertThat(ns.exec().run("ip", "link", "show", "dev", iface).ok()).as("interface removed").isFalse();
        }
    }
}

package dev.plexd.firewall;

import ch.qos.logback.classic.Level;
import dev.plexd.policy.Config;
import dev.plexd.policy.FirewallException;
import dev.plexd.sys.Exec;
import dev.plexd.testing.LogCapture;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FirewallBackendsTest {

    private static final Config CONFIG = new Config(true, "plexd-mesh");

    @Test
    void anUnknownBackendNameIsAClearError() {
        assertThatThrownBy(() -> FirewallBackends.create("ipfw", CONFIG, Exec.host()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("firewall.backend: unknown value \"ipfw\" (expected one of auto, nftables, iptables)");
        assertThatThrownBy(() -> FirewallBackends.create(null, CONFIG, Exec.host()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInvalidChainNameFailsBeforeAnyProbe() {
        assertThatThrownBy(() -> FirewallBackends.create("nftables", new Config(true, "plexd mesh; flush ruleset"), Exec.host()))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("invalid chain name");
    }

    @Test
    @Privileged(tools = {"nft", "iptables-restore", "ip6tables-restore"})
    void autoChoosesNftablesWhereItWorksAndNamedBackendsAreProbed() throws Exception {
        try (NetNs ns = NetNs.create("q4fb"); LogCapture logs = LogCapture.of(FirewallBackends.class)) {
            assertThat(FirewallBackends.create("auto", CONFIG, ns.exec())).isInstanceOf(NftablesFirewall.class);
            assertSelected(logs, Map.of("backend", "nftables", "configured", "auto",
                    "reason", "nftables works here (preferred)", "chain", "plexd-mesh"));
            logs.clear();
            assertThat(FirewallBackends.create(" NFTables ", CONFIG, ns.exec()).backend()).isEqualTo("nftables");
            assertThat(FirewallBackends.create("iptables", CONFIG, ns.exec())).isInstanceOf(IptablesFirewall.class);
            assertThat(logs.events()).extracting(LogCapture::fields).extracting(f -> f.get("backend") + ": " + f.get("reason"))
                    .containsExactly("nftables: configured, and it works here", "iptables: configured, and it works here");
            assertThat(ns.exec().run("nft", "list", "ruleset").stdout()).as("probes commit nothing").doesNotContain("plexd");
        }
    }

    @Test
    @Privileged(tools = {"iptables-restore", "ip6tables-restore"})
    void autoFallsBackToIptablesWhereNftablesCannotRun() throws Exception {
        FirewallBackends.Probes noNftables = new FirewallBackends.Probes(exec -> "nft: not found", FirewallBackends::probeIptables);
        try (NetNs ns = NetNs.create("q4fb"); LogCapture logs = LogCapture.of(FirewallBackends.class)) {
            assertThat(FirewallBackends.create("auto", CONFIG, ns.exec(), noNftables)).isInstanceOf(IptablesFirewall.class);
            assertSelected(logs, Map.of("backend", "iptables", "configured", "auto",
                    "reason", "nftables cannot be used: nft: not found; iptables works here", "chain", "plexd-mesh"));
            assertThatThrownBy(() -> FirewallBackends.create("nftables", CONFIG, ns.exec(), noNftables))
                    .isInstanceOf(FirewallException.class)
                    .hasMessage("firewall.backend nftables: cannot be used here: nft: not found");
        }
    }

    /** The one line an operator reads about the choice: INFO, with the backend, what was configured and why. */
    private static void assertSelected(LogCapture logs, Map<String, String> fields) {
        assertThat(logs.events()).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getFormattedMessage()).isEqualTo("firewall backend selected");
            assertThat(LogCapture.fields(event)).containsExactlyInAnyOrderEntriesOf(fields);
        });
    }

    @Test
    @Privileged(tools = {"nft"})
    void aBackendThatCannotRunHereFailsAtStartWithTheReason() {
        // A namespace that does not exist: every tool run through it fails, as on a host without them.
        Exec broken = Exec.inNetns("pxfw-missing");
        assertThatThrownBy(() -> FirewallBackends.create("nftables", CONFIG, broken))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("firewall.backend nftables: cannot be used here");
        assertThatThrownBy(() -> FirewallBackends.create("auto", CONFIG, broken))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("no usable firewall backend")
                .hasMessageContaining("nftables:")
                .hasMessageContaining("iptables:");
    }
}

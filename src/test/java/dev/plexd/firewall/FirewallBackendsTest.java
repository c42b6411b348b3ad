package dev.plexd.firewall;

import dev.plexd.policy.Config;
import dev.plexd.policy.FirewallException;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

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
        try (NetNs ns = NetNs.create("fw")) {
            assertThat(FirewallBackends.create("auto", CONFIG, ns.exec())).isInstanceOf(NftablesFirewall.class);
            assertThat(FirewallBackends.create(" NFTables ", CONFIG, ns.exec()).backend()).isEqualTo("nftables");
            assertThat(FirewallBackends.create("iptables", CONFIG, ns.exec())).isInstanceOf(IptablesFirewall.class);
            assertThat(ns.exec().run("nft", "list", "ruleset").stdout()).as("probes commit nothing").doesNotContain("plexd");
        }
    }

    @Test
    @Privileged(tools = {"iptables-restore", "ip6tables-restore"})
    void autoFallsBackToIptablesWhereNftablesCannotRun() throws Exception {
        FirewallBackends.Probes noNftables = new FirewallBackends.Probes(exec -> "nft: not found", FirewallBackends::probeIptables);
        try (NetNs ns = NetNs.create("fw")) {
            assertThat(FirewallBackends.create("auto", CONFIG, ns.exec(), noNftables)).isInstanceOf(IptablesFirewall.class);
            assertThatThrownBy(() -> FirewallBackends.create("nftables", CONFIG, ns.exec(), noNftables))
                    .isInstanceOf(FirewallException.class)
                    .hasMessage("firewall.backend nftables: cannot be used here: nft: not found");
        }
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

package dev.plexd.daemon;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.InMemoryWireGuard;
import dev.plexd.wireguard.PeerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mesh address and prefix on the interface, and how a controller-driven data plane opens. */
class InterfaceSetupTest {

    @Test
    void aBareMeshAddressGetsTheMeshPrefixAGivenPrefixWins() {
        assertThat(new MeshIdentity("a", "10.100.0.1", "h").interfaceCidr(16, 64)).isEqualTo("10.100.0.1/16");
        assertThat(new MeshIdentity("a", "10.100.0.1/24", "h").interfaceCidr(16, 64)).isEqualTo("10.100.0.1/24");
        assertThat(new MeshIdentity("a", "fd00::1", "h").interfaceCidr(16, 64)).isEqualTo("fd00::1/64");
        assertThat(new MeshIdentity("a", "10.100.0.1/16", "h").meshAddress()).isEqualTo("10.100.0.1");
    }

    @Test
    void openCreatesTheInterfaceAsSpecifiedAndLeavesItDown() throws IOException {
        InMemoryWireGuard wg = new InMemoryWireGuard();
        boolean[] closed = {false};
        InterfaceSpec spec = new InterfaceSpec("pxm0", new byte[32], 51820, 1380, List.of("10.100.0.1/16", "fd00::1/64"),
                InboundFilter.ALLOW_ALL);
        DataPlane plane = ControllerDataPlane.open(wg, spec, () -> closed[0] = true);
        assertThat(wg.operations()).containsExactly("create pxm0", "mtu pxm0 1380", "address pxm0 10.100.0.1/16",
                "address pxm0 fd00::1/64");
        assertThat(spec.toString()).doesNotContain("privateKey");
        plane.close();
        assertThat(closed[0]).isTrue();
    }

    @Test
    void aFailedOpenClosesWhatStarted() {
        boolean[] closed = {false};
        var broken = new dev.plexd.wireguard.WireGuardController() {
            @Override
            public void createInterface(String name, byte[] privateKey, int listenPort) {
            }

            @Override
            public void deleteInterface(String name) {
            }

            @Override
            public void configureAddress(String name, String cidr) throws IOException {
                throw new IOException("wireguard: " + name + ": configure address " + cidr + ": RTNETLINK answers: File exists");
            }

            @Override
            public void setUp(String name) {
            }

            @Override
            public void setMtu(String name, int mtu) {
            }

            @Override
            public void addPeer(String name, PeerConfig peer) {
            }

            @Override
            public void removePeer(String name, byte[] publicKey) {
            }
        };
        InterfaceSpec spec = new InterfaceSpec("pxm0", new byte[32], 51820, 1420, List.of("10.100.0.1/16"), InboundFilter.ALLOW_ALL);
        assertThatThrownBy(() -> ControllerDataPlane.open(broken, spec, () -> closed[0] = true))
                .hasMessageContaining("pxm0: configure address 10.100.0.1/16");
        assertThat(closed[0]).isTrue();
    }
}

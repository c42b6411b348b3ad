package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import dev.plexd.testing.WireGuardGo;
import dev.plexd.wireguard.WireGuardFixtures.KeyPair;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.plexd.wireguard.WireGuardFixtures.dump;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * There is no WireGuard kernel module on the test machines, so {@link KernelController}'s
 * {@code ip link add … type wireguard} cannot run here. Its whole {@code wg} configuration path is
 * exercised against a wireguard-go interface instead: {@code wg} speaks UAPI to it exactly as it
 * would speak netlink to the kernel.
 */
@Privileged(tools = {"wireguard-go", "wg"})
class KernelControllerWgTest {

    @Test
    void configuresDeviceAndPeersThroughWgWithSecretsOnStdin() throws Exception {
        String iface = "pxwk" + WireGuardFixtures.uniqueSuffix();
        Process wireguardGo = null;
        try (NetNs ns = NetNs.create("wg")) {
            wireguardGo = WireGuardGo.start(ns, iface);
            KernelController controller = new KernelController(ns.exec());
            KeyPair device = WireGuardFixtures.keyPair();
            KeyPair peer = WireGuardFixtures.keyPair();
            KeyPair stale = WireGuardFixtures.keyPair();
            byte[] psk = WireGuardFixtures.presharedKey();
            ns.sh("wg", "set", iface, "peer", stale.publicBase64(), "allowed-ips", "10.100.9.9/32");

            controller.configureDevice(iface, device.privateKey(), 51830);
            assertThat(dump(ns, iface).lines().toList()).as("setconf replaced the stale peer")
                    .containsExactly(String.join("\t", device.privateBase64(), device.publicBase64(), "51830", "off"));

            controller.addPeer(iface, new PeerConfig(peer.publicKey(), "[fd00::2]:51831", List.of("10.100.0.2/32", "fd00:100::/64"), psk, 25));
            String[] line = dump(ns, iface).lines().toList().get(1).split("\t");
            assertThat(List.of(line[0], line[1], line[2], line[3], line[7])).containsExactly(peer.publicBase64(),
                    WireGuardKeys.encode(psk), "[fd00::2]:51831", "10.100.0.2/32,fd00:100::/64", "25");

            DeviceStatus status = controller.deviceStatus(iface);
            assertThat(status.privateKey()).isEqualTo(device.privateKey());
            PeerStatus reported = status.peer(peer.publicKey()).orElseThrow();
            assertThat(reported.presharedKey()).isEqualTo(psk);
            assertThat(reported.allowedIps()).extracting(IpPrefix::toString).containsExactly("10.100.0.2/32", "fd00:100::/64");

            // The upsert clears what the new configuration lacks: preshared key, keepalive, allowed IPs.
            controller.addPeer(iface, new PeerConfig(peer.publicKey(), null, List.of(), null, 0));
            line = dump(ns, iface).lines().toList().get(1).split("\t");
            assertThat(List.of(line[1], line[2], line[3], line[7])).containsExactly("(none)", "[fd00::2]:51831", "(none)", "off");

            controller.removePeer(iface, peer.publicKey());
            assertThat(dump(ns, iface).lines()).hasSize(1);

            controller.configureAddress(iface, "10.100.0.1/16");
            controller.configureAddress(iface, "10.100.0.1/16"); // repeating is harmless
            controller.setMtu(iface, 1400);
            controller.setUp(iface);
            assertThat(ns.sh("ip", "-o", "address", "show", "dev", iface).stdout()).contains("inet 10.100.0.1/16");
            assertThat(ns.sh("ip", "-o", "link", "show", "dev", iface).stdout()).contains("mtu 1400").contains("UP");

            assertThatThrownBy(() -> controller.addPeer("pxwnosuch0", new PeerConfig(peer.publicKey(), null, List.of(), null, 0)))
                    .hasMessageStartingWith("wireguard: pxwnosuch0: set peer " + peer.publicBase64() + ": wg exited with 1");

            controller.deleteInterface(iface);
            assertThat(ns.exec().run("ip", "link", "show", "dev", iface).ok()).isFalse();
            controller.deleteInterface(iface); // idempotent
        } finally {
            WireGuardGo.stop(wireguardGo, iface);
        }
    }

    @Test
    void creatingAKernelInterfaceWithoutTheModuleFailsClearly() throws Exception {
        String iface = "pxwk" + WireGuardFixtures.uniqueSuffix();
        try (NetNs ns = NetNs.create("wg")) {
            boolean kernel = WireGuardControllers.kernelAvailable(ns.exec());
            assertThat(kernel).as("the probe agrees with the module's presence (a successful trial loads it)")
                    .isEqualTo(Files.isDirectory(Path.of("/sys/module/wireguard")));
            assertThat(Exec.host().run("ip", "netns", "list").stdout()).as("the probe's scratch namespace is gone")
                    .doesNotContain("pxwprobe");
            if (!kernel) {
                assertThatThrownBy(() -> new KernelController(ns.exec()).createInterface(iface, WireGuardFixtures.keyPair().privateKey(), 51820))
                        .hasMessageStartingWith("wireguard: " + iface + ": create interface: ip exited with 2");
            }
        }
    }
}

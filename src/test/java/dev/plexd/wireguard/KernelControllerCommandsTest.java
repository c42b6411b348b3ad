package dev.plexd.wireguard;

import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code wg} commands the kernel controller runs: secrets on stdin only, never in argv. */
class KernelControllerCommandsTest {

    private static final byte[] PRIVATE = UapiControllerBadAnswersTest.filled(0x11);
    private static final byte[] PEER = UapiControllerBadAnswersTest.filled(0x22);
    private static final byte[] PSK = UapiControllerBadAnswersTest.filled(0x33);

    @Test
    void deviceConfigurationReplacesEverythingWithTheKeyOnStdin() {
        KernelController.WgCommand command = KernelController.deviceCommand("wg0", PRIVATE, 51820);
        assertThat(command.argv()).containsExactly("wg", "setconf", "wg0", "/dev/stdin");
        assertThat(command.stdin()).isEqualTo("[Interface]\nPrivateKey = " + WireGuardKeys.encode(PRIVATE) + "\nListenPort = 51820\n");
        assertThat(command.toString()).isEqualTo("wg setconf wg0 /dev/stdin <stdin: secret>");
    }

    @Test
    void peerWithPresharedKeyAndEndpoint() {
        PeerConfig peer = new PeerConfig(PEER, "node-b.example:51820", List.of("10.100.0.2/32", "fd00::2/128"), PSK, 25);
        KernelController.WgCommand command = KernelController.peerCommand("wg0", peer);
        assertThat(command.argv()).containsExactly("wg", "set", "wg0", "peer", WireGuardKeys.encode(PEER),
                "preshared-key", "/dev/stdin", "endpoint", "node-b.example:51820", "persistent-keepalive", "25",
                "allowed-ips", "10.100.0.2/32,fd00::2/128");
        assertThat(command.stdin()).isEqualTo(WireGuardKeys.encode(PSK) + "\n");
        assertThat(String.join(" ", command.argv())).doesNotContain(WireGuardKeys.encode(PSK));
    }

    @Test
    void peerWithoutPresharedKeyEndpointOrKeepaliveClearsThem() {
        KernelController.WgCommand command = KernelController.peerCommand("wg0", new PeerConfig(PEER, null, List.of(), null, 0));
        assertThat(command.argv()).containsExactly("wg", "set", "wg0", "peer", WireGuardKeys.encode(PEER),
                "preshared-key", "/dev/null", "persistent-keepalive", "off", "allowed-ips", "");
        assertThat(command.stdin()).isNull();
    }

    @Test
    void removal() {
        assertThat(KernelController.removeCommand("wg0", PEER).argv())
                .containsExactly("wg", "set", "wg0", "peer", WireGuardKeys.encode(PEER), "remove");
    }

    @Test
    void badDeviceArguments() {
        assertThatThrownBy(() -> KernelController.deviceCommand("wg0", new byte[31], 1)).hasMessage("wireguard: wg0: private key must be 32 bytes");
        assertThatThrownBy(() -> KernelController.deviceCommand("wg0", PRIVATE, 65536)).hasMessage("wireguard: wg0: listen port 65536 outside 0..65535");
    }

    @Test
    void dumpParses() throws IOException {
        String dump = String.join("\t", WireGuardKeys.encode(PRIVATE), WireGuardKeys.encode(PEER), "51820", "0x10") + "\n"
                + String.join("\t", WireGuardKeys.encode(PEER), WireGuardKeys.encode(PSK), "[fd00::2]:51821",
                "10.100.0.2/32,fd00::2/128", "1700000000", "100", "200", "25") + "\n"
                + String.join("\t", WireGuardKeys.encode(PRIVATE), "(none)", "(none)", "(none)", "0", "0", "0", "off") + "\n";
        DeviceStatus status = WgDump.parse("wg0", dump);
        assertThat(status.privateKey()).isEqualTo(PRIVATE);
        assertThat(status.listenPort()).isEqualTo(51820);
        assertThat(status.fwmark()).isEqualTo(16);
        PeerStatus first = status.peers().getFirst();
        assertThat(first.publicKey()).isEqualTo(PEER);
        assertThat(first.presharedKey()).isEqualTo(PSK);
        assertThat(first.endpoint().getPort()).isEqualTo(51821);
        assertThat(first.allowedIps()).extracting(IpPrefix::toString).containsExactly("10.100.0.2/32", "fd00::2/128");
        assertThat(first.lastHandshake()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(first.rxBytes()).isEqualTo(100);
        assertThat(first.txBytes()).isEqualTo(200);
        assertThat(first.persistentKeepaliveInterval()).isEqualTo(25);
        PeerStatus second = status.peers().get(1);
        assertThat(second.presharedKey()).isNull();
        assertThat(second.endpoint()).isNull();
        assertThat(second.allowedIps()).isEmpty();
        assertThat(second.lastHandshake()).isNull();
        assertThat(second.persistentKeepaliveInterval()).isZero();

        assertThat(WgDump.parse("wg0", "(none)\t" + WireGuardKeys.encode(PEER) + "\t0\toff\n").privateKey()).isNull();
    }

    @Test
    void malformedDumpNamesInterfaceAndLineButNoKey() {
        assertThatThrownBy(() -> WgDump.parse("wg0", "")).hasMessage("wireguard: wg0: wg show dump: empty output");
        assertThatThrownBy(() -> WgDump.parse("wg0", "a\tb\n")).hasMessage("wireguard: wg0: wg show dump: expected 4 tab-separated fields, got 2");
        String device = "(none)\t" + WireGuardKeys.encode(PEER) + "\t0\toff\n";
        assertThatThrownBy(() -> WgDump.parse("wg0", device + "x\t(none)\t(none)\t(none)\t0\t0\t0\toff\n"))
                .hasMessage("wireguard: wg0: wg show dump: line 2: public key: not valid base64");
        assertThatThrownBy(() -> WgDump.parse("wg0", device + WireGuardKeys.encode(PEER) + "\t(none)\t(none)\t10.0.0.0/40\t0\t0\t0\toff\n"))
                .hasMessage("wireguard: wg0: wg show dump: line 2: allowed IPs: out of range 0..32");
        assertThatThrownBy(() -> WgDump.parse("wg0", device + WireGuardKeys.encode(PEER) + "\t(none)\t(none)\t(none)\tsoon\t0\t0\toff\n"))
                .hasMessage("wireguard: wg0: wg show dump: line 2: latest handshake: For input string: \"soon\"");
    }
}

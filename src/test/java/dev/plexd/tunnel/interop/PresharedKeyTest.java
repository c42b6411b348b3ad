package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.device.DeviceStats;
import dev.plexd.tunnel.device.DropReason;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.wireguard.WireGuardKeys;
import dev.plexd.wireguard.X25519;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Noise_IKpsk2 with a non-zero preshared key against wireguard-go, both set through {@code wg}:
 * the same key handshakes whichever side initiates; different keys never complete a handshake.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class PresharedKeyTest extends PlexdAndWireGuardGo {

    private void setUp(byte[] plexdPsk, byte[] wgGoPsk) throws Exception {
        bed = new Testbed("q6", "q6k");
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, Clock.system(), InboundFilter.ALLOW_ALL);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
        setPresharedKey(plexd, wgGo, plexdPsk);
        setPresharedKey(wgGo, plexd, wgGoPsk);
        assertThat(plexd.device().peer(wgGo.publicKey()).hasPresharedKey()).isTrue();
    }

    /** As an operator does it: the key goes to {@code wg} on stdin, never on the command line. */
    private static void setPresharedKey(Node node, Node peer, byte[] psk) throws Exception {
        node.ns().exec().runWithInput(WireGuardKeys.encode(psk) + "\n", "wg", "set", node.iface(),
                "peer", WireGuardKeys.encode(peer.publicKey()), "preshared-key", "/dev/stdin").orThrow();
    }

    private static byte[] randomKey() {
        byte[] key = new byte[X25519.KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        return key;
    }

    @Test
    void plexdInitiatesWithAPresharedKey() throws Exception {
        byte[] psk = randomKey();
        setUp(psk, psk);
        assertThat(plexd.device().peer(wgGo.publicKey()).presharedKey()).isEqualTo(psk);
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
        DeviceStats stats = plexd.device().stats();
        assertThat(stats.initiationsSent()).isEqualTo(1);
        assertThat(stats.handshakes()).isEqualTo(1);
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue();
    }

    @Test
    void wireguardGoInitiatesWithAPresharedKey() throws Exception {
        byte[] psk = randomKey();
        setUp(psk, psk);
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue();
        DeviceStats stats = plexd.device().stats();
        assertThat(stats.initiationsReceived()).isEqualTo(1);
        assertThat(stats.initiationsSent()).isZero();
        assertThat(stats.handshakes()).isEqualTo(1);
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
    }

    @Test
    void withDifferentPresharedKeysPlexdsInitiationNeverCompletes() throws Exception {
        setUp(randomKey(), randomKey());
        DeviceStats stats = plexd.device().stats();
        assertThat(plexd.ns().exec().run("ping", "-c", "2", "-i", "0.2", "-W", "1", wgGo.meshIp()).ok()).isFalse();
        assertThat(stats.initiationsSent()).isPositive();
        assertThat(stats.responsesReceived()).as("wireguard-go's response does not verify with plexd's key").isZero();
        assertThat(stats.drops(DropReason.HANDSHAKE_REJECTED)).isPositive();
        assertThat(stats.handshakes()).isZero();
        assertThat(wgGo.wg("show", wgGo.iface(), "latest-handshakes")).endsWith("\t0\n");
    }

    @Test
    void withDifferentPresharedKeysWireguardGosInitiationNeverCompletes() throws Exception {
        setUp(randomKey(), randomKey());
        DeviceStats stats = plexd.device().stats();
        assertThat(wgGo.ns().exec().run("ping", "-c", "2", "-i", "0.2", "-W", "1", plexd.meshIp()).ok()).isFalse();
        assertThat(stats.initiationsReceived()).as("the initiation itself does not depend on the PSK").isPositive();
        assertThat(stats.responsesSent()).isPositive();
        assertThat(stats.handshakes()).as("wireguard-go cannot use plexd's response, so no session is ever confirmed").isZero();
        assertThat(plexd.wg("show", plexd.iface(), "latest-handshakes")).endsWith("\t0\n");
        assertThat(wgGo.wg("show", wgGo.iface(), "latest-handshakes")).endsWith("\t0\n");
    }
}

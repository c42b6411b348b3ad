package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.UserspaceController;
import dev.plexd.tunnel.UserspaceTunnel;
import dev.plexd.wireguard.X25519;
import dev.plexd.tunnel.device.DeviceOptions;
import dev.plexd.tunnel.uapi.UapiServer;
import dev.plexd.wireguard.PeerConfig;
import dev.plexd.wireguard.UapiController;
import dev.plexd.wireguard.WireGuardKeys;
import dev.plexd.wireguard.uapi.DeviceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ways to configure plexd's data plane, each against a real wireguard-go peer: the in-process
 * {@link UserspaceController}, plexd's own {@link UapiController} over the UAPI socket, and raw
 * UAPI requests (framing, errno, permissions).
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class ControlPathTest {

    private Testbed bed;
    private WireGuardGoNode wgGo;
    private AutoCloseable plexdSide;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (plexdSide != null) {
                plexdSide.close();
            }
            if (wgGo != null) {
                wgGo.close();
            }
        } finally {
            if (bed != null) {
                bed.close();
            }
        }
    }

    private void startPeer() throws Exception {
        bed = new Testbed();
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
    }

    private PeerConfig wgGoAsPeer() {
        return new PeerConfig(wgGo.publicKey(), Testbed.UNDERLAY_B + ":51820", List.of(Testbed.MESH_B + "/32"), null, 0);
    }

    private boolean pingPeer() throws Exception {
        return bed.a.exec().run("ping", "-c", "3", "-i", "0.2", "-W", "2", Testbed.MESH_B).ok();
    }

    @Test
    void inProcessControllerCreatesConfiguresAndDeletesAnInterface() throws Exception {
        startPeer();
        String iface = bed.iface('p');
        byte[] key = X25519.generatePrivateKey();
        UserspaceController controller = new UserspaceController(InboundFilter.ALLOW_ALL, bed.a.exec(), UapiServer.DEFAULT_DIRECTORY);
        plexdSide = controller;
        bed.a.call(() -> {
            controller.createInterface(iface, key, 51821); // the TUN appears in this thread's namespace
            return null;
        });
        controller.configureAddress(iface, Testbed.MESH_A + "/24");
        controller.setMtu(iface, 1380);
        controller.setUp(iface);
        controller.addPeer(iface, wgGoAsPeer());
        wgGo.wg("set", wgGo.iface(), "peer", WireGuardKeys.encode(X25519.publicKey(key)),
                "endpoint", Testbed.UNDERLAY_A + ":51821", "allowed-ips", Testbed.MESH_A + "/32");

        assertThat(pingPeer()).isTrue();
        DeviceStatus status = controller.deviceStatus(iface);
        assertThat(status.listenPort()).isEqualTo(51821);
        assertThat(status.peer(wgGo.publicKey()).orElseThrow().lastHandshake()).isNotNull();
        assertThat(bed.a.sh("ip", "link", "show", iface).stdout()).contains("mtu 1380");
        UserspaceTunnel tunnel = controller.tunnel(iface).orElseThrow();
        assertThat(tunnel.slotOf(wgGo.publicKey())).hasValue(0);
        assertThat(tunnel.peerInSlot(0)).hasValue(WireGuardKeys.encode(wgGo.publicKey()));

        controller.removePeer(iface, wgGo.publicKey());
        assertThat(controller.deviceStatus(iface).peers()).isEmpty();
        assertThat(tunnel.peerInSlot(0)).isEmpty();

        controller.deleteInterface(iface);
        assertThat(bed.a.exec().run("ip", "link", "show", iface).ok()).isFalse();
        assertThat(Path.of("/var/run/wireguard", iface + ".sock")).doesNotExist();
    }

    @Test
    void plexdsUapiControllerDrivesTheDataPlaneThroughItsSocket() throws Exception {
        startPeer();
        String iface = bed.iface('p');
        UserspaceTunnel tunnel = bed.a.call(() -> UserspaceTunnel.open(DeviceOptions.of(iface), null, UapiServer.DEFAULT_DIRECTORY));
        plexdSide = tunnel;
        UapiController controller = new UapiController(bed.a.exec(), UapiController.Settings.defaults().attached());
        byte[] key = X25519.generatePrivateKey();
        controller.createInterface(iface, key, 51821);
        controller.configureAddress(iface, Testbed.MESH_A + "/24");
        controller.setUp(iface);
        controller.addPeer(iface, wgGoAsPeer());
        wgGo.wg("set", wgGo.iface(), "peer", WireGuardKeys.encode(tunnel.publicKey()),
                "endpoint", Testbed.UNDERLAY_A + ":51821", "allowed-ips", Testbed.MESH_A + "/32");

        assertThat(pingPeer()).isTrue();
        assertThat(tunnel.publicKey()).isEqualTo(X25519.publicKey(key));
        assertThat(controller.deviceStatus(iface).peer(wgGo.publicKey()).orElseThrow().txBytes()).isPositive();
    }

    @Test
    void uapiSocketIsPrivateFramesRequestsAndAnswersErrnoNegative() throws Exception {
        bed = new Testbed();
        String iface = bed.iface('p');
        UserspaceTunnel tunnel = bed.a.call(() -> UserspaceTunnel.open(DeviceOptions.of(iface), X25519.generatePrivateKey(),
                UapiServer.DEFAULT_DIRECTORY));
        plexdSide = tunnel;
        Path socket = tunnel.uapiSocket().orElseThrow();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

        assertThat(exchange(socket, "get=1\n\n")).startsWith("private_key=").contains("listen_port=" + tunnel.listenPort())
                .endsWith("errno=0\n\n");
        assertThat(exchange(socket, "set=1\nlisten_port=not-a-port\n\n")).isEqualTo("errno=-22\n\n");
        assertThat(exchange(socket, "set=1\nbogus_key=1\n\n")).isEqualTo("errno=-22\n\n");
        assertThat(exchange(socket, "hello\n\n")).isEqualTo("errno=-71\n\n");
        String peer = WireGuardKeys.encode(X25519.publicKey(X25519.generatePrivateKey()));
        assertThat(exchange(socket, "set=1\npublic_key=" + hex(peer) + "\nallowed_ip=10.100.0.9/32\n\n")).isEqualTo("errno=0\n\n");
        assertThat(exchange(socket, "set=1\npublic_key=" + hex(peer) + "\nallowed_ip=10.100.0.999/32\n\n"))
                .as("a bad line changes nothing").isEqualTo("errno=-22\n\n");
        assertThat(tunnel.status().peers()).singleElement()
                .satisfies(p -> assertThat(p.allowedIps()).hasToString("[10.100.0.9/32]"));
        assertThat(bed.a.sh("wg", "show", iface, "allowed-ips").stdout()).contains(peer + "\t10.100.0.9/32");
    }

    private static String hex(String base64Key) {
        return java.util.HexFormat.of().formatHex(WireGuardKeys.decode(base64Key, "peer key"));
    }

    /** One request on a fresh connection; the answer up to its terminating blank line. */
    private static String exchange(Path socket, String request) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = Channels.newInputStream(channel);
            StringBuilder answer = new StringBuilder();
            for (int b; (b = in.read()) >= 0; ) {
                answer.append((char) b);
                if (answer.toString().endsWith("\n\n")) {
                    break;
                }
            }
            return answer.toString();
        }
    }
}

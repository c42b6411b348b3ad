package dev.plexd.tunnel.interop;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.filter.DropReason;
import dev.plexd.service.filter.ServiceFilter;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.timers.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real service filter with {@code deny all} on plexd, wireguard-go as the peer: a UDP request
 * plexd's node sends gets its reply through the filter, while a datagram the peer sends unasked to
 * the same port is dropped.
 */
@Privileged(tools = {"wireguard-go", "wg"})
class UdpReplyBoundaryTest extends PlexdAndWireGuardGo {

    private static final int ECHO_PORT = 5353;

    @TempDir
    Path configDir;

    @Test
    void aRequestFromThisNodeGetsItsReplyAndAnUnsolicitedDatagramIsDropped() throws Exception {
        ServiceFilter filter = new ServiceFilter();
        filter.install(new ServicesDir(configDir).defaultAction("deny").global("deny all\n").load(), PeerDirectory.EMPTY);
        bed = new Testbed("ud", "pxu");
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, Clock.system(), filter);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
        int slot = plexd.tunnel().slotOf(wgGo.publicKey()).orElseThrow();
        InetAddress meshA = InetAddress.getByName(Testbed.MESH_A);
        InetAddress meshB = InetAddress.getByName(Testbed.MESH_B);

        try (DatagramSocket echo = wgGo.ns().call(() -> new DatagramSocket(new InetSocketAddress(meshB, ECHO_PORT)));
             DatagramSocket stranger = wgGo.ns().call(() -> new DatagramSocket(new InetSocketAddress(meshB, 0)));
             DatagramSocket client = plexd.ns().call(() -> new DatagramSocket(new InetSocketAddress(meshA, 0)))) {
            CompletableFuture<Void> echoing = CompletableFuture.runAsync(() -> {
                try {
                    DatagramPacket request = new DatagramPacket(new byte[64], 64);
                    echo.receive(request);
                    echo.send(new DatagramPacket(request.getData(), request.getLength(), request.getSocketAddress()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            client.setSoTimeout(5000);
            byte[] query = "query".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(query, query.length, meshB, ECHO_PORT));
            DatagramPacket reply = new DatagramPacket(new byte[64], 64);
            client.receive(reply); // the first datagram waits for the handshake; its reply comes right after
            echoing.get(1, TimeUnit.SECONDS);
            assertThat(Arrays.copyOf(reply.getData(), reply.getLength())).as("the echo reply passes deny all")
                    .isEqualTo(query);
            assertThat(reply.getPort()).isEqualTo(ECHO_PORT);

            byte[] unsolicited = "push".getBytes(StandardCharsets.US_ASCII);
            stranger.send(new DatagramPacket(unsolicited, unsolicited.length, meshA, client.getLocalPort()));
            client.setSoTimeout(1500);
            assertThatThrownBy(() -> client.receive(new DatagramPacket(new byte[64], 64)))
                    .as("the same port from another source port is not a reply").isInstanceOf(SocketTimeoutException.class);
        }

        assertThat(filter.allowedAsReply(slot)).isEqualTo(1);
        assertThat(filter.allowed(slot)).as("nothing else was allowed").isZero();
        assertThat(filter.dropped(slot, DropReason.POLICY)).as("the unsolicited datagram").isEqualTo(1);
    }
}

package dev.plexd.tunnel.interop;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.filter.DropReason;
import dev.plexd.service.filter.ServiceFilter;
import dev.plexd.service.policy.Names;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.wireguard.WireGuardKeys;
import dev.plexd.wireguard.X25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real service filter at plexd's decrypt → TUN boundary, with wireguard-go as the sending
 * peer: {@code deny} by default plus {@code allow tcp 22} in wireguard-go's own peer policy
 * ({@code services/peer/<alias>.policy}). A second peer, configured first so it holds slot 0,
 * has a policy allowing exactly what wireguard-go is denied: the verdicts prove the slot the
 * data plane passes at the boundary carries wireguard-go's policy, not another peer's.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class FilterBoundaryTest extends PlexdAndWireGuardGo {

    @TempDir
    Path configDir;

    @Test
    void onlyTheAllowedServiceGetsThroughAndDropsAreCountedWithTheirReason() throws Exception {
        bed = new Testbed("q6", "q6f");
        ServiceFilter filter = new ServiceFilter();
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, Clock.system(), filter);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        String wgGoKey = WireGuardKeys.encode(wgGo.publicKey());
        String otherKey = WireGuardKeys.encode(X25519.publicKey(X25519.generatePrivateKey()));
        filter.install(new ServicesDir(configDir).defaultAction("deny")
                .aliases("wireguard-go " + wgGoKey + "\n")
                .peer("wireguard-go", "allow tcp 22\n")
                .peer(Names.fileNameForKey(otherKey), "allow tcp 8080\nallow udp 53\n")
                .load(), PeerDirectory.EMPTY);
        plexd.wg("set", plexd.iface(), "peer", otherKey, "allowed-ips", "10.100.0.9/32");
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
        int otherSlot = plexd.tunnel().slotOf(Base64.getDecoder().decode(otherKey)).orElseThrow();
        int slot = plexd.tunnel().slotOf(wgGo.publicKey()).orElseThrow();
        assertThat(otherSlot).as("the other peer, configured first, holds the lower slot").isLessThan(slot);
        InetAddress meshA = InetAddress.getByName(Testbed.MESH_A);

        assertThat(InteropTest.ping(wgGo, plexd)).as("ICMP passes").isTrue();

        try (ServerSocket ssh = plexd.ns().call(() -> new ServerSocket(22, 4, meshA));
             ServerSocket web = plexd.ns().call(() -> new ServerSocket(8080, 4, meshA));
             DatagramSocket dns = plexd.ns().call(() -> new DatagramSocket(new InetSocketAddress(meshA, 53)))) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return ssh.accept();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket client = connectFromPeer(22)) {
                assertThat(client.isConnected()).as("tcp 22 is allowed").isTrue();
                accepted.get(5, TimeUnit.SECONDS).close();
            }

            assertThatThrownBy(() -> connectFromPeer(8080)).as("tcp 8080 is denied: the SYN never arrives")
                    .isInstanceOf(SocketTimeoutException.class);

            wgGo.ns().call(() -> {
                try (DatagramSocket s = new DatagramSocket()) {
                    byte[] query = {1, 2, 3, 4};
                    s.send(new DatagramPacket(query, query.length, meshA, 53));
                }
                return null;
            });
            dns.setSoTimeout(1500);
            assertThatThrownBy(() -> dns.receive(new DatagramPacket(new byte[64], 64))).as("udp 53 is denied")
                    .isInstanceOf(SocketTimeoutException.class);
        }

        assertThat(filter.dropped(slot, DropReason.POLICY)).as("8080 SYNs and the UDP datagram").isGreaterThanOrEqualTo(2);
        assertThat(filter.allowed(slot)).isPositive();
        assertThat(filter.allowed(otherSlot)).as("nothing was judged by the other peer's policy").isZero();
        assertThat(filter.dropped(otherSlot, DropReason.POLICY)).isZero();
        assertThat(plexd.device().stats().drops(dev.plexd.tunnel.device.DropReason.FILTER))
                .isEqualTo(filter.dropped(slot, DropReason.POLICY));
        assertThat(plexd.device().peer(wgGo.publicKey()).drops().drops(dev.plexd.tunnel.device.DropReason.FILTER))
                .as("counted for the sending peer too").isEqualTo(filter.dropped(slot, DropReason.POLICY));
    }

    private Socket connectFromPeer(int port) throws Exception {
        return wgGo.ns().call(() -> {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(Testbed.MESH_A, port), 1500);
                return s;
            } catch (Exception e) {
                s.close();
                throw e;
            }
        });
    }
}

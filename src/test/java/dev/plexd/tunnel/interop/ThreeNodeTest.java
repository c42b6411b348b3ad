package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.wireguard.WireGuardKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small mesh like the demo's: a plexd hub with two peers, another plexd node and wireguard-go,
 * each on its own link. Cryptokey routing picks the right peer for each destination, each peer
 * gets its own filter slot, and plexd interoperates with itself.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class ThreeNodeTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        Exception failure = null;
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static String key(Node node) {
        return WireGuardKeys.encode(node.publicKey());
    }

    @Test
    void hubRoutesToEachPeerAndEveryPairPings() throws Exception {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        NetNs hubNs = track(NetNs.create("dp"));
        NetNs goNs = track(NetNs.create("dp"));
        NetNs plexdNs = track(NetNs.create("dp"));
        NetNs.link(hubNs, "va", List.of("192.0.2.1/24"), goNs, "vb", List.of("192.0.2.2/24"));
        NetNs.link(hubNs, "vc", List.of("198.51.100.1/24"), plexdNs, "vd", List.of("198.51.100.2/24"));

        PlexdNode hub = track(PlexdNode.start(hubNs, "pxd" + suffix + "h", "192.0.2.1", "10.100.0.1", Clock.system(),
                InboundFilter.ALLOW_ALL));
        WireGuardGoNode go = track(WireGuardGoNode.start(goNs, "pxd" + suffix + "g", "192.0.2.2", "10.100.0.2", 51820));
        PlexdNode other = track(PlexdNode.start(plexdNs, "pxd" + suffix + "o", "198.51.100.2", "10.100.0.3", Clock.system(),
                InboundFilter.ALLOW_ALL));

        hub.addPeer(go);
        hub.addPeer(other);
        go.wg("set", go.iface(), "peer", key(hub), "endpoint", "192.0.2.1:" + hub.listenPort(), "allowed-ips", "10.100.0.0/24");
        other.wg("set", other.iface(), "peer", key(hub), "endpoint", "198.51.100.1:" + hub.listenPort(),
                "allowed-ips", "10.100.0.0/24");

        assertThat(InteropTest.ping(hub, go)).isTrue();
        assertThat(InteropTest.ping(hub, other)).as("plexd to plexd").isTrue();
        assertThat(InteropTest.ping(other, hub)).isTrue();
        assertThat(InteropTest.ping(go, hub)).isTrue();

        assertThat(hub.tunnel().slotOf(go.publicKey())).isPresent();
        assertThat(hub.tunnel().slotOf(other.publicKey())).isPresent();
        assertThat(hub.tunnel().slotOf(go.publicKey())).isNotEqualTo(hub.tunnel().slotOf(other.publicKey()));
        assertThat(hub.wg("show", hub.iface(), "peers").lines()).containsExactlyInAnyOrder(key(go), key(other));
        assertThat(hub.device().stats().handshakes()).isEqualTo(2);
        assertThat(hub.device().peers()).allSatisfy(p -> assertThat(p.rxPackets()).isPositive());
    }
}

package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.crypto.HeapSearch;
import dev.plexd.tunnel.device.DeviceProbe;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.wireguard.WireGuardKeys;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Erasing a peer's sessions leaves none of their keys anywhere in the JVM's live heap: not in the
 * sessions, and not in the JDK ciphers of the packet and control threads, which keep the last key
 * they used until told to forget it.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class SessionErasureTest extends PlexdAndWireGuardGo {

    @Test
    void removingAPeerLeavesNoSessionKeyReachable() throws Exception {
        bed = new Testbed("q6", "q6e");
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, Clock.system(), InboundFilter.ALLOW_ALL);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue(); // both threads' ciphers have used the keys

        List<HeapSearch.Masked> keys = new ArrayList<>();
        for (Keypair keypair : DeviceProbe.sessions(plexd.device(), wgGo.publicKey())) {
            for (byte[] raw : List.of(keypair.sendKey().getEncoded(), keypair.receiveKey().getEncoded())) {
                keys.add(HeapSearch.Masked.of(raw));
                Arrays.fill(raw, (byte) 0);
            }
        }
        assertThat(keys).isNotEmpty();
        HeapSearch.Masked[] secrets = keys.toArray(HeapSearch.Masked[]::new);
        assertThat(HeapSearch.liveHeapContains(secrets)).as("the search finds live session keys").isTrue();

        plexd.wg("set", plexd.iface(), "peer", WireGuardKeys.encode(wgGo.publicKey()), "remove");

        assertThat(HeapSearch.liveHeapContains(secrets)).as("no copy of any session key survives the erase").isFalse();
    }
}

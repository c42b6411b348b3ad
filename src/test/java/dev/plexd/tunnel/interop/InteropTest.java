package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.device.DropReason;
import dev.plexd.tunnel.timers.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** plexd's data plane against wireguard-go, the reference implementation, over a veth pair. */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class InteropTest {

    private Testbed bed;
    private PlexdNode plexd;
    private WireGuardGoNode wgGo;

    private void setUp(Clock clock) throws Exception {
        bed = new Testbed();
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, clock, InboundFilter.ALLOW_ALL);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (wgGo != null) {
                wgGo.close();
            }
            if (plexd != null) {
                plexd.close();
            }
        } finally {
            if (bed != null) {
                bed.close();
            }
        }
    }

    private boolean ping(Node from, Node to) throws Exception {
        return from.ns().exec().run("ping", "-c", "3", "-i", "0.2", "-W", "2", to.meshIp()).ok();
    }

    @Test
    void plexdInitiatesAndPings() throws Exception {
        setUp(Clock.system());
        assertThat(ping(plexd, wgGo)).isTrue();
        assertThat(plexd.device().stats().handshakes()).isEqualTo(1);
        assertThat(plexd.device().stats().initiationsSent()).isEqualTo(1);
        assertThat(wgGo.wg("show", wgGo.iface(), "latest-handshakes")).doesNotContain("\t0\n");
        assertThat(plexd.device().stats().drops().dropsByReason()).doesNotContainKeys(DropReason.BAD_MAC, DropReason.REPLAY);
    }

    @Test
    void wireguardGoInitiatesAndPings() throws Exception {
        setUp(Clock.system());
        assertThat(ping(wgGo, plexd)).isTrue();
        assertThat(plexd.device().stats().initiationsReceived()).isEqualTo(1);
        assertThat(plexd.device().stats().initiationsSent()).isZero();
        assertThat(plexd.device().stats().handshakes()).isEqualTo(1);
        assertThat(ping(plexd, wgGo)).isTrue();
    }
}

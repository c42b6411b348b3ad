package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.device.DeviceProbe;
import dev.plexd.tunnel.device.DeviceStats;
import dev.plexd.tunnel.device.DropReason;
import dev.plexd.tunnel.device.Peer;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.noise.Keypairs;
import dev.plexd.tunnel.replay.ReplayWindow;
import dev.plexd.tunnel.timers.Timing;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session limits on plexd's packet paths, against wireguard-go: Rekey-After-Messages and
 * Reject-After-Messages on the send path (the counter is moved near the limit through a test
 * hook instead of sending 2^60 packets), Reject-After-Time on both paths with an injected clock.
 * plexd initiates, so it is the side that must re-key.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class SessionLimitsTest extends PlexdAndWireGuardGo {

    private OffsetClock clock;

    private void setUp() throws Exception {
        clock = new OffsetClock();
        bed = new Testbed("q6", "q6l");
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, clock, InboundFilter.ALLOW_ALL);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
        assertThat(stats().initiationsSent()).isEqualTo(1);
        assertThat(stats().handshakes()).isEqualTo(1);
        // Past Rekey-Timeout, so no rate limit can hide a new initiation; far from Rekey-After-Time and the 10 s keepalive.
        clock.advance(Duration.ofNanos(Timing.REKEY_TIMEOUT).plusSeconds(1));
    }

    private DeviceStats stats() {
        return plexd.device().stats();
    }

    private Keypair current() {
        return DeviceProbe.current(plexd.device(), wgGo.publicKey());
    }

    private Peer peer() {
        return plexd.device().peer(wgGo.publicKey());
    }

    @Test
    void rekeyAfterMessagesOnTheSendPathStartsANewHandshake() throws Exception {
        setUp();
        Keypair first = current();
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
        assertThat(stats().initiationsSent()).as("no re-key below the limits").isEqualTo(1);

        Keypairs.setNextSendCounter(first, Keypair.REKEY_AFTER_MESSAGES);
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
        until("a second handshake", () -> stats().handshakes() == 2);
        assertThat(stats().initiationsSent()).isEqualTo(2);
        assertThat(current()).isNotSameAs(first);
        assertThat(first.sentMessages()).as("re-keying is not rejecting: the packet at the limit went out with the old key")
                .isGreaterThan(Keypair.REKEY_AFTER_MESSAGES);
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue();
    }

    @Test
    void atRejectAfterMessagesNoPacketIsSentWithTheSessionAndANewOneTakesOver() throws Exception {
        setUp();
        Keypair first = current();
        Keypairs.setNextSendCounter(first, ReplayWindow.REJECT_AFTER_MESSAGES - 1);

        assertThat(InteropTest.ping(plexd, wgGo)).as("the packets after the last counter wait for the new session").isTrue();
        until("a second handshake", () -> stats().handshakes() == 2);
        assertThat(first.sentMessages()).as("only the last counter below the limit was handed out, none after")
                .isEqualTo(ReplayWindow.REJECT_AFTER_MESSAGES);
        assertThat(current()).isNotSameAs(first);
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue();
    }

    @Test
    void aSessionOlderThanRejectAfterTimeNeitherSendsNorReceives() throws Exception {
        setUp();
        Keypair first = current();
        // Let the keepalive due 10 s after the ping's last reply go out now, with the still valid session,
        // so that no timer is pending when the session expires.
        long sent = peer().txPackets();
        clock.advance(Duration.ofNanos(Timing.KEEPALIVE_TIMEOUT));
        until("the keepalive", () -> peer().txPackets() > sent);

        clock.advance(Duration.ofNanos(Timing.REJECT_AFTER_TIME));
        long sentWithFirst = first.sentMessages();
        long received = peer().rxPackets();
        long noSession = peer().drops().drops(DropReason.NO_SESSION);

        // wireguard-go's clock is real, its session young: it sends with it, and plexd refuses.
        assertThat(wgGo.ns().exec().run("ping", "-c", "2", "-i", "0.2", "-W", "1", plexd.meshIp()).ok()).isFalse();
        // plexd's inbound thread counts the refusals; ping's exit does not wait for it.
        until("both pings refused for want of a session", () -> peer().drops().drops(DropReason.NO_SESSION) >= noSession + 2);
        assertThat(peer().rxPackets()).as("nothing accepted").isEqualTo(received);
        assertThat(stats().handshakes()).isEqualTo(1);

        // plexd's own next packet does not go out with the old session: it waits for a new one.
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
        assertThat(first.sentMessages()).as("no counter of the expired session used").isEqualTo(sentWithFirst);
        assertThat(stats().initiationsSent()).isEqualTo(2);
        assertThat(current()).isNotSameAs(first);
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue();
    }

}

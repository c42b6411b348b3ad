package dev.plexd.tunnel.device;

import dev.plexd.tunnel.noise.Handshake;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.noise.Keypairs;
import dev.plexd.tunnel.replay.ReplayWindow;
import dev.plexd.tunnel.timers.Timing;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which sessions may still encrypt: the gate every send path (outbound loop, keepalive, flush) asks. */
class CanSendTest {

    private static final long CREATED = 10 * Timing.SECOND;

    private static Keypair keypair() {
        return new Keypair(new Handshake.SessionKeys(new byte[32], new byte[32], true, 1, 2), CREATED);
    }

    @Test
    void aSessionSendsUntilRejectAfterTimeAndNotAtIt() {
        Keypair keypair = keypair();
        assertThat(Peer.canSend(keypair, CREATED)).isTrue();
        assertThat(Peer.canSend(keypair, CREATED + Timing.REJECT_AFTER_TIME - 1)).isTrue();
        assertThat(Peer.canSend(keypair, CREATED + Timing.REJECT_AFTER_TIME)).isFalse();
    }

    @Test
    void aSessionThatHandedOutItsLastCounterSendsNoMore() {
        Keypair keypair = keypair();
        Keypairs.setNextSendCounter(keypair, ReplayWindow.REJECT_AFTER_MESSAGES - 1);
        assertThat(Peer.canSend(keypair, CREATED)).isTrue();
        keypair.nextSendCounter();
        assertThat(Peer.canSend(keypair, CREATED)).isFalse();
    }

    @Test
    void noSessionOrAnErasedOneCannotSend() {
        assertThat(Peer.canSend(null, CREATED)).isFalse();
        Keypair keypair = keypair();
        keypair.wipe();
        assertThat(Peer.canSend(keypair, CREATED)).isFalse();
    }
}

package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.replay.ReplayWindow;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The send side of Reject-After-Messages: a key stops handing out counters at the limit, for good. */
class KeypairLimitsTest {

    private static Keypair keypair() {
        return new Keypair(new Handshake.SessionKeys(new byte[32], new byte[32], true, 1, 2), 1);
    }

    @Test
    void theLastCounterBelowTheLimitIsHandedOutThenNoneEver() {
        Keypair keypair = keypair();
        Keypairs.setNextSendCounter(keypair, ReplayWindow.REJECT_AFTER_MESSAGES - 1);
        assertThat(keypair.nextSendCounter()).isEqualTo(ReplayWindow.REJECT_AFTER_MESSAGES - 1);
        assertThat(keypair.nextSendCounter()).isEqualTo(-1);
        assertThat(keypair.nextSendCounter()).as("still refused after more attempts").isEqualTo(-1);
    }

    @Test
    void countersAboveTheLimitInUnsignedOrderAreRefusedToo() {
        Keypair keypair = keypair();
        Keypairs.setNextSendCounter(keypair, -2); // 2^64 − 2, far past the limit when read unsigned
        assertThat(keypair.nextSendCounter()).isEqualTo(-1);
        assertThat(keypair.nextSendCounter()).as("-1 itself is 2^64 − 1, also past the limit").isEqualTo(-1);
    }

    @Test
    void rekeyAfterMessagesIsFarBelowRejectAfterMessages() {
        assertThat(Long.compareUnsigned(Keypair.REKEY_AFTER_MESSAGES, ReplayWindow.REJECT_AFTER_MESSAGES)).isNegative();
        Keypair keypair = keypair();
        Keypairs.setNextSendCounter(keypair, Keypair.REKEY_AFTER_MESSAGES);
        assertThat(keypair.nextSendCounter()).as("re-keying is due, but the key still sends").isEqualTo(Keypair.REKEY_AFTER_MESSAGES);
    }
}

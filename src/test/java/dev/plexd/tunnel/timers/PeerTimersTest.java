package dev.plexd.tunnel.timers;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.plexd.tunnel.timers.Timing.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

/** The timer state machine driven by an injected clock: minutes of protocol time in microseconds. */
class PeerTimersTest {

    private static final long MS = 1_000_000L;

    private long now = 1000 * SECOND;
    private final List<String> fired = new ArrayList<>();
    private final long jitter = 100 * MS;
    private PeerTimers timers;

    /** Acts like the device: a sent initiation or keepalive is an authenticated packet sent. */
    private final PeerTimers.Actions actions = new PeerTimers.Actions() {
        @Override
        public void sendHandshakeInitiation(boolean retry) {
            fired.add(retry ? "retry" : "initiate");
            timers.authenticatedSent(now, false);
            timers.handshakeInitiated(now, retry);
        }

        @Override
        public void sendKeepalive() {
            fired.add("keepalive");
            timers.authenticatedSent(now, false);
        }

        @Override
        public void handshakeGaveUp() {
            fired.add("gave-up");
        }

        @Override
        public void zeroKeyMaterial() {
            fired.add("zero-keys");
        }
    };

    {
        timers = new PeerTimers(actions, () -> jitter);
    }

    private void advanceTo(long t) {
        // Tick every 50 ms like the device's control thread.
        while (now < t) {
            now = Math.min(t, now + 50 * MS);
            timers.tick(now);
        }
    }

    private void advance(long d) {
        advanceTo(now + d);
    }

    @Test
    void unansweredInitiationIsRetriedEveryRekeyTimeoutPlusJitterThenAbandoned() {
        actions.sendHandshakeInitiation(false);
        fired.clear();
        advance(5 * SECOND);
        assertThat(fired).as("not before 5 s + jitter").isEmpty();
        advance(jitter);
        assertThat(fired).containsExactly("retry");
        advance(100 * SECOND);
        long retries = fired.stream().filter("retry"::equals).count();
        assertThat(retries).isEqualTo(Timing.MAX_TIMER_HANDSHAKES + 1);
        assertThat(fired).last().isEqualTo("gave-up");
        fired.clear();
        advance(Timing.ZERO_KEYS_AFTER);
        assertThat(fired).containsExactly("zero-keys");
    }

    @Test
    void completedHandshakeStopsTheRetries() {
        actions.sendHandshakeInitiation(false);
        advance(2 * SECOND);
        timers.handshakeComplete();
        fired.clear();
        advance(60 * SECOND);
        assertThat(fired).isEmpty();
        assertThat(timers.handshakeAttempts()).isZero();
    }

    @Test
    void keepaliveFollowsReceivedDataAfterTenSecondsOfSilence() {
        timers.authenticatedReceived(now, true);
        advance(Timing.KEEPALIVE_TIMEOUT - 50 * MS);
        assertThat(fired).isEmpty();
        advance(50 * MS);
        assertThat(fired).containsExactly("keepalive");
        advance(60 * SECOND);
        assertThat(fired).as("once").containsExactly("keepalive");
    }

    @Test
    void sentDataMakesTheKeepaliveUnnecessary() {
        timers.authenticatedReceived(now, true);
        advance(3 * SECOND);
        timers.authenticatedSent(now, true);
        timers.authenticatedReceived(now, false); // its answer, so no new handshake either
        advance(30 * SECOND);
        assertThat(fired).isEmpty();
    }

    @Test
    void dataReceivedWhileAKeepaliveIsPendingGetsAnotherOne() {
        timers.authenticatedReceived(now, true);
        advance(4 * SECOND);
        timers.authenticatedReceived(now, true);
        advance(6 * SECOND);
        assertThat(fired).containsExactly("keepalive");
        advance(Timing.KEEPALIVE_TIMEOUT);
        assertThat(fired).containsExactly("keepalive", "keepalive");
        advance(60 * SECOND);
        assertThat(fired).hasSize(2);
    }

    @Test
    void dataSentWithoutAnyReplyStartsANewHandshakeAfterFifteenSeconds() {
        timers.authenticatedSent(now, true);
        advance(Timing.KEEPALIVE_TIMEOUT + Timing.REKEY_TIMEOUT);
        assertThat(fired).as("jitter not yet elapsed").isEmpty();
        advance(jitter);
        assertThat(fired).containsExactly("initiate");
    }

    @Test
    void anyAuthenticatedReplyCancelsTheNewHandshake() {
        timers.authenticatedSent(now, true);
        advance(14 * SECOND);
        timers.authenticatedReceived(now, false);
        advance(60 * SECOND);
        assertThat(fired).isEmpty();
    }

    @Test
    void persistentKeepaliveFiresAtOnceThenAfterEachIdleInterval() {
        timers.setPersistentKeepalive(25);
        advance(50 * MS);
        assertThat(fired).containsExactly("keepalive");
        advance(24 * SECOND);
        timers.authenticatedReceived(now, false);
        advance(24 * SECOND);
        assertThat(fired).as("traffic 24 s ago postponed it").hasSize(1);
        advance(1 * SECOND + 50 * MS);
        assertThat(fired).containsExactly("keepalive", "keepalive");
        timers.setPersistentKeepalive(0);
        advance(120 * SECOND);
        assertThat(fired).hasSize(2);
    }

    @Test
    void keyMaterialIsZeroedThreeRejectTimesAfterTheLastSession() {
        timers.sessionDerived(now);
        advance(300 * SECOND);
        timers.sessionDerived(now);
        advance(Timing.ZERO_KEYS_AFTER - 50 * MS);
        assertThat(fired).isEmpty();
        advance(50 * MS);
        assertThat(fired).containsExactly("zero-keys");
    }

    @Test
    void lastMinuteHandshakeIsClaimedOncePerSession() {
        assertThat(timers.claimLastMinuteHandshake()).isTrue();
        assertThat(timers.claimLastMinuteHandshake()).isFalse();
        timers.handshakeComplete();
        assertThat(timers.claimLastMinuteHandshake()).isTrue();
    }

    @Test
    void stoppedTimersNeverFire() {
        timers.setPersistentKeepalive(1);
        timers.authenticatedReceived(now, true);
        timers.sessionDerived(now);
        timers.stop();
        advance(1000 * SECOND);
        assertThat(fired).isEmpty();
    }

    @Test
    void constantsMatchThePaper() {
        assertThat(Timing.REKEY_AFTER_TIME).isEqualTo(120 * SECOND);
        assertThat(Timing.REJECT_AFTER_TIME).isEqualTo(180 * SECOND);
        assertThat(Timing.MAX_TIMER_HANDSHAKES).isEqualTo(18);
        assertThat(Timing.REKEY_ON_RECEIVE_AFTER).isEqualTo(165 * SECOND);
        for (int i = 0; i < 1000; i++) {
            assertThat(Timing.jitter()).isBetween(0L, 333_999_999L);
        }
    }
}

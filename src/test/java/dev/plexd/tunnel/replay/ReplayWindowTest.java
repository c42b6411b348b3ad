package dev.plexd.tunnel.replay;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayWindowTest {

    private final ReplayWindow window = new ReplayWindow();

    @Test
    void acceptsEachCounterOnceInOrder() {
        for (long c = 0; c < 5000; c++) {
            assertThat(window.accept(c)).as("counter %d", c).isTrue();
        }
        for (long c = 4000; c < 5000; c++) {
            assertThat(window.accept(c)).as("duplicate %d", c).isFalse();
        }
    }

    @Test
    void firstCounterZeroIsAcceptedOnce() {
        assertThat(window.accept(0)).isTrue();
        assertThat(window.accept(0)).isFalse();
    }

    @Test
    void acceptsReorderedCountersInsideTheWindowOnce() {
        assertThat(window.accept(100)).isTrue();
        assertThat(window.accept(50)).isTrue();
        assertThat(window.accept(99)).isTrue();
        assertThat(window.accept(50)).isFalse();
        assertThat(window.accept(99)).isFalse();
        assertThat(window.accept(101)).isTrue();
    }

    @Test
    void windowIs1984CountersBehindTheNewest() {
        assertThat(ReplayWindow.WINDOW_SIZE).isEqualTo(2048 - 64);
        long newest = 10_000;
        assertThat(window.accept(newest)).isTrue();
        assertThat(window.accept(newest - ReplayWindow.WINDOW_SIZE)).as("oldest still inside").isTrue();
        assertThat(window.accept(newest - ReplayWindow.WINDOW_SIZE - 1)).as("just outside").isFalse();
        assertThat(window.accept(0)).as("far behind").isFalse();
    }

    @Test
    void farFutureCounterMovesTheWindowAndClearsOldBits() {
        for (long c = 0; c < 64; c++) {
            window.accept(c);
        }
        long far = 1L << 40;
        assertThat(window.accept(far)).isTrue();
        assertThat(window.last()).isEqualTo(far);
        assertThat(window.accept(far)).isFalse();
        // Everything from before the jump is now far outside the window.
        assertThat(window.accept(63)).isFalse();
        // The ring slots were cleared: counters just behind the new newest are fresh.
        for (long c = far - 1; c > far - ReplayWindow.WINDOW_SIZE; c -= 97) {
            assertThat(window.accept(c)).as("counter %d", c).isTrue();
        }
    }

    @Test
    void jumpOfExactlyOneRingRevolutionDoesNotResurrectOldBits() {
        assertThat(window.accept(5)).isTrue();
        long sameSlot = 5 + ReplayWindow.TOTAL_BITS;
        assertThat(window.accept(sameSlot)).as("same ring slot, newer").isTrue();
        assertThat(window.accept(sameSlot)).isFalse();
        assertThat(window.accept(5)).as("stale").isFalse();
    }

    @Test
    void rejectsCountersAtOrBeyondRejectAfterMessages() {
        long limit = ReplayWindow.REJECT_AFTER_MESSAGES; // 2^64 - 2^13 - 1 as an unsigned value
        assertThat(Long.toUnsignedString(limit)).isEqualTo("18446744073709543423");
        assertThat(window.accept(limit)).isFalse();
        assertThat(window.accept(-1L)).as("2^64-1").isFalse();
        assertThat(window.accept(limit - 1)).isTrue();
        assertThat(window.accept(limit - 1)).isFalse();
    }

    @Test
    void rejectedCounterDoesNotMoveTheWindow() {
        window.accept(10);
        window.accept(ReplayWindow.REJECT_AFTER_MESSAGES);
        assertThat(window.last()).isEqualTo(10);
        assertThat(window.accept(9)).isTrue();
    }
}

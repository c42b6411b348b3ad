package dev.plexd.api.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    /** nextDouble() == 0.5: no jitter. */
    static final RandomGenerator MIDDLE = () -> Long.MIN_VALUE;
    /** nextDouble() == 0: the low end of the jitter. */
    static final RandomGenerator LOWEST = () -> 0L;
    /** nextDouble() just below 1: the high end. */
    static final RandomGenerator HIGHEST = () -> -1L;

    @Test
    void doublesFromOneSecondToSixtySeconds() {
        List<Duration> delays = new ArrayList<>();
        for (int attempt = 0; attempt < 9; attempt++) {
            delays.add(Backoff.DEFAULT.delay(attempt, MIDDLE));
        }
        assertThat(delays).extracting(Duration::toMillis)
                .containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 32000L, 60000L, 60000L, 60000L);
        assertThat(Backoff.DEFAULT.delay(10_000, MIDDLE)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void jitterSpreadsEachDelayByAQuarter() {
        assertThat(Backoff.DEFAULT.delay(0, LOWEST)).isEqualTo(Duration.ofMillis(750));
        assertThat(Backoff.DEFAULT.delay(0, HIGHEST).toMillis()).isEqualTo(1250);
        assertThat(Backoff.DEFAULT.delay(9, LOWEST)).isEqualTo(Duration.ofSeconds(45));
        assertThat(Backoff.DEFAULT.delay(9, HIGHEST).toMillis()).isEqualTo(75000);
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        for (int i = 0; i < 1000; i++) {
            assertThat(Backoff.DEFAULT.delay(2, random).toMillis()).isBetween(3000L, 5000L);
        }
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.0)).isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.plexd.tunnel.interop;

import dev.plexd.tunnel.timers.Clock;

import java.time.Duration;
import java.time.Instant;

/** Real time plus an offset a test moves forward, so minutes of protocol time pass in an instant. */
final class OffsetClock implements Clock {

    private volatile long offsetNanos;

    void advance(Duration d) {
        offsetNanos += d.toNanos();
    }

    @Override
    public long nanoTime() {
        return Clock.system().nanoTime() + offsetNanos;
    }

    @Override
    public Instant wallTime() {
        return Clock.system().wallTime().plusNanos(offsetNanos);
    }
}

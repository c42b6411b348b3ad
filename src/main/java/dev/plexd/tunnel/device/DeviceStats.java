package dev.plexd.tunnel.device;

import java.util.concurrent.atomic.AtomicLong;

/** Device-wide counters for metrics: drops by reason and handshake activity. Plain getters, no library. */
public final class DeviceStats {

    final Counters drops = new Counters();
    final AtomicLong initiationsSent = new AtomicLong();
    final AtomicLong initiationsReceived = new AtomicLong();
    final AtomicLong responsesSent = new AtomicLong();
    final AtomicLong responsesReceived = new AtomicLong();
    final AtomicLong cookieRepliesSent = new AtomicLong();
    final AtomicLong cookieRepliesReceived = new AtomicLong();
    final AtomicLong sessionsStarted = new AtomicLong();

    public Counters drops() {
        return drops;
    }

    public long drops(DropReason reason) {
        return drops.drops(reason);
    }

    public long initiationsSent() {
        return initiationsSent.get();
    }

    /** Initiations that passed every check and were answered. */
    public long initiationsReceived() {
        return initiationsReceived.get();
    }

    public long responsesSent() {
        return responsesSent.get();
    }

    public long responsesReceived() {
        return responsesReceived.get();
    }

    public long cookieRepliesSent() {
        return cookieRepliesSent.get();
    }

    public long cookieRepliesReceived() {
        return cookieRepliesReceived.get();
    }

    /** Completed handshakes (new sessions) in either role. */
    public long handshakes() {
        return sessionsStarted.get();
    }
}

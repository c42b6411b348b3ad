package dev.plexd.daemon;

import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.firewall.ManagedFirewall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Keeps a kernel firewall backend's rules as plexd applied them: every
 * {@code firewall.drift_check_interval} it has the backend re-read the kernel and repair what
 * others changed, and it exposes the backend's counters as metrics.
 */
final class FirewallUpkeep implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FirewallUpkeep.class);

    private final ManagedFirewall firewall;
    private final Duration interval;
    private final Thread thread;

    private FirewallUpkeep(ManagedFirewall firewall, Duration interval) {
        this.firewall = firewall;
        this.interval = interval;
        this.thread = Thread.ofVirtual().name("firewall-drift").unstarted(this::run);
    }

    static FirewallUpkeep start(ManagedFirewall firewall, Duration interval, DaemonMetrics metrics) {
        FirewallUpkeep upkeep = new FirewallUpkeep(firewall, interval);
        metrics.registerFirewallDriftRepairs(() -> firewall.stats().driftRepairs());
        upkeep.thread.start();
        return upkeep;
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (firewall.repairDrift()) {
                    log.atWarn().addKeyValue("backend", firewall.backend())
                            .log("firewall rules were changed outside plexd; repaired");
                }
            } catch (Exception e) {
                log.atError().addKeyValue("backend", firewall.backend()).setCause(e)
                        .log("firewall drift check failed; retrying at the next interval");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(Duration.ofSeconds(5));
    }
}

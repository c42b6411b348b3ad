package dev.plexd.daemon.metrics;

import dev.plexd.policy.FirewallController;
import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;

import java.util.List;
import java.util.Objects;

/**
 * Wraps the real firewall backend to time every apply and remember how many rules are in force,
 * for {@code /metrics} and {@code /v1/status}. Everything else passes straight through.
 */
public final class InstrumentedFirewall implements FirewallController {

    private final FirewallController delegate;
    private final DaemonMetrics metrics;
    private volatile int appliedRules;

    public InstrumentedFirewall(FirewallController delegate, DaemonMetrics metrics) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        metrics.registerFirewallRules(() -> appliedRules);
    }

    @Override
    public void ensureChain(String chain) throws FirewallException {
        delegate.ensureChain(chain);
    }

    @Override
    public void applyRules(String chain, List<FirewallRule> rules) throws FirewallException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            delegate.applyRules(chain, rules);
            appliedRules = rules.size();
            ok = true;
        } finally {
            metrics.recordFirewallApply(System.nanoTime() - start, ok);
        }
    }

    @Override
    public void flushChain(String chain) throws FirewallException {
        delegate.flushChain(chain);
        appliedRules = 0;
    }

    @Override
    public void deleteChain(String chain) throws FirewallException {
        delegate.deleteChain(chain);
        appliedRules = 0;
    }

    /** Rules in the chain after the last successful apply. */
    public int appliedRules() {
        return appliedRules;
    }
}

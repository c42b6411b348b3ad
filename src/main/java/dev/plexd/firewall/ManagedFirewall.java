package dev.plexd.firewall;

import dev.plexd.policy.FirewallController;
import dev.plexd.policy.FirewallException;

/**
 * A kernel firewall backend as the daemon runs it: the {@link FirewallController} the Enforcer
 * drives, plus drift repair for a timer and counters for metrics.
 */
public sealed interface ManagedFirewall extends FirewallController permits NftablesFirewall, IptablesFirewall {

    /** {@code "nftables"} or {@code "iptables"}. */
    String backend();

    /**
     * Re-reads the kernel and restores what plexd applied wherever someone else changed or removed
     * it. Only chains this instance applied rules to are repaired.
     *
     * @return whether anything had to be repaired
     */
    boolean repairDrift() throws FirewallException;

    FirewallStats stats();
}

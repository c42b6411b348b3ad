package dev.plexd.firewall;

import java.time.Duration;

/**
 * Counters of a firewall backend since it was created, for the daemon's metrics.
 *
 * @param applies                 successful {@code applyRules} calls
 * @param failures                failed {@code applyRules} calls (invalid rules or a rejected transaction)
 * @param driftRepairs            {@code repairDrift} calls that found and repaired a difference
 * @param lastApplyDuration       wall time of the last {@code applyRules}, successful or not
 * @param lastTransactionElements what the last transaction sent: set elements added plus deleted
 *                                for nftables, rules written for iptables
 * @param lastTransactionLines    lines of the last transaction script
 * @param lastTransactionBytes    bytes of the last transaction script
 */
public record FirewallStats(long applies, long failures, long driftRepairs, Duration lastApplyDuration,
                            int lastTransactionElements, int lastTransactionLines, int lastTransactionBytes) {
}

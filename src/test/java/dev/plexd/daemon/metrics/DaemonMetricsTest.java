package dev.plexd.daemon.metrics;

import dev.plexd.policy.FirewallController;
import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.StateDiff;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DaemonMetricsTest {

    static String scrape(DaemonMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reconcileCyclesAreCountedByOutcomeAndTimed() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        metrics.recordCycle(new CycleResult(t, Duration.ofMillis(3), CycleResult.Outcome.APPLIED, StateDiff.EMPTY, List.of()));
        metrics.recordCycle(new CycleResult(t, Duration.ofMillis(2), CycleResult.Outcome.UNCHANGED, StateDiff.EMPTY, List.of()));
        metrics.recordCycle(new CycleResult(t.plusSeconds(60), Duration.ofMillis(40), CycleResult.Outcome.FETCH_FAILED,
                StateDiff.EMPTY, List.of(new IOException("down"))));
        metrics.recordCycle(new CycleResult(t.plusSeconds(120), Duration.ofSeconds(2), CycleResult.Outcome.HANDLER_FAILED,
                StateDiff.EMPTY, List.of(new IOException("nft"))));

        Map<String, Double> samples = PrometheusText.parse(scrape(metrics));
        assertThat(samples).containsEntry("plexd_reconcile_cycles_total{outcome=\"applied\"}", 1.0)
                .containsEntry("plexd_reconcile_cycles_total{outcome=\"unchanged\"}", 1.0)
                .containsEntry("plexd_reconcile_cycles_total{outcome=\"fetch_failed\"}", 1.0)
                .containsEntry("plexd_reconcile_cycles_total{outcome=\"handler_failed\"}", 1.0)
                .containsEntry("plexd_reconcile_failures_total{stage=\"fetch\"}", 1.0)
                .containsEntry("plexd_reconcile_failures_total{stage=\"handler\"}", 1.0)
                .containsEntry("plexd_reconcile_duration_seconds_count", 4.0)
                .containsEntry("plexd_reconcile_duration_seconds_bucket{le=\"0.005\"}", 2.0)
                .containsEntry("plexd_reconcile_duration_seconds_bucket{le=\"0.05\"}", 3.0)
                .containsEntry("plexd_reconcile_last_success_timestamp_seconds", t.getEpochSecond() + 0.002);
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("plexd_build_info{version="));
    }

    @Test
    void componentCountersAreReadAtScrapeTime() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        long[] allowed = {0};
        metrics.registerEventsReceived(() -> Map.of("policy_updated", 3L));
        metrics.registerEventsRejected(() -> Map.of("bad_signature", 1L, "replayed_nonce", 2L));
        metrics.registerPacketsAllowed(() -> allowed[0]);
        metrics.registerPacketsDropped(() -> Map.of("service_denied", 7L));
        metrics.registerBytes(() -> Map.of("rx", 1000L, "tx", 2000L));
        metrics.registerPeers(() -> Map.of("desired", 3, "allowed", 2, "configured", 2));
        metrics.registerReady(() -> true);
        metrics.registerServicePolicyErrors(() -> 1);

        allowed[0] = 41;
        Map<String, Double> samples = PrometheusText.parse(scrape(metrics));
        assertThat(samples).containsEntry("plexd_events_received_total{type=\"policy_updated\"}", 3.0)
                .containsEntry("plexd_events_rejected_total{reason=\"replayed_nonce\"}", 2.0)
                .containsEntry("plexd_packets_allowed_total", 41.0)
                .containsEntry("plexd_packets_dropped_total{reason=\"service_denied\"}", 7.0)
                .containsEntry("plexd_bytes_total{direction=\"tx\"}", 2000.0)
                .containsEntry("plexd_peers{state=\"configured\"}", 2.0)
                .containsEntry("plexd_ready", 1.0)
                .containsEntry("plexd_service_policy_errors", 1.0);
        allowed[0] = 42;
        assertThat(PrometheusText.parse(scrape(metrics))).containsEntry("plexd_packets_allowed_total", 42.0);
    }

    @Test
    void instrumentedFirewallTimesAppliesAndCountsRulesAndFailures() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        boolean[] reject = {false};
        FirewallController backend = new FirewallController() {
            @Override
            public void ensureChain(String chain) {
            }

            @Override
            public void applyRules(String chain, List<FirewallRule> rules) throws FirewallException {
                if (reject[0]) {
                    throw new FirewallException("nft: syntax error");
                }
            }

            @Override
            public void flushChain(String chain) {
            }

            @Override
            public void deleteChain(String chain) {
            }
        };
        InstrumentedFirewall firewall = new InstrumentedFirewall(backend, metrics);
        FirewallRule deny = new FirewallRule("plexd0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny");
        firewall.applyRules("plexd-mesh", List.of(deny, deny));
        reject[0] = true;
        assertThatThrownBy(() -> firewall.applyRules("plexd-mesh", List.of(deny))).isInstanceOf(FirewallException.class);
        assertThat(firewall.appliedRules()).isEqualTo(2); // the failed apply changed nothing
        Map<String, Double> samples = PrometheusText.parse(scrape(metrics));
        assertThat(samples).containsEntry("plexd_firewall_apply_duration_seconds_count", 2.0)
                .containsEntry("plexd_firewall_apply_failures_total", 1.0)
                .containsEntry("plexd_firewall_rules", 2.0);
        firewall.flushChain("plexd-mesh");
        assertThat(PrometheusText.parse(scrape(metrics))).containsEntry("plexd_firewall_rules", 0.0);
    }

    @Test
    void checkerRejectsInvalidText() {
        assertThatThrownBy(() -> PrometheusText.parse("x_total 1\n")).hasMessageContaining("undeclared family");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx{a=\"b} 1\n")).hasMessageContaining("bad labels");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx one\n")).hasMessageContaining("not a number");
        assertThat(PrometheusText.parse("# HELP x a gauge\n# TYPE x gauge\nx{a=\"q\\\"uote\"} 1.5\n"))
                .containsEntry("x{a=\"q\\\"uote\"}", 1.5);
    }
}

package dev.plexd.daemon.metrics;

import dev.plexd.Version;
import dev.plexd.reconcile.CycleResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The daemon's Prometheus metrics. What the daemon itself measures (reconcile cycles, firewall
 * applies) is recorded here; what other components count (events, packets, bytes) is read from
 * them at scrape time through the {@code register…} callbacks, so their hot paths keep their own
 * plain counters and never touch this registry.
 */
public final class DaemonMetrics {

    /** Reconcile and firewall latencies: a cycle is milliseconds normally, seconds when a tool is slow. */
    private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Counter reconcileCycles;
    private final Counter reconcileFailures;
    private final Histogram reconcileDuration;
    private final Gauge reconcileLastSuccess;
    private final Histogram firewallApplyDuration;
    private final Counter firewallApplyFailures;

    public DaemonMetrics() {
        GaugeWithCallback.builder().name("plexd_build_info").help("plexd version; always 1")
                .labelNames("version").callback(cb -> cb.call(1, Version.get())).register(registry);
        reconcileCycles = Counter.builder().name("plexd_reconcile_cycles_total")
                .help("Reconcile cycles by outcome (applied, unchanged, handler_failed, fetch_failed)")
                .labelNames("outcome").register(registry);
        reconcileFailures = Counter.builder().name("plexd_reconcile_failures_total")
                .help("Reconcile cycles that failed, by stage (fetch, handler)").labelNames("stage").register(registry);
        reconcileDuration = Histogram.builder().name("plexd_reconcile_duration_seconds")
                .help("Duration of reconcile cycles").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        reconcileLastSuccess = Gauge.builder().name("plexd_reconcile_last_success_timestamp_seconds")
                .help("Unix time of the last successful reconcile cycle").register(registry);
        firewallApplyDuration = Histogram.builder().name("plexd_firewall_apply_duration_seconds")
                .help("Duration of firewall rule applies (one transaction each)")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        firewallApplyFailures = Counter.builder().name("plexd_firewall_apply_failures_total")
                .help("Firewall rule applies the backend rejected").register(registry);
    }

    /** A {@link dev.plexd.reconcile.Reconciler} listener recording every cycle. */
    public Consumer<CycleResult> reconcileListener() {
        return this::recordCycle;
    }

    public void recordCycle(CycleResult result) {
        reconcileCycles.labelValues(result.outcome().name().toLowerCase(Locale.ROOT)).inc();
        reconcileDuration.observe(result.duration().toNanos() / 1e9);
        switch (result.outcome()) {
            case FETCH_FAILED -> reconcileFailures.labelValues("fetch").inc();
            case HANDLER_FAILED -> reconcileFailures.labelValues("handler").inc();
            case APPLIED, UNCHANGED -> reconcileLastSuccess.set(
                    (result.startedAt().toEpochMilli() + result.duration().toMillis()) / 1000.0);
        }
    }

    void recordFirewallApply(long nanos, boolean ok) {
        firewallApplyDuration.observe(nanos / 1e9);
        if (!ok) {
            firewallApplyFailures.inc();
        }
    }

    // ---- callbacks for other components -------------------------------------------------------

    /** Peers by state: {@code desired} (in the state), {@code allowed} (by policy), {@code configured} (in WireGuard). */
    public void registerPeers(Supplier<Map<String, ? extends Number>> byState) {
        labeledGauge("plexd_peers", "Peers by state (desired, allowed, configured)", "state", byState);
    }

    public void registerFirewallRules(DoubleSupplier rules) {
        GaugeWithCallback.builder().name("plexd_firewall_rules").help("Firewall rules currently applied")
                .callback(cb -> cb.call(rules.getAsDouble())).register(registry);
    }

    /** 1 once the node has enforced a desired state (what {@code /readyz} answers). */
    public void registerReady(Supplier<Boolean> ready) {
        GaugeWithCallback.builder().name("plexd_ready").help("1 once the node enforces a desired state")
                .callback(cb -> cb.call(ready.get() ? 1 : 0)).register(registry);
    }

    public void registerServicePolicyErrors(DoubleSupplier errors) {
        GaugeWithCallback.builder().name("plexd_service_policy_errors")
                .help("Service policy files that failed to load (the last good policy stays in force)")
                .callback(cb -> cb.call(errors.getAsDouble())).register(registry);
    }

    /** The service filter snapshot in force: advances on every reload (files, SIGHUP, API) and slot change. */
    public void registerServicePolicyGeneration(DoubleSupplier generation) {
        GaugeWithCallback.builder().name("plexd_service_policy_generation")
                .help("Service filter snapshot in force (advances on every reload and peer slot change)")
                .callback(cb -> cb.call(generation.getAsDouble())).register(registry);
    }

    /** Firewall drift checks that found rules changed outside plexd and restored them. */
    public void registerFirewallDriftRepairs(DoubleSupplier repairs) {
        CounterWithCallback.builder().name("plexd_firewall_drift_repairs_total")
                .help("Firewall drift checks that found plexd's rules changed from outside and restored them")
                .callback(cb -> cb.call(repairs.getAsDouble())).register(registry);
    }

    /** Verified events handed to handlers, by event type. */
    public void registerEventsReceived(Supplier<Map<String, ? extends Number>> byType) {
        labeledCounter("plexd_events_received_total", "Verified control-plane events received, by type", "type", byType);
    }

    /** Events rejected before any handler, by reason (signature, stale, replay, malformed, …). */
    public void registerEventsRejected(Supplier<Map<String, ? extends Number>> byReason) {
        labeledCounter("plexd_events_rejected_total", "Control-plane events rejected, by reason", "reason", byReason);
    }

    /** Inbound packets the service filter let through. */
    public void registerPacketsAllowed(DoubleSupplier allowed) {
        CounterWithCallback.builder().name("plexd_packets_allowed_total")
                .help("Inbound mesh packets allowed by the service filter")
                .callback(cb -> cb.call(allowed.getAsDouble())).register(registry);
    }

    /** Inbound packets dropped, by reason (service_denied, bad_packet, allowed_ips, …). */
    public void registerPacketsDropped(Supplier<Map<String, ? extends Number>> byReason) {
        labeledCounter("plexd_packets_dropped_total", "Inbound mesh packets dropped, by reason", "reason", byReason);
    }

    /** Packets plexd's userspace data plane dropped, by reason (malformed, replay, allowed_ips, filter, …). */
    public void registerTunnelDrops(Supplier<Map<String, ? extends Number>> byReason) {
        labeledCounter("plexd_tunnel_dropped_total", "Packets the userspace data plane dropped, by reason", "reason", byReason);
    }

    /** Data plane bytes by direction ({@code rx}, {@code tx}). */
    public void registerBytes(Supplier<Map<String, ? extends Number>> byDirection) {
        labeledCounter("plexd_bytes_total", "Bytes through the mesh interface, by direction (rx, tx)", "direction", byDirection);
    }

    private void labeledCounter(String name, String help, String label, Supplier<Map<String, ? extends Number>> values) {
        CounterWithCallback.builder().name(name).help(help).labelNames(label)
                .callback(cb -> values.get().forEach((value, count) -> cb.call(count.doubleValue(), value)))
                .register(registry);
    }

    private void labeledGauge(String name, String help, String label, Supplier<Map<String, ? extends Number>> values) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(label)
                .callback(cb -> values.get().forEach((value, count) -> cb.call(count.doubleValue(), value)))
                .register(registry);
    }

    // ---- exposition ---------------------------------------------------------------------------

    public String contentType() {
        return writer.getContentType();
    }

    /** Writes every metric in the Prometheus text format. */
    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}

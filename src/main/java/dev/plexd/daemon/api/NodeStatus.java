package dev.plexd.daemon.api;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/status}.
 *
 * @param mode {@code local} or {@code control_plane}
 */
public record NodeStatus(String version, Instant startedAt, Identity node, String mode, ControlPlane controlPlane,
                         boolean ready, Reconcile lastReconcile, Counts counts, Enforcement enforcement,
                         Services services, String logLevel) {

    /** @param publicKey this node's WireGuard public key (base64) */
    public record Identity(String id, String meshIp, String hostname, String publicKey, String interfaceName) {
    }

    /**
     * @param state {@code local} (no control plane), or the client's connection state such as
     *              {@code connected}, {@code reconnecting}, {@code polling}
     */
    public record ControlPlane(String url, String state) {
    }

    /**
     * The most recent cycle; null fields before the first one.
     *
     * @param error         the first failure's message when the cycle failed
     * @param lastSuccessAt end of the last successful cycle (or of the restored state's enforcement)
     */
    public record Reconcile(Instant at, String outcome, long durationMs, String error, Instant lastSuccessAt) {
    }

    /**
     * @param peersDesired    peers in the desired state
     * @param peersAllowed    peers policy allows this node to see
     * @param peersConfigured peers configured in WireGuard
     */
    public record Counts(int peersDesired, int peersAllowed, int peersConfigured, int policies, int firewallRules) {
    }

    public record Enforcement(boolean policyEnabled, String firewallBackend, String chain, String wireguardMode) {
    }

    /** @param errors service policy files that failed to load ({@code file:line: message}) */
    public record Services(boolean enabled, List<String> errors) {
    }
}

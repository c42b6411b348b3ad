package dev.plexd.daemon.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

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

    /**
     * Service access control ({@code services/} policies). While it is disabled (or not started
     * yet) the other fields are empty (null, zero, empty lists).
     *
     * @param ok            whether the last reload (files, peer directory, kernel rules) succeeded;
     *                      when false the last good policy is still in force
     * @param mode          {@code userspace} (filter at the decrypt → TUN boundary) or {@code kernel} (nftables)
     * @param configured    whether {@code services/} exists (without it everything is allowed)
     * @param defaultAction of the policy in force: {@code allow} or {@code deny}
     * @param rules         rules in force, across all files
     * @param generation    the filter snapshot in force; increments on every reload and slot change
     * @param lastAttempt   when a reload was last attempted, null before the first
     * @param lastSuccess   when a reload last succeeded, null if none has
     * @param errors        the last attempt's problems, one {@code file:line: message (token)} each
     * @param warnings      problems that did not stop the reload
     * @param peers         the userspace filter's counts for each bound peer (empty in kernel mode)
     */
    public record Services(boolean enabled, boolean ok, String mode, String configDir, boolean configured,
                           String defaultAction, int rules, int peerFiles, int orgFiles, long generation,
                           Instant lastAttempt, Instant lastSuccess, List<String> errors, List<String> warnings,
                           List<ServicePeer> peers) {

        /** Disabled, or enabled but not started yet ({@code ok} false: no policy loaded so far). */
        public static Services notRunning(boolean enabled) {
            return new Services(enabled, !enabled, null, null, false, null, 0, 0, 0, 0, null, null, List.of(),
                    List.of(), List.of());
        }
    }

    /**
     * One bound peer's packet counts in the userspace service filter, since the peer was bound.
     *
     * @param peer           node ID when the control plane describes the peer, else its public key
     * @param allowed        packets the rules allowed
     * @param allowedAsReply UDP packets the rules deny that passed as replies to flows this node started
     * @param dropped        per reason ({@code policy}, {@code unclassified}, {@code fragment},
     *                       {@code malformed}, {@code unknown_peer}, {@code error}), every reason present
     */
    public record ServicePeer(String peer, String publicKey, int slot, long allowed, long allowedAsReply,
                              Map<String, Long> dropped) {
    }
}

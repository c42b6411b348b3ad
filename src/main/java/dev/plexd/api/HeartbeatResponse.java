package dev.plexd.api;

/**
 * The answer to a heartbeat.
 *
 * @param reconcile  the control plane wants the node to reconcile now
 * @param rotateKeys the control plane wants the node to rotate its WireGuard keys
 */
public record HeartbeatResponse(boolean reconcile, boolean rotateKeys) {
}

package dev.plexd.api;

import java.util.Set;

/** The {@code event_type} values of signed envelopes. Events are routed by these, not by the SSE {@code event:} line. */
public final class EventTypes {

    public static final String PEER_ADDED = "peer_added";
    public static final String PEER_REMOVED = "peer_removed";
    public static final String PEER_KEY_ROTATED = "peer_key_rotated";
    public static final String PEER_ENDPOINT_CHANGED = "peer_endpoint_changed";
    public static final String POLICY_UPDATED = "policy_updated";
    public static final String ROTATE_KEYS = "rotate_keys";
    public static final String SIGNING_KEY_ROTATED = "signing_key_rotated";
    public static final String NODE_STATE_UPDATED = "node_state_updated";

    /** Peer events only ever trigger a reconcile; WireGuard is changed only after policy filtering. */
    public static final Set<String> PEER_EVENTS =
            Set.of(PEER_ADDED, PEER_REMOVED, PEER_KEY_ROTATED, PEER_ENDPOINT_CHANGED);

    private EventTypes() {
    }
}

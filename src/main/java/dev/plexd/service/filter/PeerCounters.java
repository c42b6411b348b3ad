package dev.plexd.service.filter;

import java.util.Map;

/**
 * One bound peer's packet counts, for the daemon's metrics.
 *
 * @param slot      the data plane's slot
 * @param publicKey the key the slot is bound to
 * @param peer      node ID when the control plane describes the peer, else the key
 * @param allowed        packets the policy allows
 * @param allowedAsReply UDP packets the policy denies that passed as replies to flows this node started
 * @param dropped   per reason, every reason present
 */
public record PeerCounters(int slot, String publicKey, String peer, long allowed, long allowedAsReply, Map<DropReason, Long> dropped) {

    public PeerCounters {
        dropped = Map.copyOf(dropped);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }
}

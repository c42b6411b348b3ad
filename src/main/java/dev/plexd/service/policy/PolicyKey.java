package dev.plexd.service.policy;

import java.util.List;

/**
 * What makes two peers' effective policies the same: the peer files and the org policy files that
 * apply to them, in evaluation order (the global file and the default are common to all).
 * Peers with equal keys share one compiled policy.
 */
public record PolicyKey(List<String> peerFiles, List<String> orgs) {

    public PolicyKey {
        peerFiles = List.copyOf(peerFiles);
        orgs = List.copyOf(orgs);
    }
}

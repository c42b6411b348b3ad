package dev.plexd.service;

import dev.plexd.service.policy.Limits;
import dev.plexd.service.policy.PolicyException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerDirectoryTest {

    private static List<MeshPeer> peers(int count) {
        List<MeshPeer> peers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[32];
            key[0] = (byte) i;
            key[1] = (byte) (i >>> 8);
            key[2] = (byte) (i >>> 16);
            peers.add(new MeshPeer("node-" + i, Base64.getEncoder().encodeToString(key), null, List.of()));
        }
        return peers;
    }

    @Test
    void peersUpToTheLimitAreAllKeptOneMoreIsAnError() throws Exception {
        List<MeshPeer> atLimit = peers(Limits.MAX_PEERS);
        PeerDirectory directory = PeerDirectory.of(atLimit);
        assertThat(directory.peers()).hasSize(Limits.MAX_PEERS);
        assertThat(directory.warnings()).isEmpty();
        MeshPeer last = atLimit.getLast();
        assertThat(directory.identify(last.publicKey()).nodeId()).isEqualTo(last.nodeId());

        assertThatThrownBy(() -> PeerDirectory.of(peers(Limits.MAX_PEERS + 1)))
                .isInstanceOf(PolicyException.class)
                .hasMessage("peer directory: too many peers, at most 65536 (65537)");
    }
}

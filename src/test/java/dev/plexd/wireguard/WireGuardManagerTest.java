package dev.plexd.wireguard;

import dev.plexd.api.Peer;
import dev.plexd.testing.InMemoryWireGuard;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static dev.plexd.testing.Fixtures.keyFor;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireGuardManagerTest {

    private final InMemoryWireGuard wg = new InMemoryWireGuard();
    private final WireGuardManager manager = new WireGuardManager(wg, "plexd0");

    @Test
    void addPeerConfiguresTheInterfaceAndIndexesById() throws Exception {
        Peer a = peer("a", 2);
        manager.addPeer(a);
        assertThat(wg.peerKeys("plexd0")).containsExactly(a.publicKey());
        assertThat(manager.peerIndex()).containsEntry("a", a.publicKey());
    }

    @Test
    void removePeerByIdRemovesItsKey() throws Exception {
        Peer a = peer("a", 2);
        manager.addPeer(a);
        manager.removePeerById("a");
        assertThat(wg.peerKeys("plexd0")).isEmpty();
        assertThat(manager.peerIndex()).isEmpty();
    }

    @Test
    void removingAnUnknownIdIsAnError() {
        assertThatThrownBy(() -> manager.removePeerById("ghost"))
                .isInstanceOf(IOException.class)
                .hasMessage("wireguard: plexd0: remove peer: unknown peer id \"ghost\"");
    }

    @Test
    void updateWithARotatedKeyReplacesTheOldKey() throws Exception {
        Peer a = peer("a", 2);
        manager.addPeer(a);
        Peer rotated = new Peer("a", keyFor("a2"), a.meshIp(), a.endpoint(), a.allowedIps(), "");
        manager.updatePeer(rotated);
        assertThat(wg.peerKeys("plexd0")).containsExactly(rotated.publicKey());
        assertThat(manager.peerIndex()).containsEntry("a", rotated.publicKey());
    }

    @Test
    void failedAddAfterKeyRotationLeavesThePeerAbsentNotHalfConfigured() throws Exception {
        Peer a = peer("a", 2);
        manager.addPeer(a);
        Peer rotated = new Peer("a", keyFor("a2"), a.meshIp(), a.endpoint(), a.allowedIps(), "");
        wg.failFor(rotated.publicKey());
        assertThatThrownBy(() -> manager.updatePeer(rotated)).isInstanceOf(IOException.class);
        assertThat(wg.peerKeys("plexd0")).isEmpty();
        assertThat(manager.peerIndex()).isEmpty();

        wg.heal(rotated.publicKey());
        manager.updatePeer(rotated);
        assertThat(wg.peerKeys("plexd0")).containsExactly(rotated.publicKey());
    }

    @Test
    void invalidPeerIsAnIoErrorNamingTheInterfaceAndPeerAndChangesNothing() {
        Peer bad = new Peer("x", "short", "10.100.0.9", "", List.of(), "");
        assertThatThrownBy(() -> manager.addPeer(bad))
                .isInstanceOf(IOException.class)
                .hasMessage("wireguard: plexd0: peer x public_key: not valid base64");
        assertThat(wg.operations()).isEmpty();
    }

    @Test
    void controllerFailureLeavesTheIndexUnchanged() {
        Peer a = peer("a", 2);
        wg.failFor(a.publicKey());
        assertThatThrownBy(() -> manager.addPeer(a)).isInstanceOf(IOException.class);
        assertThat(manager.peerIndex()).isEmpty();
    }
}

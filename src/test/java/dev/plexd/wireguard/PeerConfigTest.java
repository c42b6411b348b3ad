package dev.plexd.wireguard;

import dev.plexd.api.Peer;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;

import static dev.plexd.testing.Fixtures.keyFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerConfigTest {

    private static Peer peer(String key, String psk, List<String> allowed) {
        return new Peer("node-1", key, "10.100.0.2", "192.0.2.2:51820", allowed, psk);
    }

    @Test
    void convertsAValidPeer() {
        PeerConfig config = PeerConfig.fromApi(peer(keyFor("a"), keyFor("psk"), List.of("10.100.0.2/32", "fd00:64::2/128")));
        assertThat(config.publicKeyBase64()).isEqualTo(keyFor("a"));
        assertThat(config.presharedKey()).isEqualTo(Base64.getDecoder().decode(keyFor("psk")));
        assertThat(config.allowedIps()).containsExactly("10.100.0.2/32", "fd00:64::2/128");
        assertThat(config.endpoint()).isEqualTo("192.0.2.2:51820");
        assertThat(config.persistentKeepalive()).isEqualTo(PeerConfig.DEFAULT_PERSISTENT_KEEPALIVE);
    }

    @Test
    void emptyPskMeansNone() {
        assertThat(PeerConfig.fromApi(peer(keyFor("a"), "", List.of())).presharedKey()).isNull();
        assertThat(PeerConfig.fromApi(peer(keyFor("a"), null, List.of())).presharedKey()).isNull();
    }

    @Test
    void noAllowedIpsRoutesOnlyTheMeshAddress() {
        assertThat(PeerConfig.fromApi(peer(keyFor("a"), "", List.of())).allowedIps()).containsExactly("10.100.0.2/32");
    }

    @Test
    void publicKeyThatIsNotBase64IsRejectedNamingThePeer() {
        assertThatThrownBy(() -> PeerConfig.fromApi(peer("not base64!", "", List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peer node-1 public_key: not valid base64");
    }

    @Test
    void publicKeyOfTheWrongLengthIsRejected() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> PeerConfig.fromApi(peer(short16, "", List.of())))
                .hasMessage("peer node-1 public_key: must be 32 bytes, got 16");
        assertThatThrownBy(() -> PeerConfig.fromApi(peer("", "", List.of())))
                .hasMessage("peer node-1 public_key: missing");
    }

    @Test
    void badPskIsRejected() {
        assertThatThrownBy(() -> PeerConfig.fromApi(peer(keyFor("a"), Base64.getEncoder().encodeToString(new byte[31]), List.of())))
                .hasMessage("peer node-1 psk: must be 32 bytes, got 31");
    }

    @Test
    void badAddressesAreRejectedWithoutResolvingNames() {
        assertThatThrownBy(() -> PeerConfig.fromApi(peer(keyFor("a"), "", List.of("example.com/32"))))
                .hasMessageContaining("peer node-1 allowed_ips: not an IP address: \"example.com\"");
        assertThatThrownBy(() -> PeerConfig.fromApi(peer(keyFor("a"), "", List.of("10.0.0.0/33"))))
                .hasMessageContaining("prefix length out of range");
        assertThatThrownBy(() -> PeerConfig.fromApi(peer(keyFor("a"), "", List.of("10.0.0.256/32"))))
                .hasMessageContaining("not an IP address");
    }

    @Test
    void badEndpointIsRejected() {
        Peer p = new Peer("node-1", keyFor("a"), "10.100.0.2", "192.0.2.2", List.of(), "");
        assertThatThrownBy(() -> PeerConfig.fromApi(p)).hasMessageContaining("peer node-1 endpoint: expected host:port");
        Peer q = new Peer("node-1", keyFor("a"), "10.100.0.2", "192.0.2.2:70000", List.of(), "");
        assertThatThrownBy(() -> PeerConfig.fromApi(q)).hasMessageContaining("port out of range");
    }

    @Test
    void equalityComparesKeyContentAndToStringHidesThePsk() {
        PeerConfig one = PeerConfig.fromApi(peer(keyFor("a"), keyFor("psk"), List.of()));
        PeerConfig two = PeerConfig.fromApi(peer(keyFor("a"), keyFor("psk"), List.of()));
        assertThat(one).isEqualTo(two).hasSameHashCodeAs(two);
        assertThat(one.toString()).doesNotContain(keyFor("psk")).contains("<redacted>");
    }
}

package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressTest {

    @Test
    void wildcardIsAnyAddressOfEitherFamily() {
        Address any = Address.parse(FirewallRule.ANY);
        assertThat(any).isInstanceOf(Address.Any.class);
        assertThat(any.family()).isEqualTo(Address.Family.ANY);
        assertThat(any.overlaps(Address.parse("fd00::1"))).isTrue();
        assertThat(any.overlaps(Address.parse("10.0.0.1"))).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "10.100.0.7, 10.100.0.7",
            "10.100.0.7/32, 10.100.0.7",
            "fd00:0:0:0:0:0:0:7, fd00::7",
            "FD00::7/128, fd00::7",
    })
    void fullLengthIsAHost(String text, String canonical) {
        assertThat(Address.parse(text)).isInstanceOf(Address.Host.class).hasToString(canonical);
    }

    @ParameterizedTest
    @CsvSource({
            "10.100.3.7/16, 10.100.0.0/16",
            "::/0, ::/0",
            "fd00::1:2/112, fd00::1:0/112",
            "0.0.0.0/1, 0.0.0.0/1",
    })
    void shorterPrefixesAreNetworksWithHostBitsCleared(String text, String canonical) {
        assertThat(Address.parse(text)).isInstanceOf(Address.Prefix.class).hasToString(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1", "10.0.0.256", "10.0.0.1/33", "fd00::1/129", "10.0.0.1/", "10.0.0.1/-1",
            "fe80::1%eth0", "host.example", " 10.0.0.1", "10.0.0.1 ", "1.2.3.4.5", "10.0.0.1/8/8", "fd00::/1a"})
    void rejectsAnythingButAnIpLiteral(String text) {
        assertThatThrownBy(() -> Address.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.strip().isEmpty() ? "" : "\"");
    }

    @Test
    void overlapFollowsContainmentAndFamily() {
        Address host = Address.parse("10.100.0.7");
        Address net = Address.parse("10.100.0.0/16");
        Address other = Address.parse("10.101.0.0/16");
        Address wide = Address.parse("10.0.0.0/8");
        assertThat(host.overlaps(net)).isTrue();
        assertThat(net.overlaps(host)).isTrue();
        assertThat(host.overlaps(other)).isFalse();
        assertThat(net.overlaps(wide)).isTrue();
        assertThat(wide.overlaps(net)).isTrue();
        assertThat(net.overlaps(other)).isFalse();
        assertThat(Address.parse("::/0").overlaps(host)).isFalse();
        assertThat(Address.parse("::/0").overlaps(Address.parse("fd00::1"))).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "::, ::",
            "::1, ::1",
            "fd00:0:0:1:0:0:0:1, fd00:0:0:1::1",
            "fd00:0:0:1:1:0:0:1, fd00::1:1:0:0:1",
            "1:0:2:0:3:0:4:0, 1:0:2:0:3:0:4:0",
            "fd00:1:2:3:4:5:6:0, fd00:1:2:3:4:5:6:0",
            "0:0:1:0:0:0:1:0, 0:0:1::1:0",
    })
    void formatsIpv6AsNftDoes(String text, String expected) {
        assertThat(Address.format(InetAddress.ofLiteral(text))).isEqualTo(expected);
    }
}

package dev.plexd.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FirewallRuleTest {

    private static FirewallRule rule(int port, String protocol, String action) {
        return new FirewallRule("plexd0", "10.100.0.1", "10.100.0.2", port, protocol, action);
    }

    @ParameterizedTest
    @CsvSource({"0,,allow", "0,,deny", "22,tcp,allow", "53,udp,deny", "65535,tcp,allow", "0,tcp,allow"})
    void validRulesPass(int port, String protocol, String action) {
        assertThatCode(() -> rule(port, protocol, action).validate()).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource({"accept", "ALLOW", "drop", "''"})
    void invalidActionIsRejected(String action) {
        assertThatThrownBy(() -> rule(0, "", action).validate())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("policy: firewall rule: invalid action \"" + action + "\"");
    }

    @Test
    void nullActionIsRejected() {
        assertThatThrownBy(() -> rule(0, "", null).validate())
                .hasMessage("policy: firewall rule: invalid action \"null\"");
    }

    @ParameterizedTest
    @CsvSource({"-1", "65536"})
    void portOutOfRangeIsRejected(int port) {
        assertThatThrownBy(() -> rule(port, "tcp", "allow").validate())
                .hasMessage("policy: firewall rule: invalid port " + port);
    }

    @ParameterizedTest
    @CsvSource({"icmp", "TCP", "sctp"})
    void invalidProtocolIsRejected(String protocol) {
        assertThatThrownBy(() -> rule(0, protocol, "allow").validate())
                .hasMessage("policy: firewall rule: invalid protocol \"" + protocol + "\"");
    }

    @Test
    void portWithoutProtocolIsRejected() {
        assertThatThrownBy(() -> rule(80, "", "allow").validate())
                .hasMessage("policy: firewall rule: port 80 requires a protocol");
    }
}

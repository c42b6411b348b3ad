package dev.plexd.service.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleParserTest {

    private static Rule parse(String line) throws RuleSyntaxException {
        return RuleParser.parse(line);
    }

    @Test
    void everyLineShapeOfTheGrammar() throws Exception {
        assertThat(parse("allow tcp 22")).isEqualTo(new Rule(Action.ALLOW, Protocol.TCP, 22, 22));
        assertThat(parse("deny udp 53")).isEqualTo(new Rule(Action.DENY, Protocol.UDP, 53, 53));
        assertThat(parse("allow tcp 8080-8089")).isEqualTo(new Rule(Action.ALLOW, Protocol.TCP, 8080, 8089));
        assertThat(parse("deny all")).isEqualTo(new Rule(Action.DENY, Protocol.ALL, 0, 65535));
        assertThat(parse("allow all 443")).isEqualTo(new Rule(Action.ALLOW, Protocol.ALL, 443, 443));
        assertThat(parse("allow udp all")).isEqualTo(new Rule(Action.ALLOW, Protocol.UDP, 0, 65535));
        assertThat(parse("deny all all")).isEqualTo(new Rule(Action.DENY, Protocol.ALL, 0, 65535));
        assertThat(parse("allow all 1000-2000")).isEqualTo(new Rule(Action.ALLOW, Protocol.ALL, 1000, 2000));
    }

    @Test
    void blanksAroundAndBetweenWordsAndCarriageReturns() throws Exception {
        assertThat(parse("  allow\ttcp   22  \r")).isEqualTo(new Rule(Action.ALLOW, Protocol.TCP, 22, 22));
    }

    @Test
    void commentsAndBlankLinesCarryNoRule() {
        assertThat(RuleParser.isBlankOrComment("")).isTrue();
        assertThat(RuleParser.isBlankOrComment("   \t ")).isTrue();
        assertThat(RuleParser.isBlankOrComment("# allow tcp 22")).isTrue();
        assertThat(RuleParser.isBlankOrComment("   # indented comment")).isTrue();
        assertThat(RuleParser.isBlankOrComment("allow tcp 22")).isFalse();
    }

    @Test
    void portBoundaries() throws Exception {
        assertThat(parse("allow tcp 0").fromPort()).isZero();
        assertThat(parse("allow tcp 1").fromPort()).isEqualTo(1);
        assertThat(parse("allow tcp 65535").toPort()).isEqualTo(65535);
        assertThat(parse("allow tcp 0-65535").allPorts()).isTrue();
        assertThat(parse("allow tcp 8080-8080")).isEqualTo(new Rule(Action.ALLOW, Protocol.TCP, 8080, 8080));
        assertThat(parse("allow tcp 00022").fromPort()).isEqualTo(22);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "alow tcp 22         | unknown action, expected allow or deny | alow",
            "Allow tcp 22        | unknown action, expected allow or deny | Allow",
            "ALLOW tcp 22        | unknown action, expected allow or deny | ALLOW",
            "allow TCP 22        | unknown protocol, expected tcp, udp or all | TCP",
            "allow icmp 0        | unknown protocol, expected tcp, udp or all | icmp",
            "allow               | missing protocol after the action | allow",
            "deny tcp            | missing port after the protocol | tcp",
            "deny udp            | missing port after the protocol | udp",
            "allow tcp 65536     | port out of range, expected 0-65535 | 65536",
            "allow tcp 999999999 | port out of range, expected 0-65535 | 999999999",
            "allow tcp 1-65536   | port out of range, expected 0-65535 | 1-65536",
            "allow tcp 8080-8079 | invalid port range, start is greater than end | 8080-8079",
            "allow tcp -1        | invalid port, expected a number 0-65535, a range min-max or all | -1",
            "allow tcp 80-       | invalid port, expected a number 0-65535, a range min-max or all | 80-",
            "allow tcp 1-2-3     | invalid port, expected a number 0-65535, a range min-max or all | 1-2-3",
            "allow tcp ssh       | invalid port, expected a number 0-65535, a range min-max or all | ssh",
            "allow tcp ALL       | invalid port, expected a number 0-65535, a range min-max or all | ALL",
            "allow tcp +22       | invalid port, expected a number 0-65535, a range min-max or all | +22",
            "allow tcp 22 extra  | unexpected text after the port | extra",
            "allow tcp 22 # ssh  | unexpected text after the port | #",
            "deny all all x      | unexpected text after the port | x",
    })
    void errorsNameWhatIsWrongAndTheToken(String line, String message, String token) {
        assertThatThrownBy(() -> parse(line))
                .isInstanceOfSatisfying(RuleSyntaxException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.token()).isEqualTo(token);
                    assertThat(e.at("services/global.policy", 7).toString())
                            .isEqualTo("services/global.policy:7: " + message + " (" + token + ")");
                });
    }

    @Test
    void wordsFromTheCommandLineParseTheSameWay() throws Exception {
        assertThat(RuleParser.parse(List.of("deny", "all"))).isEqualTo(parse("deny all"));
        assertThatThrownBy(() -> RuleParser.parse(List.of("allow", "tcp")))
                .hasMessage("missing port after the protocol");
    }

    @Test
    void canonicalTextRoundTrips() throws Exception {
        for (String line : List.of("allow tcp 22", "deny udp 8000-9000", "allow tcp all", "deny all", "allow all 443")) {
            assertThat(parse(line)).hasToString(line);
            assertThat(parse(parse(line).toString())).isEqualTo(parse(line));
        }
        assertThat(parse("deny all all")).hasToString("deny all");
        assertThat(parse("allow tcp 0-65535")).hasToString("allow tcp all");
    }

    @Test
    void shadowing() throws Exception {
        assertThat(parse("deny all").shadows(parse("allow tcp 22"))).isTrue();
        assertThat(parse("allow tcp 1-100").shadows(parse("deny tcp 22"))).isTrue();
        assertThat(parse("allow tcp 22").shadows(parse("deny all 22"))).isFalse();
        assertThat(parse("allow tcp 22").shadows(parse("deny udp 22"))).isFalse();
    }
}

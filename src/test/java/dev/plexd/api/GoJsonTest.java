package dev.plexd.api;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Go's encoding rules beyond the signed vectors; expected strings are what Go 1.22+ prints. */
class GoJsonTest {

    private static String string(String value) {
        StringBuilder out = new StringBuilder();
        GoJson.appendString(out, value);
        return out.toString();
    }

    private static String compact(String json) {
        StringBuilder out = new StringBuilder();
        GoJson.appendCompact(out, json);
        return out.toString();
    }

    private static String time(Instant instant) {
        StringBuilder out = new StringBuilder();
        GoJson.appendTime(out, instant);
        return out.toString();
    }

    @Test
    void stringsEscapeLikeGo() {
        assertThat(string("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(string("\b\f\n\r\t")).isEqualTo("\"\\b\\f\\n\\r\\t\"");
        assertThat(string("\u0000\u001f\u000b")).isEqualTo("\"\\u0000\\u001f\\u000b\"");
        assertThat(string("<>&")).isEqualTo("\"\\u003c\\u003e\\u0026\"");
        assertThat(string("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
        assertThat(string("\u007f/é😀")).isEqualTo("\"\u007f/é😀\"");
        assertThat(string(null)).isEqualTo("\"\"");
    }

    @Test
    void unpairedSurrogatesBecomeTheReplacementCharacterEscape() {
        assertThat(string("a\uD800b")).isEqualTo("\"a\\ufffdb\"");
        assertThat(string("\uDC00")).isEqualTo("\"\\ufffd\"");
        assertThat(string("\uD83D")).isEqualTo("\"\\ufffd\"");
    }

    @Test
    void compactDropsWhitespaceOutsideStringsOnly() {
        assertThat(compact(" { \"a b\" : [ 1 ,\n\t2 ] ,\r\n \"c\":\"x\\\" <y>\" } ")).isEqualTo("{\"a b\":[1,2],\"c\":\"x\\\" \\u003cy\\u003e\"}");
        assertThat(compact("\"\\\\\" ")).isEqualTo("\"\\\\\"");
        assertThat(compact("1.0")).isEqualTo("1.0");
        assertThat(compact("\"a\u2028\"")).isEqualTo("\"a\\u2028\"");
    }

    @Test
    void timesUseRfc3339NanoInUtc() {
        assertThat(time(Instant.parse("2025-01-15T10:30:00Z"))).isEqualTo("\"2025-01-15T10:30:00Z\"");
        assertThat(time(Instant.parse("2025-01-15T10:30:00.500Z"))).isEqualTo("\"2025-01-15T10:30:00.5Z\"");
        assertThat(time(Instant.parse("2025-01-15T10:30:00.000000010Z"))).isEqualTo("\"2025-01-15T10:30:00.00000001Z\"");
        assertThat(time(Instant.parse("0001-01-01T00:00:00Z"))).isEqualTo("\"0001-01-01T00:00:00Z\"");
        assertThat(time(null)).isEqualTo("\"0001-01-01T00:00:00Z\"");
        assertThatThrownBy(() -> time(Instant.parse("+10000-01-01T00:00:00Z"))).isInstanceOf(IllegalArgumentException.class);
    }
}

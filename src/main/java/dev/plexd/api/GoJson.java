package dev.plexd.api;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The few pieces of Go's {@code encoding/json} output that signed bytes depend on, reproduced
 * exactly: {@code json.Marshal} of a string (HTML-safe escaping), {@code json.Compact} with HTML
 * escaping (what marshalling a {@code json.RawMessage} does), and {@code time.Time} as RFC 3339
 * with nanoseconds in UTC.
 */
final class GoJson {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Go's zero {@code time.Time}, which is what an absent timestamp marshals to. */
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private GoJson() {
    }

    /**
     * Appends {@code value} as Go writes a string: quote and backslash escaped, the control
     * characters BS, FF, LF, CR and TAB in their two-character form, other control characters and
     * {@code < > &} as six-character escapes with lower-case hex, U+2028/U+2029 escaped, an
     * unpaired surrogate (invalid UTF-8 in Go) as the escaped replacement character U+FFFD, and
     * everything else as is. A null string is Go's empty string.
     */
    static void appendString(StringBuilder out, String value) {
        out.append('"');
        String s = value == null ? "" : value;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&' -> appendUnicodeEscape(out, c);
                case '\u2028', '\u2029' -> appendUnicodeEscape(out, c);
                default -> {
                    if (c < 0x20) {
                        appendUnicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append("\\ufffd");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Appends the compacted form of valid JSON text as {@code json.Compact} with HTML escaping
     * does: whitespace outside strings dropped, every other token kept as written (numbers and
     * existing escapes unchanged), {@code < > &} and U+2028/U+2029 escaped wherever they occur.
     */
    static void appendCompact(StringBuilder out, String json) {
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                appendUnicodeEscape(out, c);
                escaped = false;
                continue;
            }
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
                out.append(c);
            } else if (c == '"') {
                inString = true;
                out.append(c);
            } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                out.append(c);
            }
        }
    }

    /**
     * Go's {@code time.Time.MarshalJSON} of a UTC time: RFC 3339 with the fraction's trailing
     * zeros removed and no fraction at all when it is zero. A null instant is Go's zero time.
     *
     * @throws IllegalArgumentException for years outside 0..9999, which Go refuses to marshal
     */
    static void appendTime(StringBuilder out, Instant instant) {
        if (instant == null) {
            out.append('"').append(ZERO_TIME).append('"');
            return;
        }
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0, ZoneOffset.UTC);
        if (t.getYear() < 0 || t.getYear() > 9999) {
            throw new IllegalArgumentException("issued_at year outside of range [0,9999]: " + t.getYear());
        }
        out.append('"');
        pad(out, t.getYear(), 4).append('-');
        pad(out, t.getMonthValue(), 2).append('-');
        pad(out, t.getDayOfMonth(), 2).append('T');
        pad(out, t.getHour(), 2).append(':');
        pad(out, t.getMinute(), 2).append(':');
        pad(out, t.getSecond(), 2);
        int nanos = instant.getNano();
        if (nanos != 0) {
            StringBuilder fraction = new StringBuilder(9);
            pad(fraction, nanos, 9);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(fraction, 0, end);
        }
        out.append("Z\"");
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        out.repeat('0', width - digits.length());
        return out.append(digits);
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
    }
}

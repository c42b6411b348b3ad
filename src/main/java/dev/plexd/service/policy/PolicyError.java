package dev.plexd.service.policy;

/**
 * One problem in the service policy files, printed as {@code file:line: message (token)}.
 *
 * @param file  relative to the config directory ({@code services/global.policy}), or a
 *              description of a non-file input such as {@code peer directory}
 * @param line  1-based line, or 0 when the problem concerns the whole file
 * @param token the offending text, or null
 */
public record PolicyError(String file, int line, String message, String token) {

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(file);
        if (line > 0) {
            text.append(':').append(line);
        }
        text.append(": ").append(message);
        if (token != null) {
            text.append(" (").append(printable(token)).append(')');
        }
        return text.toString();
    }

    /** Control characters in a token are shown escaped so an error line stays one readable line. */
    static String printable(String token) {
        StringBuilder out = new StringBuilder(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

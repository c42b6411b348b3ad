package dev.plexd.service.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * The rule grammar, exactly the original's: {@code <allow|deny> <tcp|udp|all> <port|min-max|all>}
 * or the shorthand {@code <allow|deny> all}; keywords are case-sensitive; a line whose first
 * non-blank character is {@code #} is a comment; blank lines are ignored. Words are separated by
 * spaces or tabs. Anything after the port is an error (there are no trailing comments).
 */
public final class RuleParser {

    private RuleParser() {
    }

    /** Whether a line carries no rule: empty, only blanks, or a comment. */
    public static boolean isBlankOrComment(String line) {
        String trimmed = trim(line);
        return trimmed.isEmpty() || trimmed.charAt(0) == '#';
    }

    /** Parses one rule line (not blank, not a comment). */
    public static Rule parse(String line) throws RuleSyntaxException {
        List<String> words = words(line);
        if (words.isEmpty()) {
            throw new RuleSyntaxException("empty rule, expected allow or deny", "");
        }
        return parse(words);
    }

    /** Parses a rule given as separate words, e.g. from the command line. */
    public static Rule parse(List<String> words) throws RuleSyntaxException {
        if (words.isEmpty()) {
            throw new RuleSyntaxException("empty rule, expected allow or deny", "");
        }
        String actionWord = words.get(0);
        Action action = Action.of(actionWord);
        if (action == null) {
            throw new RuleSyntaxException("unknown action, expected allow or deny", actionWord);
        }
        if (words.size() < 2) {
            throw new RuleSyntaxException("missing protocol after the action", actionWord);
        }
        String protocolWord = words.get(1);
        Protocol protocol = Protocol.of(protocolWord);
        if (protocol == null) {
            throw new RuleSyntaxException("unknown protocol, expected tcp, udp or all", protocolWord);
        }
        if (words.size() < 3) {
            if (protocol == Protocol.ALL) {
                return new Rule(action, Protocol.ALL, 0, Rule.MAX_PORT);
            }
            throw new RuleSyntaxException("missing port after the protocol", protocolWord);
        }
        String portWord = words.get(2);
        int[] range = ports(portWord);
        if (words.size() > 3) {
            throw new RuleSyntaxException("unexpected text after the port", words.get(3));
        }
        return new Rule(action, protocol, range[0], range[1]);
    }

    /** {@code 22}, {@code 8000-9000} or {@code all} as an inclusive range. */
    public static int[] ports(String word) throws RuleSyntaxException {
        if (word.equals("all")) {
            return new int[]{0, Rule.MAX_PORT};
        }
        int dash = word.indexOf('-');
        if (dash < 0) {
            int port = port(word, word);
            return new int[]{port, port};
        }
        int from = port(word.substring(0, dash), word);
        int to = port(word.substring(dash + 1), word);
        if (from > to) {
            throw new RuleSyntaxException("invalid port range, start is greater than end", word);
        }
        return new int[]{from, to};
    }

    private static int port(String digits, String word) throws RuleSyntaxException {
        if (digits.isEmpty()) {
            throw invalidPort(word);
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                throw invalidPort(word);
            }
        }
        // More than 5 digits cannot be a port; checking the length first also keeps parseInt in range.
        if (digits.length() > 5 || Integer.parseInt(digits) > Rule.MAX_PORT) {
            throw new RuleSyntaxException("port out of range, expected 0-65535", word);
        }
        return Integer.parseInt(digits);
    }

    private static RuleSyntaxException invalidPort(String word) {
        return new RuleSyntaxException("invalid port, expected a number 0-65535, a range min-max or all", word);
    }

    /** Splits on runs of spaces and tabs; a trailing carriage return (CRLF files) is a blank too. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>(4);
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && isBlank(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isBlank(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(line.substring(start, i));
            }
        }
        return words;
    }

    static String trim(String line) {
        int start = 0;
        int end = line.length();
        while (start < end && isBlank(line.charAt(start))) {
            start++;
        }
        while (end > start && isBlank(line.charAt(end - 1))) {
            end--;
        }
        return line.substring(start, end);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
    }
}

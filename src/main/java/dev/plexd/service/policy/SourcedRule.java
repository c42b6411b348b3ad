package dev.plexd.service.policy;

/**
 * A rule with the file and line it came from, so every decision can name its origin.
 *
 * @param file the file relative to the config directory, e.g. {@code services/peer/node-1.policy}
 * @param line 1-based line number
 */
public record SourcedRule(Rule rule, String file, int line) {

    /** {@code services/global.policy:3}. */
    public String origin() {
        return file + ":" + line;
    }

    @Override
    public String toString() {
        return origin() + ": " + rule;
    }
}

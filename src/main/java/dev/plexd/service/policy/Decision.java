package dev.plexd.service.policy;

/**
 * The outcome of evaluating one TCP or UDP port.
 *
 * @param rule the rule that decided, or null when the default did
 */
public record Decision(Action action, SourcedRule rule) {

    public boolean allowed() {
        return action == Action.ALLOW;
    }

    /** {@code services/global.policy:2: allow tcp 22}, or {@code default}. */
    public String origin() {
        return rule == null ? "default" : rule.toString();
    }
}

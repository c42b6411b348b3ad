package dev.plexd.api;

/**
 * One rule of a network policy.
 *
 * @param src      node ID or {@code "*"}
 * @param dst      node ID or {@code "*"}
 * @param port     destination port, 0 = any
 * @param protocol {@code ""}, {@code "tcp"} or {@code "udp"}
 * @param action   {@code "allow"} or {@code "deny"}
 */
public record PolicyRule(String src, String dst, int port, String protocol, String action) {

    public static final String WILDCARD = "*";
    public static final String ALLOW = "allow";
    public static final String DENY = "deny";

    /** Absent fields read as empty, which matches no node and grants nothing. */
    public PolicyRule {
        src = src == null ? "" : src;
        dst = dst == null ? "" : dst;
        protocol = protocol == null ? "" : protocol;
        action = action == null ? "" : action;
    }

    public boolean isAllow() {
        return ALLOW.equals(action);
    }
}

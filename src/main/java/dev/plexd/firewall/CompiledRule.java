package dev.plexd.firewall;

import dev.plexd.firewall.Address.Family;

/**
 * A validated {@link dev.plexd.policy.FirewallRule} both backends render: parsed ends, and a
 * match that can hit at least one packet.
 *
 * @param position 1-based position in the list given to {@code applyRules}, for messages
 * @param protocol "tcp", "udp" or "" for any
 * @param port     destination port, 0 = any (only with a protocol)
 */
record CompiledRule(int position, boolean allow, Address src, Address dst, String protocol, int port) {

    /** The family of the packets this rule can match; {@link Family#ANY} only when both ends are the wildcard. */
    Family family() {
        return src.family() != Family.ANY ? src.family() : dst.family();
    }

    /** The same rule at another position of a list. */
    CompiledRule at(int newPosition) {
        return newPosition == position ? this : new CompiledRule(newPosition, allow, src, dst, protocol, port);
    }

    /** Whether some packet matches both rules. */
    boolean overlaps(CompiledRule other) {
        return src.overlaps(other.src) && dst.overlaps(other.dst) && l4Overlaps(other)
                && (family() == Family.ANY || other.family() == Family.ANY || family() == other.family());
    }

    /** Whether some packet matches both rules' protocol and port. */
    boolean l4Overlaps(CompiledRule other) {
        if (protocol.isEmpty() || other.protocol.isEmpty()) {
            return true;
        }
        return protocol.equals(other.protocol) && (port == 0 || other.port == 0 || port == other.port);
    }

    /** Whether an end is a network prefix (neither a host nor the wildcard). */
    boolean hasPrefix() {
        return src instanceof Address.Prefix || dst instanceof Address.Prefix;
    }

    String verdictWord() {
        return allow ? "allow" : "deny";
    }

    @Override
    public String toString() {
        return "#" + position + " " + verdictWord() + " " + (protocol.isEmpty() ? "any" : protocol)
                + (port == 0 ? "" : " port " + port) + " from " + src + " to " + dst;
    }
}

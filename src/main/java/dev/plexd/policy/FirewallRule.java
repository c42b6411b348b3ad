package dev.plexd.policy;

/**
 * One packet-filter rule for the mesh interface.
 *
 * @param iface    mesh interface name
 * @param srcIp    source address or CIDR; {@code 0.0.0.0/0} is the wildcard; empty when the peer is unknown
 * @param dstIp    destination address or CIDR, same conventions
 * @param port     destination port, 0 = any
 * @param protocol {@code "tcp"}, {@code "udp"} or {@code ""} for any
 * @param action   {@code "allow"} or {@code "deny"}
 */
public record FirewallRule(String iface, String srcIp, String dstIp, int port, String protocol, String action) {

    /** How the PolicyEngine spells the wildcard {@code "*"}; backends read it as any address of either family. */
    public static final String ANY = "0.0.0.0/0";

    public FirewallRule {
        protocol = protocol == null ? "" : protocol;
    }

    public void validate() {
        if (!"allow".equals(action) && !"deny".equals(action)) {
            throw new IllegalArgumentException("policy: firewall rule: invalid action \"" + action + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("policy: firewall rule: invalid port " + port);
        }
        if (!isValidProtocol(protocol)) {
            throw new IllegalArgumentException("policy: firewall rule: invalid protocol \"" + protocol + "\"");
        }
        if (port > 0 && protocol.isEmpty()) {
            throw new IllegalArgumentException("policy: firewall rule: port " + port + " requires a protocol");
        }
    }

    public boolean isAllow() {
        return "allow".equals(action);
    }

    /** Exactly "", "tcp" or "udp": protocols are case-sensitive on the wire. */
    public static boolean isValidProtocol(String protocol) {
        return protocol == null || protocol.isEmpty() || "tcp".equals(protocol) || "udp".equals(protocol);
    }
}

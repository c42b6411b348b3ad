package dev.plexd.service.policy;

/**
 * One rule line: {@code <action> <protocol> <port|min-max|all>}. Ports are inclusive, 0–65535;
 * {@code all} is the range 0–65535.
 */
public record Rule(Action action, Protocol protocol, int fromPort, int toPort) {

    public static final int MAX_PORT = 65_535;

    public Rule {
        if (action == null || protocol == null) {
            throw new IllegalArgumentException("rule: action and protocol are required");
        }
        if (fromPort < 0 || toPort > MAX_PORT || fromPort > toPort) {
            throw new IllegalArgumentException("rule: bad port range " + fromPort + "-" + toPort);
        }
    }

    public boolean allPorts() {
        return fromPort == 0 && toPort == MAX_PORT;
    }

    /** Whether this rule decides a TCP or UDP packet to {@code port}. */
    public boolean matches(Protocol packetProtocol, int port) {
        return protocol.covers(packetProtocol) && port >= fromPort && port <= toPort;
    }

    /** Whether every packet {@code other} matches is also matched by this rule (so {@code other} after it is dead). */
    public boolean shadows(Rule other) {
        boolean protocols = protocol == Protocol.ALL || protocol == other.protocol;
        return protocols && fromPort <= other.fromPort && toPort >= other.toPort;
    }

    /** The canonical line: {@code allow tcp 22}, {@code deny udp 8000-9000}, {@code allow tcp all}, {@code deny all}. */
    @Override
    public String toString() {
        if (protocol == Protocol.ALL && allPorts()) {
            return action + " all";
        }
        String ports = allPorts() ? "all" : fromPort == toPort ? Integer.toString(fromPort) : fromPort + "-" + toPort;
        return action + " " + protocol + " " + ports;
    }
}

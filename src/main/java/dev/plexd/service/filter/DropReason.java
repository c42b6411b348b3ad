package dev.plexd.service.filter;

/** Why the filter dropped a packet; each has its own counter per peer slot. */
public enum DropReason {
    /** A rule, or the default with no rule matching, denied the TCP/UDP destination port. */
    POLICY("policy"),
    /** No port to judge (not IP, another transport, too many IPv6 extension headers) and the default denies. */
    UNCLASSIFIED("unclassified"),
    /** A non-first fragment, which carries no port, under a policy that is not uniform for its protocol and a deny default. */
    FRAGMENT("fragment"),
    /** Truncated or inconsistent IP header, or a (first-fragment) TCP/UDP header too short to hold the port. */
    MALFORMED("malformed"),
    /** The slot is not bound to a peer (or out of range) and the default denies. */
    UNKNOWN_PEER("unknown_peer"),
    /** An unexpected failure inside the filter: the packet is dropped, never passed. */
    ERROR("error");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    /** The name used in logs and metrics. */
    public String label() {
        return label;
    }

    /** The outcome code {@link CompiledPolicy#decide} returns for this reason (0 is "allowed"). */
    int code() {
        return ordinal() + 1;
    }

    private static final DropReason[] BY_CODE = values();

    static DropReason ofCode(int code) {
        return BY_CODE[code - 1];
    }
}

package dev.plexd.service.policy;

/** The transport a rule applies to; {@link #ALL} covers TCP and UDP (and nothing else). */
public enum Protocol {
    TCP("tcp"),
    UDP("udp"),
    ALL("all");

    private final String keyword;

    Protocol(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    /** The protocol for an exact keyword, or null. */
    public static Protocol of(String keyword) {
        return switch (keyword) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "all" -> ALL;
            default -> null;
        };
    }

    /** Whether a rule with this protocol applies to a packet of {@code packetProtocol} (TCP or UDP). */
    public boolean covers(Protocol packetProtocol) {
        return this == ALL || this == packetProtocol;
    }

    @Override
    public String toString() {
        return keyword;
    }
}

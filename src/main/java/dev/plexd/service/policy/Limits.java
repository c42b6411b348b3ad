package dev.plexd.service.policy;

import dev.plexd.service.InboundFilter;

/**
 * Documented bounds on the service policy input. Exceeding one is an error naming the file and
 * the limit; nothing is ever truncated or dropped (the original silently cut files at 4 KiB and
 * rules at 64). They bound the compiled filter's memory and the time a reload takes.
 */
public final class Limits {

    /** Size of any file under {@code services/} (policy, members, aliases, default). */
    public static final int MAX_FILE_BYTES = 1 << 20;

    /** Characters on one line, before trimming. */
    public static final int MAX_LINE_LENGTH = 256;

    /** Rules in one {@code .policy} file. */
    public static final int MAX_RULES_PER_FILE = 1_024;

    /** Rules across all files. */
    public static final int MAX_TOTAL_RULES = 65_536;

    /** Files in {@code services/peer/}. */
    public static final int MAX_PEER_FILES = 4_096;

    /** Policy files plus member files in {@code services/org/}. */
    public static final int MAX_ORG_FILES = 1_024;

    /** Length of a peer, org or alias name (the file name without its extension). */
    public static final int MAX_NAME_LENGTH = 128;

    /** Peers in the peer directory the daemon passes in (= the data plane's slot count). */
    public static final int MAX_PEERS = InboundFilter.MAX_PEER_SLOTS;

    /**
     * Distinct effective policies (combinations of peer files and orgs) in use at once: each costs
     * the compiled filter 256 bytes plus its verdict blocks ({@link #MAX_PORT_BLOCKS}).
     */
    public static final int MAX_DISTINCT_POLICIES = 4_096;

    /**
     * Distinct 1,024-port verdict blocks (128 bytes each) across the policies in use, so at most
     * 8 MiB of verdicts. A block that is not all allow or all deny is shared by every policy with
     * the same verdicts there, so only a block in which a policy's own rule edges fall is its own.
     */
    public static final int MAX_PORT_BLOCKS = 65_536;

    /** IPv6 extension headers walked before a packet counts as unclassifiable. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;

    private Limits() {
    }
}

package dev.plexd.service.filter;

import dev.plexd.service.policy.Limits;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of the whole service policy as flat primitive arrays, indexed by peer
 * slot; {@link ServiceFilter} swaps it as one reference, so a packet is judged entirely by the old
 * policy or entirely by the new one.
 *
 * <p>Lookup: {@code slotPolicy[slot]} is the slot's effective policy; {@code table[protocol,
 * port / 1024][policy]} is the number of a 1,024-port bit block in {@code bits}; one bit is the
 * verdict. Three dependent array reads whatever the number of rules or peers.
 *
 * <p>The table's rows are port blocks, not policies: a mesh's traffic goes to a few services, so
 * the few rows it reads stay in the L1 cache however many policies there are (with a row per
 * policy, 1,000 policies' rows did not fit: 0.5 ns more per decision), and {@code char} entries
 * halve those rows again (0.4 ns); hence {@link Limits#MAX_PORT_BLOCKS}.
 */
final class CompiledPolicy {

    static final int ALLOWED = 0;
    /** A UDP packet the policy denies that passed as the reply to a flow this node started; after every {@link DropReason#code()}. */
    static final int ALLOWED_AS_REPLY = DropReason.values().length + 1;
    private static final int POLICY = DropReason.POLICY.code();
    private static final int UNCLASSIFIED = DropReason.UNCLASSIFIED.code();
    private static final int FRAGMENT = DropReason.FRAGMENT.code();
    private static final int MALFORMED = DropReason.MALFORMED.code();
    private static final int UNKNOWN_PEER = DropReason.UNKNOWN_PEER.code();

    private static final int TCP = IpHeaders.TCP;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;
    private static final int BLOCK_WORDS_SHIFT = Integer.numberOfTrailingZeros(PortVerdicts.BLOCK_WORDS);

    final long generation;
    /** Nothing can be denied: no header is even read, exactly like plain WireGuard. */
    final boolean allowAll;
    final boolean defaultAllow;
    /** Per slot: the policy index, or -1 when the slot is not bound. */
    private final int[] slotPolicy;
    private final char[] table;
    /** log2 of the table's row length, the policy count rounded up to a power of two. */
    private final int policyShift;
    private final long[] bits;
    /** Per policy and protocol: the verdict for non-first fragments. */
    private final boolean[] fragmentAllow;
    /** Per slot: who it is, for the drop log and counters (never read on the per-packet path). */
    private final String[] slotLabels;

    private CompiledPolicy(long generation, boolean allowAll, boolean defaultAllow, int[] slotPolicy, char[] table,
                           int policyShift, long[] bits, boolean[] fragmentAllow, String[] slotLabels) {
        this.generation = generation;
        this.allowAll = allowAll;
        this.defaultAllow = defaultAllow;
        this.slotPolicy = slotPolicy;
        this.table = table;
        this.policyShift = policyShift;
        this.bits = bits;
        this.fragmentAllow = fragmentAllow;
        this.slotLabels = slotLabels;
    }

    /** Denies everything but ICMP until a policy is installed: the filter starts closed. */
    static CompiledPolicy closed() {
        return new CompiledPolicy(0, false, false, new int[0], new char[0], 0, new long[0], new boolean[0], new String[0]);
    }

    /**
     * Flattens compiled policies into the snapshot's arrays.
     *
     * @param slotPolicy   per slot, an index into {@code policies} or -1
     * @param policies     as {@link PolicyCompiler} made them, so within {@link Limits#MAX_PORT_BLOCKS}
     * @param blockNumbers their distinct blocks, numbered ({@link PolicyCompiler.Result#blockNumbers})
     */
    static CompiledPolicy of(long generation, boolean allowAll, boolean defaultAllow, int[] slotPolicy,
                             List<PortVerdicts> policies, Map<long[], Integer> blockNumbers, String[] slotLabels) {
        int policyShift = 32 - Integer.numberOfLeadingZeros(Math.max(1, policies.size()) - 1);
        char[] table = new char[PortVerdicts.PROTOCOLS * PortVerdicts.BLOCKS << policyShift];
        boolean[] fragmentAllow = new boolean[policies.size() * PortVerdicts.PROTOCOLS];
        for (int p = 0; p < policies.size(); p++) {
            PortVerdicts verdicts = policies.get(p);
            for (int entry = 0; entry < verdicts.blocks.length; entry++) {
                table[(entry << policyShift) | p] = (char) (int) blockNumbers.get(verdicts.blocks[entry]);
            }
            for (int protocol = 0; protocol < PortVerdicts.PROTOCOLS; protocol++) {
                int uniform = verdicts.uniform(protocol);
                fragmentAllow[p * PortVerdicts.PROTOCOLS + protocol] = uniform < 0 ? defaultAllow : uniform == 1;
            }
        }
        long[] bits = new long[blockNumbers.size() * PortVerdicts.BLOCK_WORDS];
        blockNumbers.forEach((block, number) -> System.arraycopy(block, 0, bits, number * PortVerdicts.BLOCK_WORDS, PortVerdicts.BLOCK_WORDS));
        return new CompiledPolicy(generation, allowAll, defaultAllow, slotPolicy, table, policyShift, bits, fragmentAllow, slotLabels);
    }

    /**
     * A copy in which one slot is bound to an already compiled policy (or unbound with -1), sharing
     * every other array: binding a peer whose policy exists costs a copy of the slot arrays.
     */
    CompiledPolicy rebind(long newGeneration, int slot, int policy, String label) {
        int length = Math.max(slotPolicy.length, slot + 1);
        int[] newSlotPolicy = Arrays.copyOf(slotPolicy, length);
        String[] newLabels = Arrays.copyOf(slotLabels, length);
        Arrays.fill(newSlotPolicy, slotPolicy.length, length, -1);
        newSlotPolicy[slot] = policy;
        newLabels[slot] = label;
        return new CompiledPolicy(newGeneration, allowAll, defaultAllow, newSlotPolicy, table, policyShift, bits, fragmentAllow, newLabels);
    }

    /** Who a slot is bound to, for logs; null when unbound. */
    String label(int slot) {
        return slot >= 0 && slot < slotLabels.length ? slotLabels[slot] : null;
    }

    /**
     * Judges one packet: {@link #ALLOWED}, {@link #ALLOWED_AS_REPLY} or a {@link DropReason#code()}.
     * Only for a snapshot that is not {@link #allowAll} (the caller checks that first).
     * Absolute reads only, no allocation; every read is bounds-checked against {@code length}
     * first, so no input makes it throw.
     *
     * @param flows the UDP flows this node started, whose replies pass a policy that denies them
     */
    int decide(int slot, byte[] packet, int offset, int length, UdpFlows flows) {
        int policy = slot >= 0 && slot < slotPolicy.length ? slotPolicy[slot] : -1;
        if (policy < 0) {
            return defaultAllow ? ALLOWED : UNKNOWN_PEER;
        }
        // Nearly every packet is IPv4 without options (not a later fragment) or IPv6 without extension
        // headers, carrying TCP or UDP. Those are parsed here with a few predicted tests and the
        // transport header at a constant offset, so nothing is packed or unpacked and the port read
        // waits for no header field; every other shape (and every bad one) falls through to the
        // general walk, which classifies them all. The filter's tests check the two agree.
        // Kept inline on purpose: this method stays too large for C2 to inline into allowInbound, so
        // it is compiled on its own and the small allowInbound inlines into the data plane's loop,
        // 0.6-1.6 ns per decision faster than the other way round (docs/benchmarks.md).
        int l4 = -1;
        int protocol = 0;
        if (packet != null && (offset | length) >= 0 && offset <= packet.length - length && length >= 24) {
            long head = IpHeaders.int64(packet, offset);
            int transportBytes = -1;
            if (head >>> 56 == 0x45 && (head & 0x1fff) == 0) {
                int totalLength = (int) (head >>> 32) & 0xffff;
                protocol = packet[offset + 9] & 0xff;
                transportBytes = totalLength <= length ? totalLength - 20 : -1;
                l4 = offset + 20;
            } else if (head >>> 60 == 6) {
                int payloadLength = (int) (head >>> 16) & 0xffff;
                protocol = (int) (head >>> 8) & 0xff;
                transportBytes = payloadLength <= length - 40 ? payloadLength : -1;
                l4 = offset + 40;
            }
            // What the filter reads: TCP up to its flags, UDP its ports; without a branch on which.
            int needed = 4 + ((IpHeaders.TCP_FLAGS + 1 - 4) & ((protocol >>> 4) - 1));
            if (!((protocol == IpHeaders.TCP | protocol == IpHeaders.UDP) && transportBytes >= needed)) {
                l4 = -1;
            }
        }
        if (l4 < 0) {
            long headers = IpHeaders.walk(packet, offset, length);
            if (IpHeaders.kind(headers) != IpHeaders.TRANSPORT) {
                return notTransport(policy, headers);
            }
            l4 = IpHeaders.transport(headers);
            protocol = IpHeaders.protocol(headers);
        }
        int tcpMask = (protocol >>> 4) - 1; // -1 for TCP (6), 0 for UDP (17)
        // A TCP segment with ACK or RST passes unjudged: it belongs to a connection the stack knows
        // (replies to connections this node opened carry ACK), or the stack answers it with RST
        // (ACK) or ignores it (RST) whether or not the port listens, so it reveals nothing. Every
        // other segment (SYN, FIN, NULL, XMAS, ...) is judged by its port: Linux discards such a
        // segment silently at a listening socket but resets it on a closed port, so passing it
        // would let a denied peer scan ports.
        int flags = packet[l4 + (IpHeaders.TCP_FLAGS & tcpMask)];
        if ((flags & (TCP_ACK | TCP_RST) & tcpMask) != 0) {
            return ALLOWED;
        }
        int ports = IpHeaders.int32(packet, l4);
        int port = ports & 0xffff;
        int block = table[((~tcpMask & PortVerdicts.BLOCKS) | (port >>> PortVerdicts.BLOCK_SHIFT)) << policyShift | policy];
        int denied = (int) (~bits[block << BLOCK_WORDS_SHIFT | ((port >>> 6) & (PortVerdicts.BLOCK_WORDS - 1))] >>> port) & 1;
        // A denied UDP datagram passes when it answers a flow this node started. The flow table's
        // bitmap rules that out for nearly every packet; only a possible reply goes to the table
        // itself. TCP skips the bitmap: the branch is on the protocol, read early from the header
        // (0.5 ns less per decision with TCP and UDP mixed at random), never on the verdict, which
        // comes last and is a coin flip in mixed traffic.
        if (tcpMask == 0 && (denied & flows.mayBeReply(port)) != 0) {
            return flows.isReply(slot, packet, offset, IpHeaders.walk(packet, offset, length)) ? ALLOWED_AS_REPLY : POLICY;
        }
        return -denied & POLICY;
    }

    private int notTransport(int policy, long headers) {
        return switch (IpHeaders.kind(headers)) {
            case IpHeaders.ICMP -> ALLOWED;
            case IpHeaders.LATER_FRAGMENT -> fragment(policy, IpHeaders.protocol(headers));
            case IpHeaders.MALFORMED -> MALFORMED;
            default -> unclassified();
        };
    }

    /** A later fragment has no port: it gets the verdict every port of its protocol gets, if they all get the same. */
    private int fragment(int policy, int protocol) {
        if (protocol != TCP && protocol != IpHeaders.UDP) {
            return unclassified();
        }
        return fragmentAllow[policy * PortVerdicts.PROTOCOLS + (protocol == TCP ? 0 : 1)] ? ALLOWED : FRAGMENT;
    }

    private int unclassified() {
        return defaultAllow ? ALLOWED : UNCLASSIFIED;
    }
}

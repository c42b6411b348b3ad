package dev.plexd.service.filter;

import dev.plexd.service.policy.Limits;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of the whole service policy as flat primitive arrays, indexed by peer
 * slot; {@link ServiceFilter} swaps it as one reference, so a packet is judged entirely by the old
 * policy or entirely by the new one.
 *
 * <p>Lookup: {@code slotPolicy[slot]} is the slot's effective policy; {@code table[policy, protocol,
 * port / 1024]} is the offset of a 1,024-port bit block in {@code bits}; one bit is the verdict.
 * Three dependent array reads whatever the number of rules or peers.
 */
final class CompiledPolicy {

    static final int ALLOWED = 0;
    private static final int POLICY = DropReason.POLICY.code();
    private static final int UNCLASSIFIED = DropReason.UNCLASSIFIED.code();
    private static final int FRAGMENT = DropReason.FRAGMENT.code();
    private static final int MALFORMED = DropReason.MALFORMED.code();
    private static final int UNKNOWN_PEER = DropReason.UNKNOWN_PEER.code();

    private static final int ICMP = 1;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMPV6 = 58;
    private static final int TCP_FLAGS = 13; // offset of the flags byte in the TCP header
    private static final int TCP_SYN = 0x02;
    private static final int TCP_ACK = 0x10;
    private static final int HOP_BY_HOP = 0;
    private static final int ROUTING = 43;
    private static final int FRAGMENT_HEADER = 44;
    private static final int DESTINATION_OPTIONS = 60;
    private static final int MAX_EXTENSION_HEADERS = Limits.MAX_IPV6_EXTENSION_HEADERS;

    private static final int TABLE_SHIFT = 7; // PROTOCOLS * BLOCKS = 128 entries per policy

    final long generation;
    /** Nothing can be denied: no header is even read, exactly like plain WireGuard. */
    final boolean allowAll;
    final boolean defaultAllow;
    /** Per slot: the policy index, or -1 when the slot is not bound. */
    private final int[] slotPolicy;
    private final int[] table;
    private final long[] bits;
    /** Per policy and protocol: the verdict for non-first fragments. */
    private final boolean[] fragmentAllow;
    /** Per slot: who it is, for the drop log and counters (never read on the per-packet path). */
    private final String[] slotLabels;

    private CompiledPolicy(long generation, boolean allowAll, boolean defaultAllow, int[] slotPolicy, int[] table,
                           long[] bits, boolean[] fragmentAllow, String[] slotLabels) {
        this.generation = generation;
        this.allowAll = allowAll;
        this.defaultAllow = defaultAllow;
        this.slotPolicy = slotPolicy;
        this.table = table;
        this.bits = bits;
        this.fragmentAllow = fragmentAllow;
        this.slotLabels = slotLabels;
    }

    /** Denies everything but ICMP until a policy is installed: the filter starts closed. */
    static CompiledPolicy closed() {
        return new CompiledPolicy(0, false, false, new int[0], new int[0], new long[0], new boolean[0], new String[0]);
    }

    /**
     * Flattens compiled policies into the snapshot's arrays.
     *
     * @param slotPolicy per slot, an index into {@code policies} or -1
     */
    static CompiledPolicy of(long generation, boolean allowAll, boolean defaultAllow, int[] slotPolicy,
                             List<PortVerdicts> policies, String[] slotLabels) {
        Map<long[], Integer> offsets = new IdentityHashMap<>();
        int[] table = new int[policies.size() << TABLE_SHIFT];
        boolean[] fragmentAllow = new boolean[policies.size() * PortVerdicts.PROTOCOLS];
        for (int p = 0; p < policies.size(); p++) {
            PortVerdicts verdicts = policies.get(p);
            for (int entry = 0; entry < verdicts.blocks.length; entry++) {
                table[(p << TABLE_SHIFT) + entry] =
                        offsets.computeIfAbsent(verdicts.blocks[entry], block -> offsets.size() * PortVerdicts.BLOCK_WORDS);
            }
            for (int protocol = 0; protocol < PortVerdicts.PROTOCOLS; protocol++) {
                int uniform = verdicts.uniform(protocol);
                fragmentAllow[p * PortVerdicts.PROTOCOLS + protocol] = uniform < 0 ? defaultAllow : uniform == 1;
            }
        }
        long[] bits = new long[offsets.size() * PortVerdicts.BLOCK_WORDS];
        offsets.forEach((block, offset) -> System.arraycopy(block, 0, bits, offset, PortVerdicts.BLOCK_WORDS));
        return new CompiledPolicy(generation, allowAll, defaultAllow, slotPolicy, table, bits, fragmentAllow, slotLabels);
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
        return new CompiledPolicy(newGeneration, allowAll, defaultAllow, newSlotPolicy, table, bits, fragmentAllow, newLabels);
    }

    /** Who a slot is bound to, for logs; null when unbound. */
    String label(int slot) {
        return slot >= 0 && slot < slotLabels.length ? slotLabels[slot] : null;
    }

    int policyCount() {
        return fragmentAllow.length / PortVerdicts.PROTOCOLS;
    }

    /**
     * Judges one packet: {@link #ALLOWED} or a {@link DropReason#code()}. Absolute reads only, no
     * allocation; every read is bounds-checked against {@code length} first, so no input makes it
     * throw.
     */
    int decide(int slot, ByteBuffer packet, int offset, int length) {
        if (allowAll) {
            return ALLOWED;
        }
        int policy = slot >= 0 && slot < slotPolicy.length ? slotPolicy[slot] : -1;
        if (policy < 0) {
            return defaultAllow ? ALLOWED : UNKNOWN_PEER;
        }
        if (offset < 0 || length < 0 || offset > packet.limit() - length) {
            return MALFORMED;
        }
        if (length == 0) {
            return unclassified();
        }
        int first = packet.get(offset);
        int protocol;
        int l4;
        int end;
        switch ((first >> 4) & 0xf) {
            case 4 -> {
                if (length < 20) {
                    return MALFORMED;
                }
                int headerLength = (first & 0xf) << 2;
                int totalLength = u16(packet, offset + 2);
                if (headerLength < 20 || totalLength < headerLength || totalLength > length) {
                    return MALFORMED;
                }
                protocol = packet.get(offset + 9) & 0xff;
                if (protocol == ICMP) {
                    return ALLOWED;
                }
                if ((u16(packet, offset + 6) & 0x1fff) != 0) {
                    return fragment(policy, protocol);
                }
                l4 = offset + headerLength;
                end = offset + totalLength;
            }
            case 6 -> {
                if (length < 40) {
                    return MALFORMED;
                }
                int payloadLength = u16(packet, offset + 4);
                if (payloadLength > length - 40) {
                    return MALFORMED;
                }
                end = offset + 40 + payloadLength;
                protocol = packet.get(offset + 6) & 0xff;
                l4 = offset + 40;
                int headers = 0;
                while (protocol == HOP_BY_HOP || protocol == ROUTING || protocol == DESTINATION_OPTIONS
                        || protocol == FRAGMENT_HEADER) {
                    if (headers++ == MAX_EXTENSION_HEADERS) {
                        return unclassified();
                    }
                    if (protocol == FRAGMENT_HEADER) {
                        if (l4 > end - 8) {
                            return MALFORMED;
                        }
                        protocol = packet.get(l4) & 0xff;
                        if ((u16(packet, l4 + 2) & 0xfff8) != 0) {
                            return protocol == ICMPV6 ? ALLOWED : fragment(policy, protocol);
                        }
                        l4 += 8;
                    } else {
                        if (l4 > end - 2) {
                            return MALFORMED;
                        }
                        protocol = packet.get(l4) & 0xff;
                        l4 += ((packet.get(l4 + 1) & 0xff) + 1) << 3;
                    }
                }
                if (protocol == ICMPV6) {
                    return ALLOWED;
                }
            }
            default -> {
                return unclassified();
            }
        }
        if (protocol != TCP && protocol != UDP) {
            return unclassified();
        }
        if (l4 > end - (protocol == TCP ? TCP_FLAGS + 1 : 4)) {
            return MALFORMED;
        }
        // Only the bare SYN that opens a TCP connection is judged: replies to connections this node
        // opened carry ACK, and the receiving stack resets any other segment that has no connection.
        // This keeps the filter stateless and allocation-free, as Tailscale's is.
        if (protocol == TCP && (packet.get(l4 + TCP_FLAGS) & (TCP_SYN | TCP_ACK)) != TCP_SYN) {
            return ALLOWED;
        }
        int port = u16(packet, l4 + 2);
        int block = table[(policy << TABLE_SHIFT) | (protocol == TCP ? 0 : PortVerdicts.BLOCKS) | (port >>> PortVerdicts.BLOCK_SHIFT)];
        return (bits[block + ((port >>> 6) & (PortVerdicts.BLOCK_WORDS - 1))] >>> port & 1) != 0 ? ALLOWED : POLICY;
    }

    /** A later fragment has no port: it gets the verdict every port of its protocol gets, if they all get the same. */
    private int fragment(int policy, int protocol) {
        if (protocol != TCP && protocol != UDP) {
            return unclassified();
        }
        return fragmentAllow[policy * PortVerdicts.PROTOCOLS + (protocol == TCP ? 0 : 1)] ? ALLOWED : FRAGMENT;
    }

    private int unclassified() {
        return defaultAllow ? ALLOWED : UNCLASSIFIED;
    }

    private static int u16(ByteBuffer packet, int index) {
        return (packet.get(index) & 0xff) << 8 | packet.get(index + 1) & 0xff;
    }
}

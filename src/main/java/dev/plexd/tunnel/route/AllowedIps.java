package dev.plexd.tunnel.route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cryptokey routing (paper §2): which peer owns an address, by longest-prefix match. Outbound,
 * the destination picks the peer; inbound, a decrypted packet's source must map back to the
 * peer that sent it.
 *
 * <p>Lookups run on packet threads and are lock-free and allocation-free: they walk an immutable
 * binary trie that every change replaces as a whole (changes are rare and small next to the
 * packet rate). A prefix belongs to one peer; inserting it for another moves it, as in WireGuard.
 *
 * @param <T> the peer type
 */
public final class AllowedIps<T> {

    private static final class Node<T> {
        Node<T> zero;
        Node<T> one;
        T value;
    }

    private record Trie<T>(Node<T> v4, Node<T> v6) {
    }

    private final Map<Prefix, T> entries = new LinkedHashMap<>();
    private volatile Trie<T> trie = new Trie<>(new Node<>(), new Node<>());

    /** Routes {@code prefix} to {@code peer}, taking it from any other peer. */
    public synchronized void insert(Prefix prefix, T peer) {
        entries.put(prefix, peer);
        rebuild();
    }

    /** Removes every prefix of {@code peer}. */
    public synchronized void removePeer(T peer) {
        if (entries.values().removeIf(p -> p == peer)) {
            rebuild();
        }
    }

    /** Replaces all of a peer's prefixes in one step, so no packet sees a half-updated set. */
    public synchronized void replacePeer(T peer, List<Prefix> prefixes) {
        entries.values().removeIf(p -> p == peer);
        for (Prefix prefix : prefixes) {
            entries.put(prefix, peer);
        }
        rebuild();
    }

    /** The prefixes routed to {@code peer}, in insertion order. */
    public synchronized List<Prefix> prefixesOf(T peer) {
        List<Prefix> out = new ArrayList<>();
        entries.forEach((prefix, owner) -> {
            if (owner == peer) {
                out.add(prefix);
            }
        });
        return out;
    }

    /** Longest-prefix match of an IPv4 address (as a big-endian int); null if no peer owns it. */
    public T lookupV4(int address) {
        Node<T> node = trie.v4;
        T best = node.value;
        for (int bit = 31; bit >= 0 && node != null; bit--) {
            node = ((address >>> bit) & 1) == 0 ? node.zero : node.one;
            if (node != null && node.value != null) {
                best = node.value;
            }
        }
        return best;
    }

    /** Longest-prefix match of an IPv6 address given as its two big-endian halves. */
    public T lookupV6(long high, long low) {
        Node<T> node = trie.v6;
        T best = node.value;
        for (int i = 0; i < 128 && node != null; i++) {
            long half = i < 64 ? high : low;
            int bit = (int) (half >>> (63 - (i & 63))) & 1;
            node = bit == 0 ? node.zero : node.one;
            if (node != null && node.value != null) {
                best = node.value;
            }
        }
        return best;
    }

    /**
     * Looks up the source or destination address of the IP packet at {@code offset}.
     *
     * @return null for a packet that is not IPv4/IPv6 or too short to hold the address
     */
    public T lookup(byte[] packet, int offset, int length, boolean source) {
        if (length < 1) {
            return null;
        }
        int version = (packet[offset] & 0xff) >>> 4;
        if (version == 4 && length >= 20) {
            return lookupV4(IpPackets.getIntBE(packet, offset + (source ? 12 : 16)));
        }
        if (version == 6 && length >= 40) {
            int at = offset + (source ? 8 : 24);
            return lookupV6(IpPackets.getLongBE(packet, at), IpPackets.getLongBE(packet, at + 8));
        }
        return null;
    }

    private void rebuild() {
        Node<T> v4 = new Node<>();
        Node<T> v6 = new Node<>();
        entries.forEach((prefix, peer) -> {
            Node<T> node = prefix.isV4() ? v4 : v6;
            byte[] a = prefix.address();
            for (int i = 0; i < prefix.bits(); i++) {
                boolean one = ((a[i >>> 3] >>> (7 - (i & 7))) & 1) != 0;
                Node<T> next = one ? node.one : node.zero;
                if (next == null) {
                    next = new Node<>();
                    if (one) {
                        node.one = next;
                    } else {
                        node.zero = next;
                    }
                }
                node = next;
            }
            node.value = peer;
        });
        trie = new Trie<>(v4, v6);
    }
}

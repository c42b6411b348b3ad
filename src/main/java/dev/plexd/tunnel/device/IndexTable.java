package dev.plexd.tunnel.device;

import dev.plexd.tunnel.noise.Keypair;

import java.security.SecureRandom;

/**
 * Maps the 32-bit indices we hand out to the handshake or session they name, so a received
 * message finds its peer and key in one lookup. Reads are lock-free and allocation-free
 * (open addressing over arrays); every change publishes a new copy — handshakes are rare next
 * to packets.
 */
final class IndexTable {

    /** A pending handshake ({@code keypair == null}) or an established session of {@code peer}. */
    record Entry(Peer peer, Keypair keypair) {
    }

    private record Table(int[] keys, Entry[] values, int size) {
    }

    private final SecureRandom random = new SecureRandom();
    private volatile Table table = new Table(new int[16], new Entry[16], 0);

    Entry get(int index) {
        Table t = table;
        int mask = t.keys.length - 1;
        for (int i = mix(index) & mask; ; i = (i + 1) & mask) {
            Entry e = t.values[i];
            if (e == null || t.keys[i] == index) {
                return e;
            }
        }
    }

    /** Registers {@code peer}'s new handshake under a fresh random index. */
    synchronized int newHandshakeIndex(Peer peer) {
        int index;
        do {
            index = random.nextInt();
        } while (get(index) != null);
        put(index, new Entry(peer, null));
        return index;
    }

    /** Adds or replaces the entry for {@code index}. */
    synchronized void put(int index, Entry entry) {
        Table t = table;
        boolean present = get(index) != null;
        int size = present ? t.size : t.size + 1;
        int capacity = t.keys.length;
        while (size * 2 > capacity) {
            capacity *= 2;
        }
        int[] keys = new int[capacity];
        Entry[] values = new Entry[capacity];
        for (int i = 0; i < t.keys.length; i++) {
            if (t.values[i] != null && t.keys[i] != index) {
                insert(keys, values, t.keys[i], t.values[i]);
            }
        }
        insert(keys, values, index, entry);
        table = new Table(keys, values, size);
    }

    /** Removes {@code index}; unknown indices are ignored. */
    synchronized void remove(int index) {
        Table t = table;
        if (get(index) == null) {
            return;
        }
        int[] keys = new int[t.keys.length];
        Entry[] values = new Entry[t.keys.length];
        for (int i = 0; i < t.keys.length; i++) {
            if (t.values[i] != null && t.keys[i] != index) {
                insert(keys, values, t.keys[i], t.values[i]);
            }
        }
        table = new Table(keys, values, t.size - 1);
    }

    int size() {
        return table.size;
    }

    private static void insert(int[] keys, Entry[] values, int key, Entry value) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}

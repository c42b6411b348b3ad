package dev.plexd.tunnel.conn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A vector of datagrams in native memory for {@code recvmmsg}/{@code sendmmsg}: {@code count}
 * slots of {@code slotSize} bytes, each with its {@code sockaddr}, {@code iovec} and
 * {@code mmsghdr}, all allocated once. Slot views are created up front so the packet loop never
 * allocates. Owned by one thread.
 */
public final class DatagramBatch {

    // struct mmsghdr on LP64 Linux: msghdr (56 bytes) + msg_len (4) + padding.
    static final int MMSGHDR_SIZE = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int MSG_LEN = 56;
    private static final int IOVEC_SIZE = 16;
    private static final int NAME_STRIDE = 32;

    private final int count;
    private final int slotSize;
    private final MemorySegment headers;
    private final MemorySegment iovecs;
    private final MemorySegment names;
    private final MemorySegment[] slots;
    private final MemorySegment[] nameViews;
    private final MemorySegment[] headerViews;

    public DatagramBatch(Arena arena, int count, int slotSize) {
        this.count = count;
        this.slotSize = slotSize;
        MemorySegment data = arena.allocate((long) count * slotSize, 64);
        headers = arena.allocate((long) count * MMSGHDR_SIZE, 64);
        iovecs = arena.allocate((long) count * IOVEC_SIZE, 64);
        names = arena.allocate((long) count * NAME_STRIDE, 64);
        slots = new MemorySegment[count];
        nameViews = new MemorySegment[count];
        headerViews = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            slots[i] = data.asSlice((long) i * slotSize, slotSize);
            nameViews[i] = names.asSlice((long) i * NAME_STRIDE, NAME_STRIDE);
            MemorySegment iov = iovecs.asSlice((long) i * IOVEC_SIZE, IOVEC_SIZE);
            iov.set(ADDRESS, 0, slots[i]);
            iov.set(JAVA_LONG, 8, slotSize);
            long h = (long) i * MMSGHDR_SIZE;
            headerViews[i] = headers.asSlice(h);
            headers.set(ADDRESS, h + MSG_NAME, nameViews[i]);
            headers.set(JAVA_INT, h + MSG_NAMELEN, Endpoint.SOCKADDR_SIZE);
            headers.set(ADDRESS, h + MSG_IOV, iov);
            headers.set(JAVA_LONG, h + MSG_IOVLEN, 1);
            headers.set(ADDRESS, h + MSG_CONTROL, MemorySegment.NULL);
            headers.set(JAVA_LONG, h + MSG_CONTROLLEN, 0);
        }
    }

    public int count() {
        return count;
    }

    public int slotSize() {
        return slotSize;
    }

    /** The {@code mmsghdr} vector from entry {@code first} on, to pass to the kernel. */
    MemorySegment headers(int first) {
        return headerViews[first];
    }

    /** Resets the first {@code n} entries to receive full-size datagrams with their source address. */
    public void prepareReceive(int n) {
        for (int i = 0; i < n; i++) {
            long h = (long) i * MMSGHDR_SIZE;
            headers.set(JAVA_INT, h + MSG_NAMELEN, Endpoint.SOCKADDR_SIZE);
            headers.set(JAVA_INT, h + MSG_FLAGS, 0);
            iovecs.set(JAVA_LONG, (long) i * IOVEC_SIZE + 8, slotSize);
        }
    }

    /** The data buffer of slot {@code i}. */
    public MemorySegment slot(int i) {
        return slots[i];
    }

    /** The {@code sockaddr} of slot {@code i} (the source after a receive). */
    public MemorySegment name(int i) {
        return nameViews[i];
    }

    /** Bytes received into slot {@code i}. */
    public int length(int i) {
        return headers.get(JAVA_INT, (long) i * MMSGHDR_SIZE + MSG_LEN);
    }

    /** Addresses slot {@code i} (holding {@code length} bytes) to {@code destination}. */
    public void prepareSend(int i, int length, Endpoint destination) {
        iovecs.set(JAVA_LONG, (long) i * IOVEC_SIZE + 8, length);
        MemorySegment.copy(destination.sockaddr(), 0, nameViews[i], 0, destination.sockaddrLength());
        headers.set(JAVA_INT, (long) i * MMSGHDR_SIZE + MSG_NAMELEN, destination.sockaddrLength());
    }
}

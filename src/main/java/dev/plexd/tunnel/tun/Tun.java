package dev.plexd.tunnel.tun;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The TUN side of the OS boundary: what the device's loops need from the interface. Packets
 * start with a {@link VirtioNetHdr} and results are bytes or {@code -errno}, as on Linux
 * ({@link LinuxTun}); another OS's implementation would have to present the same shape.
 */
public interface Tun extends AutoCloseable {

    String name();

    /** True when reads may return TCP super-packets or partial checksums (see {@link VirtioNetHdr}). */
    boolean offloads();

    int mtu() throws IOException;

    void setMtu(int mtu) throws IOException;

    /**
     * Reads one packet (virtio header first) into {@code buffer}.
     *
     * @param callState the calling thread's errno capture
     * @return bytes read, {@code -EAGAIN} when none is waiting, or another -errno
     */
    int read(MemorySegment callState, MemorySegment buffer, int length);

    /** Writes one packet (virtio header first); returns bytes written or -errno. */
    int write(MemorySegment callState, MemorySegment buffer, int length);

    /**
     * Blocks until a packet can be read or {@link #wakeup} was called.
     *
     * @param pollFds a 16-byte native scratch segment owned by the calling thread
     */
    void awaitReadable(MemorySegment callState, MemorySegment pollFds);

    /** Makes {@link #awaitReadable} return for good (used to stop the device). */
    void wakeup();

    /** Removes the interface; only once no thread uses it any more. */
    @Override
    void close() throws IOException;
}

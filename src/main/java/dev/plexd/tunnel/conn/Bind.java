package dev.plexd.tunnel.conn;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The UDP side of the OS boundary: what the device's loops need from the socket. Datagrams move
 * in {@link DatagramBatch}es ({@code mmsghdr} arrays) and results are counts or {@code -errno},
 * as on Linux ({@link LinuxUdp}); another OS's implementation would have to present the same shape.
 */
public interface Bind extends AutoCloseable {

    int port();

    /** True for a dual-stack IPv6 socket (IPv4 peers as mapped addresses). */
    boolean isV6();

    /** Moves to another port; threads blocked receiving continue on the new socket. */
    void rebind(int newPort) throws IOException;

    /** Marks outgoing packets for policy routing; 0 clears it. */
    void setMark(int mark) throws IOException;

    /** Blocks until at least one datagram arrives, then takes up to {@code max}; returns the count or -errno. */
    int receive(MemorySegment callState, DatagramBatch batch, int max);

    /** Sends the first {@code n} prepared slots; returns how many could not be sent. */
    int send(MemorySegment callState, DatagramBatch batch, int n);

    /** Sends one datagram from native memory; returns bytes sent or -errno. */
    int sendOne(MemorySegment callState, MemorySegment data, int length, Endpoint destination);

    /** Wakes threads blocked in {@link #receive} for good (used to stop the device). */
    void wakeReceivers();

    /** Releases the socket; only once no thread uses it any more. */
    @Override
    void close() throws IOException;
}

package dev.plexd.tunnel.conn;

import dev.plexd.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The interface's UDP socket on Linux, through FFM: one dual-stack IPv6 socket (IPv4 peers as
 * IPv4-mapped addresses) or, where IPv6 is unavailable, an IPv4 one. Batches go through
 * {@code recvmmsg}/{@code sendmmsg}. Created on the caller's thread, so in its network namespace.
 *
 * <p>The file descriptor number never changes while the device runs: a new listen port is bound
 * on a fresh socket that {@code dup3} then puts in place, so no thread can ever use a closed (or
 * reused) descriptor. Only {@link #close()}, after the packet threads stopped, releases it.
 */
public final class LinuxUdp implements Bind {

    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;
    private static final int SO_SNDBUF = 7;
    private static final int SO_RCVBUF = 8;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SO_MARK = 36;
    private static final int MSG_WAITFORONE = 0x10000;
    private static final int SOCKET_BUFFER = 7 << 20;

    private final int fd;
    private final boolean v6;
    private volatile int port;
    private volatile boolean closed;

    private LinuxUdp(int fd, boolean v6, int port) {
        this.fd = fd;
        this.v6 = v6;
        this.port = port;
    }

    /** Binds {@code port} on all addresses (0 picks a free port). */
    public static LinuxUdp bind(int port) throws IOException {
        try {
            return open(port, true);
        } catch (IOException e) {
            return open(port, false);
        }
    }

    /**
     * Moves the socket to another port. Threads blocked receiving wake up and continue on the new
     * socket; on failure the old one stays as it was.
     */
    @Override
    public synchronized void rebind(int newPort) throws IOException {
        LinuxUdp fresh = open(newPort, v6);
        Libc.shutdown(fd);
        try {
            Libc.dup3(fresh.fd, fd);
        } finally {
            Libc.close(fresh.fd);
        }
        port = fresh.port;
    }

    private static LinuxUdp open(int port, boolean v6) throws IOException {
        int fd = Libc.socket(v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            if (v6) {
                Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            }
            setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
            setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
            MemorySegment sa = arena.allocate(Endpoint.SOCKADDR_SIZE, 8);
            sa.set(JAVA_SHORT_UNALIGNED, 0, (short) (v6 ? Libc.AF_INET6 : Libc.AF_INET));
            sa.set(JAVA_BYTE, 2, (byte) (port >>> 8));
            sa.set(JAVA_BYTE, 3, (byte) port);
            Libc.bind(fd, sa, v6 ? Endpoint.SOCKADDR_SIZE : 16, "UDP port " + port);
            MemorySegment local = arena.allocate(128, 8);
            Libc.getsockname(fd, local);
            int bound = (local.get(JAVA_BYTE, 2) & 0xff) << 8 | (local.get(JAVA_BYTE, 3) & 0xff);
            return new LinuxUdp(fd, v6, bound);
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** Large buffers absorb bursts between two batches; FORCE needs CAP_NET_ADMIN, else the sysctl limit applies. */
    private static void setBuffer(int fd, int force, int plain) throws IOException {
        try {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, force, SOCKET_BUFFER, "socket buffer");
        } catch (IOException e) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, plain, SOCKET_BUFFER, "socket buffer");
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public boolean isV6() {
        return v6;
    }

    /** Marks outgoing packets for policy routing ({@code fwmark}); 0 clears it. */
    @Override
    public void setMark(int mark) throws IOException {
        Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_MARK, mark, "SO_MARK");
    }

    /**
     * Blocks until at least one datagram arrives, then takes up to {@code max} into the batch.
     *
     * @return datagrams received, or -errno
     */
    @Override
    public int receive(MemorySegment callState, DatagramBatch batch, int max) {
        batch.prepareReceive(max);
        return Libc.recvmmsg(callState, fd, batch.headers(0), max, MSG_WAITFORONE);
    }

    /**
     * Sends the first {@code n} prepared slots. A datagram the kernel refuses (e.g. no route to
     * the peer) is skipped so the rest still go out.
     *
     * @return the number of datagrams that could not be sent
     */
    @Override
    public int send(MemorySegment callState, DatagramBatch batch, int n) {
        int failed = 0;
        int done = 0;
        while (done < n) {
            int sent = Libc.sendmmsg(callState, fd, batch.headers(done), n - done, 0);
            if (sent > 0) {
                done += sent;
            } else if (sent != -Libc.EINTR) {
                failed++;
                done++;
            }
        }
        return failed;
    }

    /** Sends one datagram from native memory; returns bytes sent or -errno. */
    @Override
    public int sendOne(MemorySegment callState, MemorySegment data, int length, Endpoint destination) {
        return Libc.sendto(callState, fd, data, length, destination.sockaddr(), destination.sockaddrLength());
    }

    /** Wakes threads blocked in {@link #receive}; they see an error or 0 and check why. */
    @Override
    public void wakeReceivers() {
        Libc.shutdown(fd);
    }

    /** Releases the socket; only once no thread uses it any more. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Libc.shutdown(fd);
        Libc.close(fd);
    }
}

package dev.plexd.tunnel.tun;

import dev.plexd.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A Linux TUN interface through FFM ({@code /dev/net/tun}, {@code TUNSETIFF} with
 * {@code IFF_TUN | IFF_NO_PI | IFF_VNET_HDR}). Every packet read or written starts with a
 * {@link VirtioNetHdr}, which is how the kernel hands over and accepts TCP super-packets when
 * offloads are on ({@code TUNSETOFFLOAD}: checksum and TSO).
 *
 * <p>The descriptor is non-blocking and read/written with critical downcalls straight into Java
 * arrays (the arrays the JDK cipher works on); {@link #awaitReadable} blocks in {@code poll}
 * together with an eventfd that {@link #wakeup} signals. Created on the caller's thread, so the
 * interface appears in that thread's network namespace.
 */
public final class LinuxTun implements Tun {

    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long SIOCGIFMTU = 0x8921L;
    private static final long SIOCSIFMTU = 0x8922L;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final int TUN_F_CSUM = 0x01;
    private static final int TUN_F_TSO4 = 0x02;
    private static final int TUN_F_TSO6 = 0x04;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;

    private final int fd;
    private final int wakeFd;
    /** For MTU ioctls; opened with the TUN so it stays in the interface's network namespace. */
    private final int controlFd;
    private final String name;
    private final boolean offloads;
    private volatile boolean closed;

    private LinuxTun(int fd, int wakeFd, int controlFd, String name, boolean offloads) {
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.controlFd = controlFd;
        this.name = name;
        this.offloads = offloads;
    }

    /**
     * Creates (or attaches to) the TUN interface {@code name} and sets its MTU.
     *
     * @param offloads ask the kernel for TCP super-packets and partial checksums (the data plane
     *                 then segments and checksums them itself)
     */
    public static LinuxTun create(String name, int mtu, boolean offloads) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
            throw new IOException("tun: interface name must be 1 to 15 characters: \"" + name + "\"");
        }
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(nameBytes, 0, ifr, JAVA_BYTE, 0, nameBytes.length);
            ifr.set(JAVA_SHORT, IFNAMSIZ, (short) (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR));
            Libc.ioctl(fd, TUNSETIFF, ifr, "TUNSETIFF " + name);
            String actual = ifr.getString(0, StandardCharsets.US_ASCII);
            boolean withOffloads = offloads && enableOffloads(fd);
            LinuxTun tun = new LinuxTun(fd, Libc.eventfd(),
                    Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0), actual, withOffloads);
            tun.setMtu(mtu);
            return tun;
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** Older kernels may refuse TSO; the device then works packet by packet. */
    private static boolean enableOffloads(int fd) {
        try {
            Libc.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), "TUNSETOFFLOAD");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** True when reads may return TCP super-packets or partial checksums (see {@link VirtioNetHdr}). */
    @Override
    public boolean offloads() {
        return offloads;
    }

    @Override
    public int mtu() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(arena);
            Libc.ioctl(controlFd, SIOCGIFMTU, ifr, "SIOCGIFMTU " + name);
            return ifr.get(JAVA_INT, IFNAMSIZ);
        }
    }

    @Override
    public void setMtu(int mtu) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(arena);
            ifr.set(JAVA_INT, IFNAMSIZ, mtu);
            Libc.ioctl(controlFd, SIOCSIFMTU, ifr, "SIOCSIFMTU " + name + " " + mtu);
        }
    }

    private MemorySegment ifreq(Arena arena) {
        MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(nameBytes, 0, ifr, JAVA_BYTE, 0, nameBytes.length);
        return ifr;
    }

    /**
     * Reads one packet (virtio header first) into {@code buffer}.
     *
     * @return bytes read, {@code -EAGAIN} when none is waiting, or another -errno
     */
    @Override
    public int read(MemorySegment callState, MemorySegment buffer, int length) {
        return Libc.read(callState, fd, buffer, length);
    }

    /** Writes one packet (virtio header first); returns bytes written or -errno. */
    @Override
    public int write(MemorySegment callState, MemorySegment buffer, int length) {
        return Libc.write(callState, fd, buffer, length);
    }

    /**
     * Blocks until a packet can be read or {@link #wakeup} was called.
     *
     * @param pollFds a 16-byte native scratch segment owned by the calling thread
     */
    @Override
    public void awaitReadable(MemorySegment callState, MemorySegment pollFds) {
        pollFds.set(JAVA_INT, 0, fd);
        pollFds.set(JAVA_INT, 4, Libc.POLLIN);
        pollFds.set(JAVA_INT, 8, wakeFd);
        pollFds.set(JAVA_INT, 12, Libc.POLLIN);
        Libc.poll(callState, pollFds, 2, -1);
    }

    /** Makes {@link #awaitReadable} return (it stays readable until {@link #close}). */
    @Override
    public void wakeup() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(JAVA_LONG, 1L);
            Libc.write(Libc.callState(arena), wakeFd, one, 8);
        }
    }

    /** Removes the interface; only once no thread uses it any more. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd);
        } finally {
            try {
                Libc.close(wakeFd);
            } finally {
                Libc.close(controlFd);
            }
        }
    }
}

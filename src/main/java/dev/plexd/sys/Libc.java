package dev.plexd.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls plexd makes through FFM, each returning its result or throwing an
 * {@link IOException} that carries the call, errno and its text. Linux only.
 *
 * <p>The packet-path calls ({@link #read}, {@link #write}, {@link #poll}, {@link #recvmmsg},
 * {@link #sendmmsg}, {@link #sendto}) are different on purpose: they take a call-state segment the
 * caller owns and return {@code -errno} instead of throwing, so a packet loop neither allocates
 * nor unwinds. {@code read}/{@code write} are "critical" downcalls that accept heap segments, so
 * a non-blocking file descriptor can fill a Java array directly.
 */
public final class Libc {

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int O_NONBLOCK = 0x800;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final short POLLIN = 1;
    public static final int SHUT_RDWR = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
    private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle GETSOCKNAME = downcall("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), true);
    private static final MethodHandle SHUTDOWN = downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle DUP3 = downcall("dup3", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle EVENTFD = downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle READ = downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(true), Linker.Option.captureCallState("errno"));
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(true), Linker.Option.captureCallState("errno"));
    private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), true);
    private static final MethodHandle RECVMMSG = downcall("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), true);
    private static final MethodHandle SENDMMSG = downcall("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SENDTO = downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), true);

    private Libc() {
    }

    /**
     * Looks up a libc function. With {@code captureErrno} the handle takes a call-state segment as
     * its first argument, from which {@link #errno(MemorySegment)} reads errno.
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, boolean captureErrno) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: no " + name));
        return captureErrno
                ? LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(symbol, descriptor);
    }

    /** Looks up a libc function with explicit linker options (variadic, critical, errno capture). */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** A segment to pass as the call-state argument of an errno-capturing handle. */
    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** The C library's text for an errno value, e.g. "Operation not permitted". */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** An exception for a failed call: {@code "open /dev/net/tun: No such device (errno 19)"}. */
    public static IOException failure(String what, int errno) {
        return new IOException(what + ": " + strerror(errno) + " (errno " + errno + ")");
    }

    public static int open(String path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            if (fd < 0) {
                throw failure("open " + path, errno(state));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open " + path, t);
        }
    }

    public static void close(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            if ((int) CLOSE.invokeExact(state, fd) < 0) {
                throw failure("close fd " + fd, errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("close fd " + fd, t);
        }
    }

    /**
     * Moves the calling OS thread into the network namespace at {@code path} (e.g.
     * {@code /run/netns/NAME}). Only that thread moves; sockets and devices it then creates
     * belong to the namespace. Must run on a platform thread.
     */
    public static void enterNetworkNamespace(String path) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns on a virtual thread would move its carrier thread");
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            if ((int) SETNS.invokeExact(state, fd, CLONE_NEWNET) < 0) {
                throw failure("setns " + path, errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setns " + path, t);
        } finally {
            close(fd);
        }
    }

    /** {@code ioctl(fd, request, arg)}; {@code what} names the call in the error. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int result = (int) IOCTL.invokeExact(state, fd, request, arg);
            if (result < 0) {
                throw failure(what, errno(state));
            }
            return result;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(what, t);
        }
    }

    public static int socket(int domain, int type, int protocol) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
            if (fd < 0) {
                throw failure("socket(" + domain + ", " + type + ")", errno(state));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("socket", t);
        }
    }

    /** Sets an int-valued socket option. */
    public static void setsockopt(int fd, int level, int option, int value, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            if ((int) SETSOCKOPT.invokeExact(state, fd, level, option, v, 4) < 0) {
                throw failure("setsockopt " + what, errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setsockopt " + what, t);
        }
    }

    public static void bind(int fd, MemorySegment address, int length, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            if ((int) BIND.invokeExact(state, fd, address, length) < 0) {
                throw failure("bind " + what, errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("bind " + what, t);
        }
    }

    /** Fills {@code address} (at least 128 bytes) with the socket's local address; returns its length. */
    public static int getsockname(int fd, MemorySegment address) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) address.byteSize());
            if ((int) GETSOCKNAME.invokeExact(state, fd, address, length) < 0) {
                throw failure("getsockname", errno(state));
            }
            return length.get(JAVA_INT, 0);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("getsockname", t);
        }
    }

    /** Shuts a socket down, waking threads blocked receiving on it; errors are irrelevant then. */
    public static void shutdown(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.invokeExact(callState(arena), fd, SHUT_RDWR);
        } catch (Throwable t) {
            // nothing to do: the socket is being closed anyway
        }
    }

    /** {@code dup3(oldFd, newFd, O_CLOEXEC)}: atomically makes {@code newFd} refer to {@code oldFd}'s file. */
    public static void dup3(int oldFd, int newFd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            if ((int) DUP3.invokeExact(state, oldFd, newFd, O_CLOEXEC) < 0) {
                throw failure("dup3", errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("dup3", t);
        }
    }

    /** An eventfd (non-blocking, close-on-exec) to wake threads waiting in {@link #poll}. */
    public static int eventfd() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int fd = (int) EVENTFD.invokeExact(state, 0, O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                throw failure("eventfd", errno(state));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("eventfd", t);
        }
    }

    /** Packet path: {@code read}; {@code buffer} may be a heap segment. Returns bytes read or -errno. */
    public static int read(MemorySegment callState, int fd, MemorySegment buffer, int length) {
        try {
            long n = (long) READ.invokeExact(callState, fd, buffer, (long) length);
            return n < 0 ? -errno(callState) : (int) n;
        } catch (Throwable t) {
            throw new IllegalStateException("read", t);
        }
    }

    /** Packet path: {@code write}; {@code buffer} may be a heap segment. Returns bytes written or -errno. */
    public static int write(MemorySegment callState, int fd, MemorySegment buffer, int length) {
        try {
            long n = (long) WRITE.invokeExact(callState, fd, buffer, (long) length);
            return n < 0 ? -errno(callState) : (int) n;
        } catch (Throwable t) {
            throw new IllegalStateException("write", t);
        }
    }

    /** Packet path: {@code poll(fds, n, timeoutMillis)}; returns ready count or -errno. */
    public static int poll(MemorySegment callState, MemorySegment fds, int count, int timeoutMillis) {
        try {
            int n = (int) POLL.invokeExact(callState, fds, (long) count, timeoutMillis);
            return n < 0 ? -errno(callState) : n;
        } catch (Throwable t) {
            throw new IllegalStateException("poll", t);
        }
    }

    /** Packet path: {@code recvmmsg(fd, vector, length, flags, NULL)}; returns messages or -errno. */
    public static int recvmmsg(MemorySegment callState, int fd, MemorySegment vector, int length, int flags) {
        try {
            int n = (int) RECVMMSG.invokeExact(callState, fd, vector, length, flags, MemorySegment.NULL);
            return n < 0 ? -errno(callState) : n;
        } catch (Throwable t) {
            throw new IllegalStateException("recvmmsg", t);
        }
    }

    /** Packet path: {@code sendmmsg(fd, vector, length, flags)}; returns messages sent or -errno. */
    public static int sendmmsg(MemorySegment callState, int fd, MemorySegment vector, int length, int flags) {
        try {
            int n = (int) SENDMMSG.invokeExact(callState, fd, vector, length, flags);
            return n < 0 ? -errno(callState) : n;
        } catch (Throwable t) {
            throw new IllegalStateException("sendmmsg", t);
        }
    }

    /** Packet path: {@code sendto} of one datagram from native memory; returns bytes or -errno. */
    public static int sendto(MemorySegment callState, int fd, MemorySegment buffer, int length, MemorySegment address, int addressLength) {
        try {
            long n = (long) SENDTO.invokeExact(callState, fd, buffer, (long) length, 0, address, addressLength);
            return n < 0 ? -errno(callState) : (int) n;
        } catch (Throwable t) {
            throw new IllegalStateException("sendto", t);
        }
    }
}

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

/**
 * The few libc calls plexd makes through FFM, each returning its result or throwing an
 * {@link IOException} that carries the call, errno and its text. Linux only.
 */
public final class Libc {

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);

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
}

package dev.plexd.daemon;

import dev.plexd.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Makes the daemon's network capabilities ambient, so the tools it runs ({@code nft},
 * {@code iptables}, {@code ip}, {@code wg}, {@code wireguard-go}) inherit them. A non-root plexd
 * gets CAP_NET_ADMIN from systemd's {@code AmbientCapabilities} (already ambient) or, in the
 * container, from a file capability on the JVM — which children lose at exec, and which
 * {@code ip} drops on purpose unless the capability is inheritable. Capabilities are per thread:
 * call this on the main thread before the daemon starts its own threads, which inherit them.
 */
public final class Capabilities {

    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_NET_RAW = 13;

    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final int PR_CAP_AMBIENT = 47;
    private static final int PR_CAP_AMBIENT_RAISE = 2;
    /** __user_cap_data_struct: effective, permitted, inheritable (u32 each), two of them for version 3. */
    private static final long PERMITTED = 4;
    private static final long INHERITABLE = 8;

    private static final MethodHandle CAPGET = Libc.downcall("capget", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), true);
    private static final MethodHandle CAPSET = Libc.downcall("capset", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), true);
    /** prctl is variadic, which the downcall must say. */
    private static final MethodHandle PRCTL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("prctl").orElseThrow(() -> new UnsatisfiedLinkError("libc: no prctl")),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private Capabilities() {
    }

    /**
     * Adds each capability this thread holds (permitted) to its inheritable and ambient sets.
     *
     * @return the capabilities now ambient; the ones not held are left out
     */
    public static List<Integer> raiseAmbient(int... capabilities) throws IOException {
        List<Integer> raised = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.callState(arena);
            MemorySegment header = arena.allocate(8);
            header.set(JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
            header.set(JAVA_INT, 4, 0); // this thread
            MemorySegment data = arena.allocate(24);
            if ((int) CAPGET.invokeExact(state, header, data) < 0) {
                throw Libc.failure("capget", Libc.errno(state));
            }
            List<Integer> held = new ArrayList<>();
            for (int cap : capabilities) {
                long word = 12L * (cap / 32);
                int bit = 1 << (cap % 32);
                if ((data.get(JAVA_INT, word + PERMITTED) & bit) != 0) {
                    data.set(JAVA_INT, word + INHERITABLE, data.get(JAVA_INT, word + INHERITABLE) | bit);
                    held.add(cap);
                }
            }
            if (held.isEmpty()) {
                return raised;
            }
            if ((int) CAPSET.invokeExact(state, header, data) < 0) {
                throw Libc.failure("capset", Libc.errno(state));
            }
            for (int cap : held) {
                if ((int) PRCTL.invokeExact(state, PR_CAP_AMBIENT, (long) PR_CAP_AMBIENT_RAISE, (long) cap, 0L, 0L) < 0) {
                    throw Libc.failure("prctl(PR_CAP_AMBIENT_RAISE, " + cap + ")", Libc.errno(state));
                }
                raised.add(cap);
            }
            return raised;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("capabilities: " + t.getMessage(), t);
        }
    }
}

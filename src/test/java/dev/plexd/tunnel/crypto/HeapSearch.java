package dev.plexd.tunnel.crypto;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Whether a secret is still reachable anywhere in this JVM: dumps the live heap (a full GC first,
 * so garbage does not count) and searches the dump for the secret's bytes. The secret is held
 * masked until after the dump, so the search itself puts no copy in the heap it looks at.
 */
public final class HeapSearch {

    private HeapSearch() {
    }

    /** A secret XOR a random mask: neither array is the secret. */
    public record Masked(byte[] masked, byte[] mask) {

        /** Masks {@code secret}; the caller then wipes its own copy. */
        public static Masked of(byte[] secret) {
            byte[] mask = new byte[secret.length];
            new SecureRandom().nextBytes(mask);
            byte[] masked = new byte[secret.length];
            for (int i = 0; i < secret.length; i++) {
                masked[i] = (byte) (secret[i] ^ mask[i]);
            }
            return new Masked(masked, mask);
        }
    }

    /**
     * True if any of the secrets is reachable in the live heap, as bytes ({@code byte[]}) or as
     * the little-endian words an {@code int[]} holds them in (the JDK's ChaCha20 state; a heap
     * dump writes ints big-endian, so those appear byte-swapped per word).
     */
    public static boolean liveHeapContains(Masked... secrets) throws IOException {
        Path dir = Files.createTempDirectory("q6heap");
        Path dump = dir.resolve("live.hprof");
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.toString(), true);
            try (FileChannel channel = FileChannel.open(dump, StandardOpenOption.READ)) {
                MappedByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
                for (Masked secret : secrets) {
                    byte[] plain = new byte[secret.masked().length];
                    try {
                        for (int i = 0; i < plain.length; i++) {
                            plain[i] = (byte) (secret.masked()[i] ^ secret.mask()[i]);
                        }
                        if (contains(data, plain) || contains(data, swapWords(plain))) {
                            return true;
                        }
                    } finally {
                        Arrays.fill(plain, (byte) 0);
                    }
                }
                return false;
            }
        } finally {
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dir);
        }
    }

    private static byte[] swapWords(byte[] bytes) {
        byte[] swapped = new byte[bytes.length];
        for (int i = 0; i + 3 < bytes.length; i += 4) {
            for (int j = 0; j < 4; j++) {
                swapped[i + j] = bytes[i + 3 - j];
            }
        }
        return swapped;
    }

    private static boolean contains(MappedByteBuffer data, byte[] pattern) {
        int limit = data.limit() - pattern.length;
        byte first = pattern[0];
        outer:
        for (int i = 0; i <= limit; i++) {
            if (data.get(i) != first) {
                continue;
            }
            for (int j = 1; j < pattern.length; j++) {
                if (data.get(i + j) != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

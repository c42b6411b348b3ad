package dev.plexd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** File helpers for tests and benchmarks that manage directories outside JUnit's {@code @TempDir}. */
public final class TempFiles {

    private TempFiles() {
    }

    /** Deletes {@code dir} and everything below it, deepest first. */
    public static void deleteRecursively(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}

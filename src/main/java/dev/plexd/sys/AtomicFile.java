package dev.plexd.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file so that readers, and a crash at any moment, see the old content or the new one,
 * never a mix: a hidden temporary file beside it, created with its final mode (a secret is never
 * readable by others, not even briefly), synced, renamed over the target, and the directory
 * synced so the rename survives a power loss.
 */
public final class AtomicFile {

    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFile() {
    }

    public static void write(Path file, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, tempPrefix(file), TEMP_SUFFIX, PosixFilePermissions.asFileAttribute(mode));
        try {
            // createTempFile's mode passes through the umask: set it exactly.
            Files.setPosixFilePermissions(temp, mode);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** Removes temporary files a crash left between creating and renaming them; returns how many. */
    public static int removeLeftovers(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, tempPrefix(file) + "*" + TEMP_SUFFIX)) {
            for (Path temp : temps) {
                removed += Files.deleteIfExists(temp) ? 1 : 0;
            }
        }
        return removed;
    }

    private static final String TEMP_SUFFIX = ".tmp";

    /** Hidden, so directory loaders that skip dot files never read a half-written one. */
    private static String tempPrefix(Path file) {
        return "." + file.getFileName() + ".";
    }
}

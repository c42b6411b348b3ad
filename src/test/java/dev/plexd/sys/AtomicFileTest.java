package dev.plexd.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void replacesTheContentWithExactlyTheGivenModeAndLeavesNoTemporaryFile() throws Exception {
        Path file = Files.writeString(dir.resolve("identity.json"), "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));

        AtomicFile.write(file, "new".getBytes(StandardCharsets.UTF_8), AtomicFile.OWNER_ONLY);

        assertThat(file).hasContent("new");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(AtomicFile.OWNER_ONLY);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aWiderModeIsKeptExactlyToo() throws Exception {
        Path file = dir.resolve("global.policy");
        AtomicFile.write(file, "allow tcp 22\n".getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void leftoversOfACrashAreRemovedAndNothingElse() throws Exception {
        Path file = Files.writeString(dir.resolve("state.json"), "{}");
        Path torn = Files.writeString(dir.resolve(".state.json.123.tmp"), "{\"peers\": [");
        Path other = Files.writeString(dir.resolve(".other.json.123.tmp"), "keep");

        assertThat(AtomicFile.removeLeftovers(file)).isEqualTo(1);

        assertThat(torn).doesNotExist();
        assertThat(other).exists();
        assertThat(file).hasContent("{}");
    }
}

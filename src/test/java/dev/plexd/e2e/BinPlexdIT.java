package dev.plexd.e2e;

import dev.plexd.Version;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/plexd} runs the packaged jar with JDK 25 from any directory, also when reached through
 * a symlink (an install into {@code ~/bin} or {@code /usr/local/bin}), while the {@code java} on the
 * PATH and {@code JAVA_HOME} point at an older JDK: the script must choose JDK 25 itself.
 */
class BinPlexdIT {

    private static final Path PROJECT = Path.of("").toAbsolutePath();
    private static final Path SCRIPT = PROJECT.resolve("bin/plexd");

    @TempDir
    Path elsewhere;

    @BeforeEach
    void jarIsPackaged() {
        // Without the jar the script would start a nested Maven build; ITs run after package.
        assertThat(PROJECT.resolve("target/plexd.jar")).as("run after package").isRegularFile();
    }

    @Test
    void versionFromAnotherDirectory() throws Exception {
        assertPrintsVersion(SCRIPT, elsewhere);
    }

    @Test
    void versionThroughASymlinkInAnotherDirectory(@TempDir Path binDir) throws Exception {
        Path link = Files.createSymbolicLink(binDir.resolve("plexd"), SCRIPT);
        try {
            assertPrintsVersion(link, elsewhere);
        } finally {
            Files.delete(link); // spares JUnit's warning about a link leaving its temp dir
        }
    }

    private static void assertPrintsVersion(Path command, Path workingDir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command.toString(), "--version")
                .directory(workingDir.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeAll(List.of("PLEXD_JAVA_HOME", "PLEXD_JAR", "PLEXD_JAVA_OPTS"));
        Optional<Path> older = olderJdk();
        String path = "/usr/local/bin:/usr/bin:/bin";
        if (older.isPresent()) {
            env.put("JAVA_HOME", older.get().toString());
            env.put("PATH", older.get().resolve("bin") + ":" + path);
        } else {
            env.remove("JAVA_HOME");
            env.put("PATH", path);
        }
        Process process = builder.start();
        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String setting = older.map(jdk -> "with JAVA_HOME and PATH at " + jdk).orElse("without JAVA_HOME");
        assertThat(finished).as("%s --version finished (%s):%n%s", command, setting, output).isTrue();
        assertThat(process.exitValue()).as("exit status of %s --version (%s):%n%s", command, setting, output).isZero();
        assertThat(output.lines().toList()).as("%s --version in %s (%s)", command, workingDir, setting)
                .hasSize(2)
                .satisfies(lines -> {
                    assertThat(lines.get(0)).isEqualTo("plexd " + Version.get());
                    assertThat(lines.get(1)).startsWith("Java 25");
                });
    }

    /** A JDK older than 25 installed beside it (the machine's default java is 17), to make the PATH's java wrong. */
    private static Optional<Path> olderJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(jvms)) {
            return dirs.filter(dir -> Files.isExecutable(dir.resolve("bin/java")))
                    .filter(dir -> majorVersion(dir).map(major -> major < 25).orElse(false))
                    .sorted()
                    .findFirst();
        }
    }

    /** The major version from a JDK's {@code release} file ({@code JAVA_VERSION="17.0.15"}). */
    private static Optional<Integer> majorVersion(Path jdk) {
        try {
            return Files.readAllLines(jdk.resolve("release")).stream()
                    .filter(line -> line.startsWith("JAVA_VERSION="))
                    .map(line -> line.substring("JAVA_VERSION=".length()).replace("\"", ""))
                    .map(version -> Integer.parseInt(version.split("[.+-]")[0]))
                    .findFirst();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}

package dev.plexd.e2e;

import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command, automated: {@code scripts/demo} against the jar this build just
 * packaged. It runs the control plane and three daemons as real processes in namespaces and checks
 * policy enforcement, a live policy edit within 2 s, a service rule, a forged event, and a
 * {@code kill -9} restart with the control plane down while a denied connection is probed.
 */
class DemoIT {

    private static final Path PROJECT = Path.of("").toAbsolutePath();

    @Test
    @Privileged(tools = {"ip", "curl", "iperf3", "ping", "timeout"})
    void demoPassesEveryCheck() throws IOException, InterruptedException {
        Path output = Files.createTempFile("plexd-demo", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(List.of(PROJECT.resolve("scripts/demo").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().put("PLEXD_JAR", PROJECT.resolve("target/plexd.jar").toString());
            Process demo = builder.start();
            boolean finished = demo.waitFor(5, TimeUnit.MINUTES);
            if (!finished) {
                demo.destroy(); // SIGTERM: the script's trap cleans up
                demo.waitFor(30, TimeUnit.SECONDS);
            }
            String log = Files.readString(output, StandardCharsets.UTF_8);
            System.out.println(log);
            assertThat(finished).as("demo finished within 5 minutes:%n%s", log).isTrue();
            assertThat(log).as("demo output").doesNotContain("  FAIL  ").contains("demo: PASS");
            assertThat(demo.exitValue()).as("demo exit status:%n%s", log).isZero();
        } finally {
            Files.deleteIfExists(output);
        }
    }
}

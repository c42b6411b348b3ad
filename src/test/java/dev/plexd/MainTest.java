package dev.plexd;

import dev.plexd.logging.LogSetup;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Run run = run("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("plexd ").doesNotContain("${");
    }

    @Test
    void helpListsTheCommand() {
        Run run = run("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: plexd", "--log-format");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run run = run("--bogus");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--bogus'");
    }

    @Test
    void rootLogOptionsApplyToEverySubcommand() {
        try {
            Run run = run("--log-format", "text", "--log-level", "debug", "help");
            assertThat(run.exitCode()).isZero();
            assertThat(System.getProperty("plexd.log.format")).isEqualTo("text");
            assertThat(org.slf4j.LoggerFactory.getLogger("dev.plexd").isDebugEnabled()).isTrue();

            Run bad = run("--log-level", "verbose", "status");
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.err()).contains("--log-level: log level must be one of");
        } finally {
            LogSetup.configure(LogSetup.Format.JSON, "info", LogSetup.Target.STDOUT);
        }
    }
}

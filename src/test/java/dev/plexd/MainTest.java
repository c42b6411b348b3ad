package dev.plexd;

import dev.plexd.logging.LogSetup;
import dev.plexd.testing.CliRun;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    private static CliRun run(String... args) {
        return CliRun.plexd(args);
    }

    @Test
    void versionPrintsTheBuildVersion() {
        CliRun run = run("--version");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("plexd ").doesNotContain("${");
    }

    @Test
    void helpListsTheCommand() {
        CliRun run = run("--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Usage: plexd", "--log-format");
    }

    @Test
    void helpListsEverySubcommandWhileASubcommandBuildsOnlyItself() {
        assertThat(Main.commandLine("--help").getSubcommands().keySet())
                .containsExactly("help", "up", "status", "peers", "policies", "service", "tunnel", "controlplane");
        assertThat(Main.commandLine("--log-format", "text", "up", "--config", "x.yaml").getSubcommands().keySet())
                .containsExactly("help", "up");
        assertThat(Main.commandLine("help", "status").getSubcommands().keySet()).containsExactly("help", "status");

        CliRun typo = run("statsu");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("Did you mean: plexd status");
    }

    @Test
    void unknownOptionIsAUsageError() {
        CliRun run = run("--bogus");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--bogus'");
    }

    @Test
    void rootLogOptionsApplyToEverySubcommand() {
        try {
            CliRun run = run("--log-format", "text", "--log-level", "debug", "help");
            assertThat(run.exit()).isZero();
            assertThat(System.getProperty("plexd.log.format")).isEqualTo("text");
            assertThat(org.slf4j.LoggerFactory.getLogger("dev.plexd").isDebugEnabled()).isTrue();

            CliRun bad = run("--log-level", "verbose", "status");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("--log-level: log level must be one of");
        } finally {
            LogSetup.configure(LogSetup.Format.JSON, "info", LogSetup.Target.STDOUT);
        }
    }
}

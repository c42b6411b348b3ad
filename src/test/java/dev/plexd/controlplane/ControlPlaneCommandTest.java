package dev.plexd.controlplane;

import dev.plexd.Main;
import dev.plexd.api.RegisterRequest;
import dev.plexd.api.client.ControlPlaneClient;
import dev.plexd.api.client.ControlPlaneSettings;
import dev.plexd.api.client.UnauthorizedException;
import dev.plexd.testing.Fixtures;
import dev.plexd.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlPlaneCommandTest {

    @TempDir
    Path dir;

    private static ControlPlaneCommand parse(String... args) {
        CommandLine.ParseResult result = Main.commandLine().parseArgs(args);
        return (ControlPlaneCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void optionsBecomeServerOptions() throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "tok-from-file\n");
        DevControlPlane.Options options = parse("controlplane", "--state", "s.yaml", "--listen", "[::1]:0",
                "--signing-key", "k.pem", "--token-file", tokenFile.toString(), "--keepalive-seconds", "5").options();

        assertThat(options.stateFile()).isEqualTo(Path.of("s.yaml"));
        assertThat(options.listen()).isEqualTo(new InetSocketAddress("::1", 0));
        assertThat(options.bootstrapToken()).isEqualTo("tok-from-file");
        assertThat(options.keepAlive()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.toString()).doesNotContain("tok-from-file");

        DevControlPlane.Options defaults = parse("controlplane", "--state", "s.yaml", "--signing-key", "k.pem",
                "--token", "t").options();
        assertThat(defaults.listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(defaults.registrationsFile()).isNull();
    }

    @Test
    void withoutATokenOptionEachRunGetsARandomTokenAndBadAddressesAreUsageErrors() {
        String first = parse("controlplane", "--state", "s.yaml", "--signing-key", "k.pem").options().bootstrapToken();
        String second = parse("controlplane", "--state", "s.yaml", "--signing-key", "k.pem").options().bootstrapToken();
        assertThat(first).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(second);

        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("controlplane", "--state", "s.yaml", "--signing-key", "k.pem", "--token", "t",
                "--token-file", "f")).isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");

        assertThatThrownBy(() -> parse("controlplane", "--state", "s", "--signing-key", "k", "--token", "t",
                "--listen", "localhost").options()).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> parse("controlplane", "--state", "s", "--signing-key", "k", "--token", "t",
                "--listen", "127.0.0.1:99999").options()).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("bad port");
    }

    @Test
    void theIssuesCommandLineGeneratesAPrivateTokenFileThatIsTheOnlyTokenAccepted() throws Exception {
        Path state = Files.writeString(dir.resolve("state.yaml"), DevControlPlaneTest.STATE);
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        ControlPlaneCommand command = (ControlPlaneCommand) cli.parseArgs("controlplane", "--state", state.toString(),
                "--listen", "127.0.0.1:0", "--signing-key", dir.resolve("keys/signing.pem").toString())
                .subcommand().commandSpec().userObject();
        Files.createDirectories(dir.resolve("keys"));
        Path tokenFile = dir.resolve("keys/bootstrap-token");

        try (LogCapture logs = LogCapture.of(ControlPlaneCommand.class);
             DevControlPlane plane = command.launch();
             ControlPlaneClient client = new ControlPlaneClient(ControlPlaneSettings.defaults().withUrl(plane.url()))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
            String token = Files.readString(tokenFile).strip();
            assertThat(token).hasSize(43);

            assertThat(logs.events()).singleElement().satisfies(e -> {
                assertThat(e.getFormattedMessage()).contains("bootstrap token generated");
                assertThat(LogCapture.fields(e)).containsEntry("file", tokenFile.toString());
            });
            assertThat(logs.text()).doesNotContain(token);
            assertThat(out.toString()).contains("bootstrap token in " + tokenFile).doesNotContain(token);

            assertThat(client.register(new RegisterRequest(token, Fixtures.keyFor("alpha-node"), "alpha", null)).nodeId())
                    .isEqualTo("alpha");
            assertThatThrownBy(() -> client.register(new RegisterRequest("some-other-token", Fixtures.keyFor("beta-node"),
                    "beta", null))).isInstanceOf(UnauthorizedException.class);
        }
    }

    @Test
    void unreadableFilesAreReportedWithoutAStackTrace() {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("controlplane", "--state", dir.resolve("s.yaml").toString(), "--signing-key",
                dir.resolve("k.pem").toString(), "--token-file", dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--token-file: cannot read " + dir.resolve("missing"));

        err.getBuffer().setLength(0);
        assertThat(cli.execute("controlplane", "--state", dir.resolve("missing.yaml").toString(), "--signing-key",
                dir.resolve("k.pem").toString(), "--token", "t", "--listen", "127.0.0.1:0")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("plexd controlplane: state file " + dir.resolve("missing.yaml")
                + ": does not exist" + System.lineSeparator());

        // A start that fails leaves no generated token behind.
        assertThat(cli.execute("controlplane", "--state", dir.resolve("missing.yaml").toString(), "--signing-key",
                dir.resolve("k.pem").toString(), "--listen", "127.0.0.1:0")).isEqualTo(1);
        assertThat(dir.resolve(ControlPlaneCommand.GENERATED_TOKEN_FILE)).doesNotExist();
    }

    @Test
    void helpDescribesItAsADevelopmentTool() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("controlplane", "--help")).isZero();
        assertThat(out.toString()).contains("Development control plane", "production server", "--signing-key");
    }
}

package dev.plexd.controlplane;

import dev.plexd.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void aTokenIsRequiredAndBadAddressesAreUsageErrors() {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("controlplane", "--state", "s.yaml", "--signing-key", "k.pem")).isEqualTo(2);
        assertThat(err.toString()).contains("--token=TOKEN", "--token-file=FILE");

        assertThatThrownBy(() -> parse("controlplane", "--state", "s", "--signing-key", "k", "--token", "t",
                "--listen", "localhost").options()).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> parse("controlplane", "--state", "s", "--signing-key", "k", "--token", "t",
                "--listen", "127.0.0.1:99999").options()).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("bad port");
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

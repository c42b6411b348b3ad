package dev.plexd.tunnel;

import dev.plexd.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class TunnelCommandTest {

    @Test
    void isRegisteredWithItsOptions() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("tunnel", "--help")).isZero();
        assertThat(out.toString()).contains("IFACE", "--mtu", "--services", "--no-offloads", "--uapi-dir");
    }

    @Test
    void rejectsAMissingInterfaceName() {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        assertThat(cli.execute("tunnel")).isEqualTo(2);
    }
}

package dev.plexd.daemon;

import dev.plexd.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class UpCommandTest {

    @TempDir
    Path dir;

    static CliRun plexd(String... args) {
        return CliRun.plexd(args);
    }

    @Test
    void aBadConfigExitsWithExConfigListingEveryError() throws Exception {
        Path config = Files.writeString(dir.resolve("plexd.yaml"), """
                wireguard:
                  listen_port: 70000
                  mtu: 1420
                  mtus: 1
                """);
        CliRun run = plexd("up", "--config", config.toString(), "--data-dir", dir.toString());
        assertThat(run.exit()).isEqualTo(UpCommand.EXIT_CONFIG);
        assertThat(run.err()).startsWith("plexd: invalid configuration (" + config + "): 5 errors")
                .contains("\n  wireguard.listen_port: must be 1..65535, got 70000\n")
                .contains("\n  wireguard.mtus: unknown key; did you mean wireguard.mtu?\n")
                .contains("\n  node.id: required in local mode (no control_plane.url)\n")
                .contains("\n  node.mesh_ip: required in local mode")
                .contains("\n  state_file: required in local mode");
    }

    @Test
    void checkConfigPrintsEffectiveValuesWithTheirSource() throws Exception {
        Path state = Files.writeString(dir.resolve("state.yaml"), "peers: []\n");
        Path config = Files.writeString(dir.resolve("plexd.yaml"), """
                node: {id: alpha, mesh_ip: 10.100.0.1}
                control_plane: {bootstrap_token: do-not-print-me}
                """);
        CliRun run = plexd("up", "--config", config.toString(), "--state-file", state.toString(), "--data-dir", dir.toString(),
                "--log-format", "text", "--log-level", "debug", "--set", "wireguard.mtu=1380", "--check-config");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("(?m)^node\\.id\\s+alpha\\s+file \\(" + config + "\\)$")
                .containsPattern("(?m)^log\\.format\\s+text\\s+cli$")
                .containsPattern("(?m)^log\\.level\\s+debug\\s+cli")
                .containsPattern("(?m)^wireguard\\.mtu\\s+1380\\s+cli")
                .containsPattern("(?m)^state_file\\s+" + state + "\\s+cli")
                .containsPattern("(?m)^api\\.socket\\s+/run/plexd/api\\.sock\\s+default$")
                .containsPattern("(?m)^control_plane\\.bootstrap_token\\s+<redacted>\\s+file")
                .endsWith("configuration is valid\n")
                .doesNotContain("do-not-print-me");
        assertThat(run.err()).contains("warning: control_plane.bootstrap_token: ignored in local mode").doesNotContain("do-not-print-me");
    }
}

package dev.plexd.daemon.cli;

import dev.plexd.api.Json;
import dev.plexd.daemon.Daemon;
import dev.plexd.daemon.LocalNode;
import dev.plexd.testing.CliRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code plexd status|peers|policies} against a running local-mode daemon. */
class CliTest {

    @TempDir
    Path dir;
    LocalNode node;
    Daemon daemon;

    static CliRun plexd(String... args) {
        return CliRun.plexd(args);
    }

    @BeforeEach
    void start() throws Exception {
        node = new LocalNode(dir);
        // One cycle only: a second one (unchanged) would replace the "applied" outcome statusTable expects.
        daemon = node.daemon("reconcile.interval=1h");
        daemon.start();
        until("first reconcile", () -> daemon.status().ready());
    }

    @AfterEach
    void stop() {
        daemon.stop();
    }

    @Test
    void statusTable() {
        CliRun run = plexd("status", "--socket", node.socket.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).containsPattern("(?m)^Node:\\s+alpha  10\\.100\\.0\\.1/16  \\(host \\S+\\)$")
                .containsPattern("(?m)^Mode:\\s+local \\(state file\\)$")
                .containsPattern("(?m)^Ready:\\s+yes$")
                .containsPattern("(?m)^Last reconcile:\\s+applied at \\S+ \\(\\d+ ms\\); last success \\S+$")
                .containsPattern("(?m)^Peers:\\s+1 configured, 1 allowed by policy, 3 in the desired state$")
                .containsPattern("(?m)^Firewall:\\s+nftables, chain plexd-mesh, \\d+ rules$")
                .containsPattern("(?m)^Services:\\s+disabled$")
                .containsPattern("(?m)^Interface:\\s+plexd0 \\(userspace\\)$");
    }

    @Test
    void statusJsonIsTheApiAnswer() throws Exception {
        CliRun run = plexd("status", "--json", "--socket", node.socket.toString());
        assertThat(run.exit()).isZero();
        var json = Json.MAPPER.readTree(run.out());
        assertThat(json.at("/node/id").asText()).isEqualTo("alpha");
        assertThat(json.at("/ready").asBoolean()).isTrue();
    }

    @Test
    void peersTable() {
        CliRun run = plexd("peers", "--socket", node.socket.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out().lines().toList()).hasSize(4);
        assertThat(run.out()).containsPattern("(?m)^ID\\s+MESH IP\\s+ENDPOINT\\s+ALLOWED\\s+CONFIGURED\\s+PUBLIC KEY$")
                .containsPattern("(?m)^beta\\s+10\\.100\\.0\\.2\\s+192\\.0\\.2\\.2:51820\\s+yes\\s+yes\\s+" + LocalNode.BETA_KEY + "$")
                .containsPattern("(?m)^gamma\\s+10\\.100\\.0\\.3\\s+192\\.0\\.2\\.3:51820\\s+no\\s+no\\s+" + LocalNode.GAMMA_KEY + "$")
                .containsPattern("(?m)^alpha\\s+10\\.100\\.0\\.1\\s+-\\s+no\\s+no\\s+");
        CliRun json = plexd("peers", "--json", "--socket", node.socket.toString());
        assertThat(json.out()).contains("\"peers\"").doesNotContain("psk");
    }

    @Test
    void policiesTable() {
        CliRun run = plexd("policies", "--socket", node.socket.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("""
                POLICY      SRC    DST   PROTOCOL  PORT  ACTION
                alpha-beta  alpha  beta  tcp       22    allow
                """);
    }

    @Test
    void aDaemonThatIsNotRunningIsSaidPlainly() {
        CliRun run = plexd("status", "--socket", dir.resolve("nope.sock").toString());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("plexd: plexd is not running: no API socket at " + dir.resolve("nope.sock"));
        daemon.stop();
        CliRun stopped = plexd("peers", "--socket", node.socket.toString());
        assertThat(stopped.exit()).isEqualTo(3);
        assertThat(stopped.err()).contains("plexd is not running");
    }
}

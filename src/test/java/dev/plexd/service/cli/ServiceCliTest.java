package dev.plexd.service.cli;

import dev.plexd.Main;
import dev.plexd.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code plexd service …} end to end through the real command line, in a temporary config directory. */
class ServiceCliTest {

    @TempDir
    Path configDir;

    private CliRun plexd(String... args) {
        List<String> argv = new ArrayList<>(List.of("service", "--config-dir", configDir.toString()));
        argv.addAll(List.of(args));
        return CliRun.plexd(argv.toArray(String[]::new));
    }

    private String ok(String... args) {
        CliRun run = plexd(args);
        assertThat(run.err()).as("stderr of %s", List.of(args)).isEmpty();
        assertThat(run.exit()).as("exit of %s", List.of(args)).isZero();
        return run.out();
    }

    private String file(String relative) throws Exception {
        return Files.readString(configDir.resolve("services").resolve(relative));
    }

    @Test
    void example1AllowOnlySshAndHttps() throws Exception {
        assertThat(ok("default", "deny")).isEqualTo("Default policy set to: deny\n");
        assertThat(ok("allow", "tcp", "22")).isEqualTo("Rule added (global): allow tcp 22\n");
        assertThat(ok("allow", "tcp", "443")).isEqualTo("Rule added (global): allow tcp 443\n");
        assertThat(file("default")).isEqualTo("deny\n");
        assertThat(file("global.policy")).isEqualTo("allow tcp 22\nallow tcp 443\n");

        assertThat(ok("check", "any-peer", "tcp", "22")).isEqualTo("allow (services/global.policy:1: allow tcp 22)\n");
        assertThat(ok("check", "any-peer", "tcp", "443")).isEqualTo("allow (services/global.policy:2: allow tcp 443)\n");
        assertThat(ok("check", "any-peer", "tcp", "80")).isEqualTo("deny (default)\n");
        assertThat(ok("check", "any-peer", "udp", "22")).isEqualTo("deny (default)\n");
    }

    @Test
    void example2AllowAllButBlockDatabases() {
        ok("deny", "tcp", "3306");
        ok("deny", "tcp", "5432");
        ok("deny", "tcp", "27017");
        assertThat(ok("check", "x", "tcp", "5432")).isEqualTo("deny (services/global.policy:2: deny tcp 5432)\n");
        assertThat(ok("check", "x", "tcp", "27017")).isEqualTo("deny (services/global.policy:3: deny tcp 27017)\n");
        assertThat(ok("check", "x", "tcp", "80")).isEqualTo("allow (default)\n");
        assertThat(ok("show")).isEqualTo("Default: allow\nGlobal policy: yes\nPeer policies: 0\nOrg policies: 0\n");
    }

    @Test
    void example3PerPeerOverrideThenShowListCheckRemoveReset() throws Exception {
        ok("default", "deny");
        ok("allow", "tcp", "22");
        assertThat(ok("allow", "--peer", "db-admin", "tcp", "5432")).isEqualTo("Rule added (peer 'db-admin'): allow tcp 5432\n");
        assertThat(ok("allow", "--org", "eosrio", "tcp", "80")).isEqualTo("Rule added (org 'eosrio'): allow tcp 80\n");
        Files.writeString(configDir.resolve("services/org/eosrio.members"), "db-admin\n");

        assertThat(ok("check", "db-admin", "tcp", "5432")).isEqualTo("allow (services/peer/db-admin.policy:1: allow tcp 5432)\n");
        assertThat(ok("check", "db-admin", "tcp", "80")).isEqualTo("allow (services/org/eosrio.policy:1: allow tcp 80)\n");
        assertThat(ok("check", "web-1", "tcp", "5432")).isEqualTo("deny (default)\n");

        assertThat(ok("show")).isEqualTo("""
                Default: deny
                Global policy: yes
                Peer policies: 1
                Org policies: 1
                """);
        assertThat(ok("show", "db-admin")).isEqualTo("""
                Effective policy for 'db-admin':

                Peer files: services/peer/db-admin.policy
                Orgs: eosrio
                Rules, first match wins:
                  services/peer/db-admin.policy:1  allow tcp 5432
                  services/org/eosrio.policy:1     allow tcp 80
                  services/global.policy:1         allow tcp 22
                  default                          deny

                TCP allowed: 22, 80, 5432
                TCP denied:  0-21, 23-79, 81-5431, 5433-65535
                UDP allowed: none
                UDP denied:  all
                """);
        assertThat(ok("list")).isEqualTo("""
                Default: deny

                [Global]
                  allow tcp 22

                [Peer: db-admin]
                  allow tcp 5432

                [Org: eosrio]
                  allow tcp 80

                [Org members: eosrio]
                  db-admin

                """);

        assertThat(ok("remove", "--peer", "db-admin", "allow", "tcp", "5432")).isEqualTo("Rule removed (peer 'db-admin'): allow tcp 5432\n");
        assertThat(configDir.resolve("services/peer/db-admin.policy")).doesNotExist();
        assertThat(ok("check", "db-admin", "tcp", "5432")).isEqualTo("deny (default)\n");
        CliRun missing = plexd("remove", "--peer", "db-admin", "allow", "tcp", "5432");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("error: rule not found (peer 'db-admin'): allow tcp 5432\n");

        assertThat(ok("reset")).isEqualTo("Service policies reset (default: allow all)\n");
        assertThat(ok("list")).isEqualTo("No service policies configured (default: allow all)\n");
        assertThat(ok("check", "db-admin", "tcp", "5432")).isEqualTo("allow (default)\n");
        assertThat(configDir.resolve("services/org/eosrio.members")).as("member lists stay").exists();
        assertThat(ok("reset")).isEqualTo("No service policies to reset.\n");
    }

    @Test
    void showOfAPeerCoversTcpAndUdpAndTheDefault() {
        ok("deny", "udp", "53");
        ok("allow", "all", "1000-2000");
        assertThat(ok("show", "node-9")).endsWith("""
                Rules, first match wins:
                  services/global.policy:1  deny udp 53
                  services/global.policy:2  allow all 1000-2000
                  default                   allow

                TCP allowed: all
                TCP denied:  none
                UDP allowed: 0-52, 54-65535
                UDP denied:  53
                """);
    }

    @Test
    void noServicesDirectory() {
        assertThat(ok("list")).isEqualTo("No service policies configured (default: allow all)\n");
        assertThat(ok("check", "x", "udp", "53")).isEqualTo("allow (default)\n");
        assertThat(ok("reload", "--api-socket", configDir.resolve("api.sock").toString()))
                .startsWith("No service policies configured (default: allow all)\nNo running daemon at ");
        assertThat(ok("reset")).isEqualTo("No service policies to reset.\n");
    }

    @Test
    void removeKeepsCommentsAndOtherRules() throws Exception {
        Files.createDirectories(configDir.resolve("services"));
        Files.writeString(configDir.resolve("services/global.policy"), "# ssh\nallow tcp 22\n\nallow tcp 443\nallow tcp 22\n");
        assertThat(ok("remove", "allow", "tcp", "22")).isEqualTo("Rule removed (global): allow tcp 22\n");
        assertThat(file("global.policy")).isEqualTo("# ssh\n\nallow tcp 443\n");
    }

    @Test
    void addingIsIdempotentAndWarnsAboutShadowedRules() throws Exception {
        ok("deny", "all");
        CliRun shadowed = plexd("allow", "tcp", "22");
        assertThat(shadowed.exit()).isZero();
        assertThat(shadowed.out()).isEqualTo("Rule added (global): allow tcp 22\n");
        assertThat(shadowed.err()).isEqualTo("warning: services/global.policy:1 (deny all) comes first and matches every packet "
                + "this rule matches; the new rule will never decide\n");
        assertThat(ok("allow", "tcp", "22")).isEqualTo("Rule already present (global): allow tcp 22\n");
        assertThat(file("global.policy")).isEqualTo("deny all\nallow tcp 22\n");
        assertThat(ok("deny", "all", "all")).isEqualTo("Rule already present (global): deny all\n");
    }

    @Test
    void keysAreWrittenUnderTheirUrlSafeFileName() {
        byte[] bytes = new byte[32];
        for (int i = 0; i < 32; i++) {
            bytes[i] = (byte) (0xfb + i * 7);
        }
        String key = Base64.getEncoder().encodeToString(bytes);
        assertThat(key).contains("/");
        String urlSafe = Base64.getUrlEncoder().encodeToString(bytes);
        ok("default", "deny");
        assertThat(ok("allow", "--peer", key, "tcp", "22")).isEqualTo("Rule added (peer '" + key + "'): allow tcp 22\n");
        assertThat(configDir.resolve("services/peer/" + urlSafe + ".policy")).exists();
        assertThat(ok("check", key, "tcp", "22")).isEqualTo("allow (services/peer/" + urlSafe + ".policy:1: allow tcp 22)\n");
        // A URL-safe key may start with "-": "--" ends the options.
        assertThat(ok("check", "--", urlSafe, "tcp", "22")).startsWith("allow");
    }

    /** A key whose standard base64 holds {@code +} (and {@code /} when asked), starting with a letter. */
    private static byte[] keyWithPlus(boolean slashToo) {
        byte[] bytes = new byte[32];
        for (int i = 3; i < 30; i += 3) { // fb ef be encodes as "++++"
            bytes[i] = (byte) 0xfb;
            bytes[i + 1] = (byte) 0xef;
            bytes[i + 2] = (byte) 0xbe;
        }
        if (slashToo) {
            bytes[30] = (byte) 0xff; // "//" within the last group
            bytes[31] = (byte) 0xff;
        }
        return bytes;
    }

    @ParameterizedTest(name = "slash too: {0}")
    @ValueSource(booleans = {false, true})
    void everySpellingOfAKeyEditsAndReadsOneUrlSafeFile(boolean slashToo) throws Exception {
        byte[] bytes = keyWithPlus(slashToo);
        String standard = Base64.getEncoder().encodeToString(bytes);
        String urlSafe = Base64.getUrlEncoder().encodeToString(bytes);
        String urlSafeUnpadded = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThat(standard).contains("+").startsWith("A");
        assertThat(standard.contains("/")).isEqualTo(slashToo);
        String file = "services/peer/" + urlSafe + ".policy";

        ok("default", "deny");
        assertThat(ok("allow", "--peer", standard, "tcp", "22")).isEqualTo("Rule added (peer '" + standard + "'): allow tcp 22\n");
        assertThat(ok("deny", "--peer", urlSafeUnpadded, "tcp", "23")).isEqualTo("Rule added (peer '" + urlSafeUnpadded + "'): deny tcp 23\n");
        assertThat(ok("allow", "--peer", urlSafe, "tcp", "22")).isEqualTo("Rule already present (peer '" + urlSafe + "'): allow tcp 22\n");
        try (var files = Files.list(configDir.resolve("services/peer"))) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly(urlSafe + ".policy");
        }
        assertThat(file("peer/" + urlSafe + ".policy")).isEqualTo("allow tcp 22\ndeny tcp 23\n");
        for (String spelling : List.of(standard, urlSafe, urlSafeUnpadded)) {
            assertThat(ok("check", spelling, "tcp", "22")).isEqualTo("allow (" + file + ":1: allow tcp 22)\n");
            assertThat(ok("show", spelling)).contains("Peer files: " + file, "TCP allowed: 22\n");
        }
        assertThat(ok("remove", "--peer", urlSafe, "allow", "tcp", "22")).isEqualTo("Rule removed (peer '" + urlSafe + "'): allow tcp 22\n");
        assertThat(ok("remove", "--peer", standard, "deny", "tcp", "23")).isEqualTo("Rule removed (peer '" + standard + "'): deny tcp 23\n");
        assertThat(configDir.resolve(file)).doesNotExist();

        ok("allow", "--peer", standard, "tcp", "22");
        assertThat(ok("reset")).isEqualTo("Service policies reset (default: allow all)\n");
        assertThat(configDir.resolve(file)).doesNotExist();
    }

    @Test
    void aPeerFileNamedByTheStandardKeyIsStillFoundAndTwoFilesForOneKeyAreRefused() throws Exception {
        byte[] bytes = keyWithPlus(false);
        String standard = Base64.getEncoder().encodeToString(bytes);
        String urlSafe = Base64.getUrlEncoder().encodeToString(bytes);
        Path legacy = configDir.resolve("services/peer/" + standard + ".policy");
        Files.createDirectories(legacy.getParent());
        Files.writeString(legacy, "allow tcp 22\n"); // by hand, or by an older CLI

        assertThat(ok("allow", "--peer", urlSafe, "tcp", "80")).isEqualTo("Rule added (peer '" + urlSafe + "'): allow tcp 80\n");
        assertThat(Files.readString(legacy)).isEqualTo("allow tcp 22\nallow tcp 80\n");
        assertThat(configDir.resolve("services/peer/" + urlSafe + ".policy")).doesNotExist();
        assertThat(ok("check", urlSafe, "tcp", "80")).isEqualTo("allow (services/peer/" + standard + ".policy:2: allow tcp 80)\n");
        assertThat(ok("remove", "--peer", urlSafe, "allow", "tcp", "22")).isEqualTo("Rule removed (peer '" + urlSafe + "'): allow tcp 22\n");
        assertThat(Files.readString(legacy)).isEqualTo("allow tcp 80\n");

        Files.writeString(configDir.resolve("services/peer/" + urlSafe + ".policy"), "deny tcp 80\n");
        CliRun both = plexd("remove", "--peer", standard, "allow", "tcp", "80");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).isEqualTo("services/peer: several files name the same public key, merge them into services/peer/"
                + urlSafe + ".policy (" + standard + ".policy, " + urlSafe + ".policy)\n");
        assertThat(Files.readString(legacy)).as("nothing changed").isEqualTo("allow tcp 80\n");
    }

    @Test
    void badUsageExitsOne() {
        assertUsage(plexd("allow", "tcp"), "error: invalid rule: missing port after the protocol (tcp)");
        assertUsage(plexd("allow", "tcp", "65536"), "error: invalid rule: port out of range, expected 0-65535 (65536)");
        assertUsage(plexd("allow", "icmp", "1"), "error: invalid rule: unknown protocol, expected tcp, udp or all (icmp)");
        assertUsage(plexd("deny", "tcp", "22", "extra"), "Unmatched argument at index 6: 'extra'");
        assertUsage(plexd("allow", "--peer", "../etc/passwd", "tcp", "22"), "error: invalid peer name '../etc/passwd'");
        assertUsage(plexd("allow", "--org", "a/b", "tcp", "22"), "error: invalid org name 'a/b'");
        assertUsage(plexd("allow", "--peer", "", "tcp", "22"), "error: invalid peer name ''");
        assertUsage(plexd("allow", "--peer", "bad\u0007name", "tcp", "22"), "error: invalid peer name 'bad\\x07name'");
        assertUsage(plexd("allow", "--peer", "..", "tcp", "22"), "error: invalid peer name '..'");
        assertUsage(plexd("allow", "--peer", "a", "--org", "b", "tcp", "22"), "error: --peer and --org are mutually exclusive");
        assertUsage(plexd("default", "maybe"), "error: default must be 'allow' or 'deny'");
        assertUsage(plexd("check", "x", "all", "22"), "error: protocol must be tcp or udp (all)");
        assertUsage(plexd("check", "x", "tcp", "1-2"), "error: give one port, not a range (1-2)");
        assertUsage(plexd("check", "x", "tcp"), "Missing required parameter: 'PORT'");
        assertUsage(plexd("frobnicate"), "Unmatched argument at index 3: 'frobnicate'");
        assertThat(configDir.resolve("services")).doesNotExist();
    }

    private static void assertUsage(CliRun run, String message) {
        assertThat(run.exit()).as(run.err()).isEqualTo(ServiceCommand.USAGE);
        assertThat(run.err()).startsWith(message);
    }

    @Test
    void badPolicyExitsTwoWithFileLineMessages() throws Exception {
        Files.createDirectories(configDir.resolve("services/peer"));
        Files.writeString(configDir.resolve("services/peer/n1.policy"), "allow tcp 22\nallow tpc 80\n");
        for (String[] command : List.of(new String[]{"list"}, new String[]{"show"}, new String[]{"check", "n1", "tcp", "22"},
                new String[]{"reload"}, new String[]{"allow", "--peer", "n1", "tcp", "443"})) {
            CliRun run = plexd(command);
            assertThat(run.exit()).as(String.join(" ", command)).isEqualTo(ServiceCommand.BAD_POLICY);
            assertThat(run.err()).isEqualTo("services/peer/n1.policy:2: unknown protocol, expected tcp, udp or all (tpc)\n");
        }
        assertThat(file("peer/n1.policy")).as("the CLI does not write into a bad file").isEqualTo("allow tcp 22\nallow tpc 80\n");

        // An edit that succeeds while another file is bad still says the policy is not usable.
        CliRun elsewhere = plexd("allow", "tcp", "22");
        assertThat(elsewhere.out()).isEqualTo("Rule added (global): allow tcp 22\n");
        assertThat(elsewhere.exit()).isEqualTo(ServiceCommand.BAD_POLICY);
    }

    @Test
    void reloadValidatesAndCompilesEverything() {
        ok("default", "deny");
        ok("allow", "tcp", "22");
        ok("allow", "--peer", "n1", "udp", "53");
        Path socket = configDir.resolve("api.sock");
        assertThat(ok("reload", "--api-socket", socket.toString())).isEqualTo(
                "Service policy OK: 2 rules in 2 files (default: deny)\n"
                        + "No running daemon at " + socket + ": the files are saved; a running daemon picks them up"
                        + " by its directory watcher, a starting one reads them.\n");
    }

    @Test
    void reloadAsksTheRunningDaemonOverItsUnixSocket() throws Exception {
        ok("allow", "tcp", "22");
        Path socket = configDir.resolve("api.sock");
        try (FakeDaemon daemon = new FakeDaemon(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Content-Length: 31\r\n\r\n{\"reloaded\":true,\"errors\":[]}\n")) {
            assertThat(ok("reload", "--api-socket", socket.toString()))
                    .endsWith("Daemon reloaded the service policy.\n");
            assertThat(daemon.request()).startsWith("POST /v1/services/reload HTTP/1.1\r\n").contains("Content-Length: 0\r\n");
        }
        String chunkedBody = "{\"reloaded\":false,\"errors\":[\"services/peer/x.policy:1: unknown action (permit)\"]}";
        try (FakeDaemon _ = new FakeDaemon(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunkedBody.length()) + "\r\n" + chunkedBody + "\r\n0\r\n\r\n")) {
            CliRun run = plexd("reload", "--api-socket", socket.toString());
            assertThat(run.exit()).isEqualTo(ServiceCommand.BAD_POLICY);
            assertThat(run.err()).isEqualTo("The daemon rejected the files; its last good policy stays in force:\n"
                    + "services/peer/x.policy:1: unknown action (permit)\n");
        }
        try (FakeDaemon _ = new FakeDaemon(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")) {
            assertUsage(plexd("reload", "--api-socket", socket.toString()), "error: the daemon answered HTTP 404: not found");
        }
        // A socket file left by a daemon that is gone: nobody listens.
        assertThat(socket).exists();
        assertThat(ok("reload", "--api-socket", socket.toString())).contains("No running daemon at " + socket);
    }

    /** A real unix-socket server answering one request with a canned HTTP response. */
    private static final class FakeDaemon implements AutoCloseable {
        private final java.nio.channels.ServerSocketChannel server;
        private final Thread thread;
        private volatile String request = "";

        FakeDaemon(Path socket, String response) throws Exception {
            Files.deleteIfExists(socket);
            server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            thread = Thread.ofPlatform().start(() -> {
                try (var channel = server.accept()) {
                    var buffer = java.nio.ByteBuffer.allocate(4096);
                    StringBuilder text = new StringBuilder();
                    while (!text.toString().contains("\r\n\r\n") && channel.read(buffer) > 0) {
                        text.append(new String(buffer.array(), 0, buffer.position(), java.nio.charset.StandardCharsets.US_ASCII));
                        buffer.clear();
                    }
                    request = text.toString();
                    channel.write(java.nio.ByteBuffer.wrap(response.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                } catch (java.io.IOException e) {
                    request = "failed: " + e;
                }
            });
        }

        String request() throws InterruptedException {
            thread.join(5_000);
            return request;
        }

        @Override
        public void close() throws java.io.IOException {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.close(); // the socket file stays, like after a crashed daemon
        }
    }

    @Test
    void configDirOptionWorksBeforeOrAfterTheSubcommandAndFallsBackToTheEnvironment() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("service", "allow", "--config-dir", configDir.toString(), "tcp", "22")).isZero();
        assertThat(configDir.resolve("services/global.policy")).exists();

        assertThat(ServiceCommand.resolveConfigDir(null, Map.of())).isEqualTo(Path.of("/etc/plexd"));
        assertThat(ServiceCommand.resolveConfigDir(null, Map.of("PLEXD_CONFIG_DIR", "/srv/plexd"))).isEqualTo(Path.of("/srv/plexd"));
        assertThat(ServiceCommand.resolveConfigDir(Path.of("/opt/x"), Map.of("PLEXD_CONFIG_DIR", "/srv/plexd")))
                .isEqualTo(Path.of("/opt/x"));
    }

    @Test
    void writesAreAtomicAndLeaveNoTemporaryFiles() throws Exception {
        for (int port = 1; port <= 20; port++) {
            ok("allow", "tcp", Integer.toString(port));
        }
        ok("default", "deny");
        try (var files = Files.list(configDir.resolve("services"))) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("default", "global.policy");
        }
        assertThat(Files.getPosixFilePermissions(configDir.resolve("services/global.policy")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                        java.nio.file.attribute.PosixFilePermission.GROUP_READ,
                        java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    }
}

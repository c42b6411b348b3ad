package dev.plexd.daemon.config;

import dev.plexd.logging.LogSetup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigLoaderTest {

    @TempDir
    Path dir;
    Path stateFile;
    Path privateToken;
    Path openToken;

    @BeforeEach
    void files() throws IOException {
        stateFile = Files.writeString(dir.resolve("state.yaml"), "peers: []\npolicies: []\n");
        privateToken = Files.writeString(dir.resolve("token"), "0123456789abcdef0123\n");
        Files.setPosixFilePermissions(privateToken, PosixFilePermissions.fromString("rw-------"));
        openToken = Files.writeString(dir.resolve("open-token"), "0123456789abcdef0123\n");
        Files.setPosixFilePermissions(openToken, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** A valid local-mode file; each bad case adds or replaces lines. */
    private String base() {
        return """
                node:
                  id: alpha
                  mesh_ip: 10.100.0.1
                data_dir: %s
                state_file: %s
                """.formatted(dir.resolve("data"), stateFile);
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("plexd.yaml"), yaml);
    }

    private ConfigLoader.Result load(String yaml) throws Exception {
        return ConfigLoader.load(write(yaml), Map.of(), List.of());
    }

    @Test
    void documentedExampleListsEveryKeyWithItsDefault() throws Exception {
        Path example = Path.of("config/plexd.yaml");
        var tree = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(example.toFile());
        for (Map.Entry<String, String> key : ConfigSchema.defaults().entrySet()) {
            var node = tree.at("/" + key.getKey().replace('.', '/'));
            assertThat(node.isMissingNode()).as("config/plexd.yaml documents %s", key.getKey()).isFalse();
            assertThat(node.asText()).as("default of %s", key.getKey()).isEqualTo(key.getValue());
        }
        // Loading it only fails for what local mode requires and it leaves empty.
        var error = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(example, Map.of(), List.of()));
        assertThat(error.errors()).allSatisfy(e -> assertThat(e).matches("(node\\.id|node\\.mesh_ip|state_file): required in local mode.*"));
    }

    @Test
    void defaultsApplyWhereTheFileIsSilent() throws Exception {
        DaemonConfig c = load(base()).config();
        assertThat(c.localMode()).isTrue();
        assertThat(c.node().id()).isEqualTo("alpha");
        assertThat(c.configDir()).isEqualTo(Path.of("/etc/plexd"));
        assertThat(c.controlPlane().requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.controlPlane().pollFallbackAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.reconcile().interval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.policy()).isEqualTo(new DaemonConfig.Policy(true, "plexd-mesh"));
        assertThat(c.firewall().backend()).isEqualTo(DaemonConfig.FirewallBackend.AUTO);
        assertThat(c.node().meshPrefix()).isEqualTo(16);
        assertThat(c.node().meshPrefixV6()).isEqualTo(64);
        assertThat(c.wireguard()).isEqualTo(new DaemonConfig.WireGuard(DaemonConfig.WireGuardMode.AUTO, "plexd0",
                51820, 1420, dir.resolve("data/wireguard.key"), "wireguard-go"));
        assertThat(c.api().socket()).isEqualTo(Path.of("/run/plexd/api.sock"));
        assertThat(c.log()).isEqualTo(new DaemonConfig.Log(LogSetup.Format.JSON, "info"));
        assertThat(c.shutdown()).isEqualTo(new DaemonConfig.Shutdown(Duration.ofSeconds(10), false));
    }

    @Test
    void precedenceIsCliThenEnvThenFileThenDefault() throws Exception {
        Path file = write(base() + """
                log:
                  level: warn
                wireguard:
                  listen_port: 1000
                  mtu: 1300
                """);
        Map<String, String> env = Map.of("PLEXD_LOG_LEVEL", "debug", "PLEXD_WIREGUARD_LISTEN_PORT", "2000",
                "PLEXD_RECONCILE_INTERVAL", "");
        var result = ConfigLoader.load(file, env, List.of("wireguard.listen_port=3000"));
        DaemonConfig c = result.config();
        assertThat(c.wireguard().listenPort()).isEqualTo(3000);       // cli over env over file
        assertThat(c.log().level()).isEqualTo("debug");              // env over file
        assertThat(c.wireguard().mtu()).isEqualTo(1300);              // file over default
        assertThat(c.reconcile().interval()).isEqualTo(Duration.ofSeconds(60)); // empty env = unset
        assertThat(result.effective().get("wireguard.listen_port"))
                .isEqualTo(new ConfigLoader.Value("3000", ConfigLoader.Source.CLI, "the command line"));
        assertThat(result.effective().get("log.level").source()).isEqualTo(ConfigLoader.Source.ENV);
        assertThat(result.effective().get("wireguard.mtu").source()).isEqualTo(ConfigLoader.Source.FILE);
        assertThat(result.effective().get("api.socket").source()).isEqualTo(ConfigLoader.Source.DEFAULT);
    }

    @Test
    void environmentNamesFollowTheKeyPathAndTheBootstrapTokenHasItsShortName() throws Exception {
        var result = ConfigLoader.load(null, Map.of(
                "PLEXD_CONTROL_PLANE_URL", "https://cp.example.net",
                "PLEXD_BOOTSTRAP_TOKEN", "s3cret-bootstrap",
                "PLEXD_DATA_DIR", dir.toString()), List.of());
        DaemonConfig c = result.config();
        assertThat(c.localMode()).isFalse();
        assertThat(c.controlPlane().url()).isEqualTo("https://cp.example.net");
        assertThat(c.controlPlane().bootstrapToken()).isEqualTo("s3cret-bootstrap");
        // Accepted with a warning, and never shown.
        assertThat(result.warnings()).anyMatch(w -> w.startsWith("control_plane.bootstrap_token: set inline (PLEXD_BOOTSTRAP_TOKEN)"));
        assertThat(result.warnings()).noneMatch(w -> w.contains("s3cret"));
        assertThat(result.effective().get("control_plane.bootstrap_token").text()).isEqualTo("<redacted>");
        assertThat(c.controlPlane().toString()).doesNotContain("s3cret");
        assertThat(ConfigSchema.envName("control_plane.url")).isEqualTo("PLEXD_CONTROL_PLANE_URL");
    }

    @Test
    void validSecretFileReferencesAndLoopbackTcpAreAccepted() throws Exception {
        String extra = """
                api:
                  tcp_listen: "[::1]:9100"
                  token_file: %s
                wireguard:
                  private_key_file: %s
                node:
                  id: alpha
                  mesh_ip: fd00::1/64
                """.formatted(privateToken, privateToken);
        DaemonConfig c = load(withoutSectionsOf(base(), extra) + extra).config();
        assertThat(c.api().tcpListen()).isEqualTo("[::1]:9100");
        assertThat(c.api().tokenFile()).isEqualTo(privateToken);
        assertThat(c.wireguard().privateKeyFile()).isEqualTo(privateToken);
        assertThat(c.node().meshIp()).isEqualTo("fd00::1/64");
    }

    @Test
    void compoundDurationsParse() {
        assertThat(ConfigLoader.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ConfigLoader.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigLoader.parseDuration("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(ConfigLoader.parseDuration("30")).isNull();
        assertThat(ConfigLoader.parseDuration("30 s")).isNull();
        assertThat(ConfigLoader.parseDuration("s")).isNull();
    }

    /** Each case: YAML appended to a valid file (later keys of a section replace earlier ones), and the expected message. */
    static Stream<Object[]> badCases() {
        return Stream.of(
                new Object[]{"wireguard:\n  listen_port: 70000\n", "wireguard.listen_port: must be 1..65535, got 70000"},
                new Object[]{"wireguard:\n  listen_port: 0\n", "wireguard.listen_port: must be 1..65535, got 0"},
                new Object[]{"wireguard:\n  listen_port: abc\n", "wireguard.listen_port: expected a whole number 1..65535, got \"abc\""},
                new Object[]{"wireguard:\n  mtu: 100\n", "wireguard.mtu: must be 1280..9000, got 100"},
                new Object[]{"wireguard:\n  mode: turbo\n", "wireguard.mode: must be one of auto, userspace, kernel, external, got \"turbo\""},
                new Object[]{"wireguard:\n  interface: this-name-is-too-long\n", "wireguard.interface: must be 1..15 characters"},
                new Object[]{"wireguard:\n  interface: a/b\n", "wireguard.interface: must be 1..15 characters"},
                new Object[]{"wireguard:\n  port: 51820\n", "wireguard.port: unknown key; did you mean wireguard.listen_port?"},
                new Object[]{"wireguard:\n  private_key_file: /nonexistent/key\n", "wireguard.private_key_file: /nonexistent/key: does not exist"},
                new Object[]{"wireguard:\n  mode: external\n  external_binary: /nonexistent/wg-go\n",
                        "wireguard.external_binary: \"/nonexistent/wg-go\" is not an executable file or on the PATH"},
                new Object[]{"wireguards:\n  mtu: 1400\n", "wireguards: unknown key; did you mean wireguard?"},
                new Object[]{"log:\n  levl: debug\n", "log.levl: unknown key; did you mean log.level?"},
                new Object[]{"log:\n  level: verbose\n", "log.level: must be one of trace, debug, info, warn, error, got \"verbose\""},
                new Object[]{"log:\n  format: xml\n", "log.format: must be one of json, text, got \"xml\""},
                new Object[]{"log: debug\n", "log: expected a mapping of keys"},
                new Object[]{"reconcile:\n  interval: 60\n", "reconcile.interval: expected a duration such as 500ms, 30s, 5m or 1h, got \"60\""},
                new Object[]{"reconcile:\n  interval: 10ms\n", "reconcile.interval: must be between 1s and 24h, got 10ms"},
                new Object[]{"reconcile:\n  interval: [1, 2]\n", "reconcile.interval: expected a single value, got a list"},
                new Object[]{"control_plane:\n  request_timeout: 10 minutes\n", "control_plane.request_timeout: expected a duration"},
                new Object[]{"shutdown:\n  timeout: 1h\n", "shutdown.timeout: must be between 1s and 5m, got 1h"},
                new Object[]{"shutdown:\n  teardown_firewall: 2\n", "shutdown.teardown_firewall: expected true or false, got \"2\""},
                new Object[]{"policy:\n  enabled: maybe\n", "policy.enabled: expected true or false, got \"maybe\""},
                new Object[]{"policy:\n  chain_name: \"bad chain\"\n", "policy.chain_name: must be 1..28 characters"},
                new Object[]{"firewall:\n  backend: pf\n", "firewall.backend: must be one of auto, nftables, iptables, none, got \"pf\""},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: 10.100.0.300\n", "node.mesh_ip: expected an IP address or CIDR"},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: 10.100.0.1/33\n", "node.mesh_ip: prefix length must be 0..32"},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: mesh.example\n", "node.mesh_ip: expected an IP address or CIDR"},
                new Object[]{"node:\n  mesh_ip: 10.100.0.1\n", "node.id: required in local mode"},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: 10.100.0.1\n  mesh_prefix: 33\n", "node.mesh_prefix: must be 1..32, got 33"},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: 10.100.0.1\n  mesh_prefix: /16\n",
                        "node.mesh_prefix: expected a whole number 1..32, got \"/16\""},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: 10.100.0.1\n  mesh_prefix_v6: 0\n", "node.mesh_prefix_v6: must be 1..128, got 0"},
                new Object[]{"control_plane:\n  url: https://cp.example.net\nstate_file: \"\"\nwireguard:\n  private_key_file: TOKEN\n",
                        "wireguard.private_key_file: only for local mode; with a control plane the registered key is kept in"},
                new Object[]{"data_dir: var/lib/plexd\n", "data_dir: must be an absolute path, got \"var/lib/plexd\""},
                new Object[]{"config_dir: \"\"\n", "config_dir: must not be empty"},
                new Object[]{"state_file: /nonexistent/state.yaml\n", "state_file: /nonexistent/state.yaml: does not exist"},
                new Object[]{"control_plane:\n  url: ftp://cp.example.net\n", "control_plane.url: must be an http:// or https:// URL with a host"},
                new Object[]{"control_plane:\n  url: https://user:pw@cp.example.net\n", "control_plane.url: must not contain credentials"},
                new Object[]{"api:\n  socket: /run/" + "x".repeat(120) + "/api.sock\n", "api.socket: path longer than 107 bytes"},
                new Object[]{"api:\n  tcp_listen: 0.0.0.0:9100\n  token_file: TOKEN\n", "api.tcp_listen: must be a loopback address"},
                new Object[]{"api:\n  tcp_listen: localhost:9100\n  token_file: TOKEN\n", "api.tcp_listen: host must be a loopback IP literal"},
                new Object[]{"api:\n  tcp_listen: 127.0.0.1:99999\n  token_file: TOKEN\n", "api.tcp_listen: port must be 1..65535"},
                new Object[]{"api:\n  tcp_listen: 127.0.0.1:9100\n", "api.token_file: required when api.tcp_listen is set"},
                new Object[]{"api:\n  token_file: OPEN_TOKEN\n", "api.token_file: OPEN_TOKEN: a secret must not be accessible by group or others (mode 0644)"},
                new Object[]{"api:\n  token_file: STATE\n", "api.token_file: STATE: a secret must not be accessible by group or others"},
                new Object[]{"services:\n  enabled: 1\n", "services.enabled: expected true or false, got \"1\""},
                new Object[]{"node:\n  id: alpha\n  mesh_ip: 10.100.0.1\nnode:\n  id: beta\n", "Duplicate field 'node'"});
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badCases")
    void eachBadValueIsReportedByItsKey(String yaml, String expected) throws Exception {
        String text = withoutSectionsOf(base(), yaml) + yaml.replace("OPEN_TOKEN", openToken.toString()).replace("TOKEN", privateToken.toString())
                .replace("STATE", stateFile.toString());
        var error = catchThrowableOfType(ConfigException.class, () -> load(text));
        assertThat(error).as("config should be rejected:%n%s", text).isNotNull();
        String want = expected.replace("OPEN_TOKEN", openToken.toString()).replace("STATE", stateFile.toString());
        assertThat(error.errors()).anySatisfy(e -> assertThat(e).contains(want));
    }

    /** The base file without the top-level keys the case sets itself, so the case's own value counts. */
    private static String withoutSectionsOf(String base, String yaml) {
        var keys = yaml.lines().filter(l -> !l.startsWith(" ") && l.contains(":")).map(l -> l.substring(0, l.indexOf(':'))).toList();
        StringBuilder kept = new StringBuilder();
        boolean skipping = false;
        for (String line : base.lines().toList()) {
            if (!line.startsWith(" ")) {
                skipping = keys.contains(line.substring(0, line.indexOf(':')));
            }
            if (!skipping) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }

    @Test
    void everyErrorIsListedAtOnce() throws Exception {
        var error = catchThrowableOfType(ConfigException.class, () -> load(base() + """
                wireguard:
                  listen_port: 70000
                  mtu: 5
                log:
                  level: loud
                bogus: 1
                """));
        assertThat(error.errors()).hasSize(4);
        assertThat(error.getMessage()).startsWith("invalid configuration (" + dir.resolve("plexd.yaml") + "): 4 errors")
                .contains("\n  wireguard.listen_port: ", "\n  wireguard.mtu: ", "\n  log.level: ", "\n  bogus: unknown key");
    }

    @Test
    void overridesNameTheirSource() {
        var error = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(write(base()),
                Map.of("PLEXD_WIREGUARD_MTU", "9999"), List.of("wireguard.listen_port=0", "wireguard.listen_prot=1", "noequals")));
        assertThat(error.errors()).containsExactlyInAnyOrder(
                "wireguard.listen_prot: unknown key; did you mean wireguard.listen_port? (from the command line)",
                "command line: \"noequals\": expected key.path=value",
                "wireguard.mtu: must be 1280..9000, got 9999 (from PLEXD_WIREGUARD_MTU)",
                "wireguard.listen_port: must be 1..65535, got 0 (from the command line)");
    }

    @Test
    void inlineSecretsNeverAppearInErrors() {
        var error = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(write(base()
                        + "control_plane:\n  url: https://cp.example.net\n  bootstrap_token: hunter2-secret\n  bootstrap_token_file: "
                        + privateToken + "\n"), Map.of(), List.of()));
        assertThat(error.getMessage()).contains("control_plane.bootstrap_token: set both inline and as bootstrap_token_file")
                .doesNotContain("hunter2");
    }

    @Test
    void controlPlaneModeRejectsAStateFileAndIgnoresLocalIdentity() throws Exception {
        var error = catchThrowableOfType(ConfigException.class, () -> load(base() + "control_plane:\n  url: https://cp.example.net\n"));
        assertThat(error.errors()).containsExactly(
                "state_file: must be empty when control_plane.url is set (the control plane provides the state)");
        var ok = ConfigLoader.load(write(base()), Map.of(), List.of("state_file=", "control_plane.url=http://127.0.0.1:8080"));
        assertThat(ok.warnings()).contains("node.id: ignored; the control plane assigns it at registration");
        assertThat(ok.config().stateFile()).isNull();
    }

    @Test
    void aMissingBootstrapTokenFileIsFineBecauseRegistrationConsumesIt() throws Exception {
        var ok = ConfigLoader.load(null, Map.of("PLEXD_CONTROL_PLANE_URL", "https://cp.example.net",
                "PLEXD_CONTROL_PLANE_BOOTSTRAP_TOKEN_FILE", dir.resolve("gone").toString()), List.of());
        assertThat(ok.config().controlPlane().bootstrapTokenFile()).isEqualTo(dir.resolve("gone"));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PLEXD_CONTROL_PLANE_URL", "https://cp.example.net",
                "PLEXD_CONTROL_PLANE_BOOTSTRAP_TOKEN_FILE", openToken.toString()), List.of()))
                .hasMessageContaining("control_plane.bootstrap_token_file: " + openToken + ": a secret must not be accessible");
    }

    @Test
    void malformedYamlNamesFileAndPosition() throws Exception {
        assertThatThrownBy(() -> load("node: [unclosed\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(dir.resolve("plexd.yaml") + ":");
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of(), List.of()))
                .hasMessageContaining("config file " + dir.resolve("missing.yaml") + ": does not exist");
    }
}

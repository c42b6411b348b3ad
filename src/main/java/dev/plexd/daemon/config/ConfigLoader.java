package dev.plexd.daemon.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.plexd.logging.LogSetup;
import dev.plexd.wireguard.PeerConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link DaemonConfig} from defaults, one YAML file, {@code PLEXD_*} environment
 * variables and {@code --set key=value} overrides, in rising precedence. Validation collects
 * every problem before failing, each message starting with the key path, so an operator fixes a
 * bad file in one pass.
 */
public final class ConfigLoader {

    /** Where a value came from, lowest precedence first. */
    public enum Source { DEFAULT, FILE, ENV, CLI }

    /** One resolved value; {@code origin} names the file, variable or flag that set it. */
    public record Value(String text, Source source, String origin) {
    }

    /**
     * @param effective every key's value and source, for {@code plexd up --check-config}; secrets redacted
     * @param warnings  accepted but discouraged settings (inline secrets, ignored keys)
     */
    public record Result(DaemonConfig config, Map<String, Value> effective, List<String> warnings) {
    }

    /** Unix socket paths are limited by {@code sockaddr_un.sun_path} (108 bytes with the NUL). */
    static final int MAX_SOCKET_PATH = 107;
    static final int MIN_TOKEN_LENGTH = 16;

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern CHAIN = Pattern.compile("[A-Za-z0-9_-]{1,28}");

    private final Map<String, Value> values = new LinkedHashMap<>();
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, String> env;

    private ConfigLoader(Map<String, String> env) {
        this.env = env;
        ConfigSchema.defaults().forEach((key, text) -> values.put(key, new Value(text, Source.DEFAULT, "default")));
    }

    /**
     * @param file the YAML file, or null for defaults only
     * @param env  the process environment ({@code System.getenv()})
     * @param sets {@code key.path=value} overrides from the command line ({@code --set} and the
     *             direct flags), applied in order
     * @throws ConfigException listing every error, each naming its key
     */
    public static Result load(Path file, Map<String, String> env, List<String> sets) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(env);
        if (file != null) {
            loader.readFile(file);
        }
        loader.readEnv();
        loader.readSets(sets);
        DaemonConfig config = loader.bind();
        String where = file == null ? "defaults, environment and flags" : file.toString();
        if (!loader.errors.isEmpty()) {
            throw new ConfigException(where, loader.errors);
        }
        Map<String, Value> effective = new LinkedHashMap<>();
        loader.values.forEach((key, value) -> effective.put(key, ConfigSchema.SECRETS.contains(key) && !value.text().isEmpty()
                ? new Value("<redacted>", value.source(), value.origin()) : value));
        return new Result(config, effective, List.copyOf(loader.warnings));
    }

    // ---- sources ------------------------------------------------------------------------------

    private void readFile(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            errors.add("config file " + file + ": does not exist");
            return;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            errors.add("config file " + file + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
                    + ": " + e.getOriginalMessage());
            return;
        } catch (IOException e) {
            errors.add("config file " + file + ": cannot read: " + e.getMessage());
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            errors.add("config file " + file + ": expected a mapping of keys at the top level");
            return;
        }
        walk("", root, file.toString());
    }

    private void walk(String prefix, JsonNode node, String origin) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (ConfigSchema.defaultOf(path) != null) {
                if (value.isNull()) {
                    continue; // "key:" with nothing after it keeps the default
                }
                if (!value.isValueNode()) {
                    errors.add(path + ": expected a single value, got a " + (value.isArray() ? "list" : "mapping"));
                    continue;
                }
                values.put(path, new Value(value.asText(), Source.FILE, origin));
            } else if (ConfigSchema.isSection(path)) {
                if (value.isObject()) {
                    walk(path + ".", value, origin);
                } else if (!value.isNull()) {
                    errors.add(path + ": expected a mapping of keys");
                }
            } else {
                errors.add(unknownKey(path));
            }
        }
    }

    private void readEnv() {
        ConfigSchema.ENV_ALIASES.forEach((name, key) -> fromEnv(name, key));
        for (String key : ConfigSchema.keys()) {
            fromEnv(ConfigSchema.envName(key), key);
        }
    }

    /** An empty variable counts as unset, as container tools often pass empty ones. */
    private void fromEnv(String name, String key) {
        String text = env.get(name);
        if (text != null && !text.isEmpty()) {
            values.put(key, new Value(text, Source.ENV, name));
        }
    }

    private void readSets(List<String> sets) {
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                errors.add("command line: \"" + set + "\": expected key.path=value");
                continue;
            }
            String key = set.substring(0, eq).trim();
            if (ConfigSchema.defaultOf(key) == null) {
                errors.add(unknownKey(key) + " (from the command line)");
                continue;
            }
            values.put(key, new Value(set.substring(eq + 1), Source.CLI, "the command line"));
        }
    }

    private static String unknownKey(String path) {
        return path + ": unknown key" + ConfigSchema.suggest(path).map(s -> "; did you mean " + s + "?").orElse("");
    }

    // ---- binding and validation ---------------------------------------------------------------

    private DaemonConfig bind() {
        DaemonConfig.Node node = new DaemonConfig.Node(string("node.id"), string("node.mesh_ip"), string("node.hostname"),
                integer("node.mesh_prefix", 1, 32), integer("node.mesh_prefix_v6", 1, 128));
        Path dataDir = absolutePath("data_dir", true);
        Path configDir = absolutePath("config_dir", true);
        Path stateFile = absolutePath("state_file", false);

        Path bootstrapTokenFile = absolutePath("control_plane.bootstrap_token_file", false);
        DaemonConfig.ControlPlane controlPlane = new DaemonConfig.ControlPlane(
                string("control_plane.url").trim(), string("control_plane.bootstrap_token").trim(), bootstrapTokenFile,
                duration("control_plane.request_timeout", Duration.ofSeconds(1), Duration.ofMinutes(5)),
                duration("control_plane.heartbeat_interval", Duration.ofSeconds(1), Duration.ofHours(1)),
                duration("control_plane.event_idle_timeout", Duration.ofSeconds(5), Duration.ofHours(1)),
                duration("control_plane.poll_fallback_after", Duration.ofSeconds(1), Duration.ofHours(24)),
                duration("control_plane.poll_interval", Duration.ofSeconds(1), Duration.ofHours(1)));
        DaemonConfig.Reconcile reconcile = new DaemonConfig.Reconcile(
                duration("reconcile.interval", Duration.ofSeconds(1), Duration.ofHours(24)));
        DaemonConfig.Policy policy = new DaemonConfig.Policy(bool("policy.enabled"), string("policy.chain_name"));
        DaemonConfig.Firewall firewall = new DaemonConfig.Firewall(choice("firewall.backend", DaemonConfig.FirewallBackend.class),
                duration("firewall.drift_check_interval", Duration.ofSeconds(1), Duration.ofHours(24)));
        Path keyFile = absolutePath("wireguard.private_key_file", false);
        if (keyFile == null && dataDir != null) {
            keyFile = dataDir.resolve("wireguard.key");
        }
        DaemonConfig.WireGuard wireguard = new DaemonConfig.WireGuard(choice("wireguard.mode", DaemonConfig.WireGuardMode.class),
                string("wireguard.interface"), integer("wireguard.listen_port", 1, 65535),
                integer("wireguard.mtu", 1280, 9000), keyFile, string("wireguard.external_binary").trim());
        DaemonConfig.Services services = new DaemonConfig.Services(bool("services.enabled"));
        DaemonConfig.Api api = new DaemonConfig.Api(absolutePath("api.socket", true), string("api.tcp_listen").trim(),
                absolutePath("api.token_file", false));
        DaemonConfig.Log log = new DaemonConfig.Log(choice("log.format", LogSetup.Format.class), logLevel());
        DaemonConfig.Shutdown shutdown = new DaemonConfig.Shutdown(
                duration("shutdown.timeout", Duration.ofSeconds(1), Duration.ofMinutes(5)), bool("shutdown.teardown_firewall"));

        DaemonConfig config = new DaemonConfig(node, dataDir, configDir, stateFile, controlPlane, reconcile, policy,
                firewall, wireguard, services, api, log, shutdown);
        checkNode(config);
        checkControlPlane(config);
        checkPolicy(config);
        checkWireGuard(config);
        checkApi(config);
        return config;
    }

    private void checkNode(DaemonConfig c) {
        DaemonConfig.Node node = c.node();
        if (c.localMode()) {
            if (node.id().isBlank()) {
                error("node.id", "required in local mode (no control_plane.url)");
            }
            if (node.meshIp().isBlank()) {
                error("node.mesh_ip", "required in local mode (no control_plane.url)");
            }
            if (c.stateFile() == null) {
                error("state_file", "required in local mode (no control_plane.url): the desired state to enforce");
            } else {
                existingFile("state_file", c.stateFile(), false);
            }
        } else {
            for (String key : List.of("node.id", "node.mesh_ip")) {
                if (!string(key).isBlank()) {
                    warnings.add(key + ": ignored; the control plane assigns it at registration");
                }
            }
            if (c.stateFile() != null) {
                error("state_file", "must be empty when control_plane.url is set (the control plane provides the state)");
            }
        }
        if (!node.meshIp().isBlank()) {
            ipOrCidr("node.mesh_ip", node.meshIp().trim());
        }
        if (node.id().chars().anyMatch(Character::isWhitespace)) {
            error("node.id", "must not contain whitespace");
        }
        String host = node.hostname();
        if (host.length() > 253 || host.chars().anyMatch(ch -> Character.isWhitespace(ch) || Character.isISOControl(ch))) {
            error("node.hostname", "must be at most 253 characters without whitespace");
        }
    }

    private void checkControlPlane(DaemonConfig c) {
        DaemonConfig.ControlPlane cp = c.controlPlane();
        if (!cp.url().isEmpty()) {
            try {
                URI uri = new URI(cp.url());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                    error("control_plane.url", "must be an http:// or https:// URL with a host, got \"" + cp.url() + "\"");
                } else if (uri.getUserInfo() != null) {
                    error("control_plane.url", "must not contain credentials; use bootstrap_token_file");
                } else if (scheme.equals("http") && !isLoopbackName(uri.getHost())) {
                    warnings.add("control_plane.url: plain http to a non-loopback host; use https in production");
                }
            } catch (URISyntaxException e) {
                error("control_plane.url", "not a valid URL: " + e.getMessage());
            }
        }
        boolean inline = !cp.bootstrapToken().isEmpty();
        if (inline && cp.bootstrapTokenFile() != null) {
            error("control_plane.bootstrap_token", "set both inline and as bootstrap_token_file; keep only the file");
        } else if (inline) {
            warnings.add("control_plane.bootstrap_token: set inline (" + values.get("control_plane.bootstrap_token").origin()
                    + "); prefer bootstrap_token_file readable only by plexd");
        }
        // The client deletes the token file after registering, so a missing file is normal on
        // later starts; one that exists must still be private.
        if (cp.bootstrapTokenFile() != null && Files.exists(cp.bootstrapTokenFile())) {
            existingFile("control_plane.bootstrap_token_file", cp.bootstrapTokenFile(), true);
        }
        if (c.localMode() && (inline || cp.bootstrapTokenFile() != null)) {
            warnings.add("control_plane.bootstrap_token: ignored in local mode (no control_plane.url)");
        }
    }

    private void checkPolicy(DaemonConfig c) {
        if (c.policy().enabled() && !CHAIN.matcher(c.policy().chainName()).matches()) {
            error("policy.chain_name", "must be 1..28 characters of letters, digits, '_' or '-', got \""
                    + c.policy().chainName() + "\"");
        }
        if (c.policy().enabled() && c.firewall().backend() == DaemonConfig.FirewallBackend.NONE) {
            warnings.add("firewall.backend: none; policy still decides which peers are configured, but no firewall rules are enforced");
        }
    }

    private void checkWireGuard(DaemonConfig c) {
        DaemonConfig.WireGuard wg = c.wireguard();
        if (!IFACE.matcher(wg.iface()).matches() || wg.iface().equals(".") || wg.iface().equals("..")) {
            error("wireguard.interface", "must be 1..15 characters of letters, digits, '_', '.' or '-', got \"" + wg.iface() + "\"");
        }
        if (!c.localMode() && !string("wireguard.private_key_file").isEmpty()) {
            error("wireguard.private_key_file", "only for local mode; with a control plane the registered key is kept in "
                    + "<data_dir>/identity.json");
        } else if (!string("wireguard.private_key_file").isEmpty() && wg.privateKeyFile() != null) {
            existingFile("wireguard.private_key_file", wg.privateKeyFile(), true);
        }
        if (wg.mode() == DaemonConfig.WireGuardMode.EXTERNAL && !isExecutable(wg.externalBinary())) {
            error("wireguard.external_binary", "\"" + wg.externalBinary() + "\" is not an executable file or on the PATH");
        }
    }

    private void checkApi(DaemonConfig c) {
        DaemonConfig.Api api = c.api();
        if (api.socket() != null && api.socket().toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            error("api.socket", "path longer than " + MAX_SOCKET_PATH + " bytes, which a unix socket cannot have");
        }
        if (!api.tcpListen().isEmpty()) {
            loopbackHostPort("api.tcp_listen", api.tcpListen());
            if (api.tokenFile() == null) {
                error("api.token_file", "required when api.tcp_listen is set: TCP clients authenticate with its bearer token");
            }
        }
        if (api.tokenFile() != null && existingFile("api.token_file", api.tokenFile(), true)) {
            try {
                if (Files.readString(api.tokenFile()).strip().length() < MIN_TOKEN_LENGTH) {
                    error("api.token_file", api.tokenFile() + ": token shorter than " + MIN_TOKEN_LENGTH + " characters");
                }
            } catch (IOException e) {
                error("api.token_file", api.tokenFile() + ": cannot read: " + e.getMessage());
            }
        }
    }

    // ---- typed readers ------------------------------------------------------------------------

    private String string(String key) {
        return values.get(key).text();
    }

    private boolean bool(String key) {
        String text = string(key).trim().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                error(key, "expected true or false, got " + shown(key));
                yield Boolean.parseBoolean(ConfigSchema.defaultOf(key));
            }
        };
    }

    private int integer(String key, int min, int max) {
        String text = string(key).trim();
        try {
            long value = Long.parseLong(text);
            if (value < min || value > max) {
                error(key, "must be " + min + ".." + max + ", got " + text);
            }
            return (int) Math.clamp(value, min, max);
        } catch (NumberFormatException e) {
            error(key, "expected a whole number " + min + ".." + max + ", got " + shown(key));
            return Integer.parseInt(ConfigSchema.defaultOf(key));
        }
    }

    private Duration duration(String key, Duration min, Duration max) {
        String text = string(key).trim();
        Duration value = parseDuration(text);
        if (value == null) {
            error(key, "expected a duration such as 500ms, 30s, 5m or 1h, got " + shown(key));
            return parseDuration(ConfigSchema.defaultOf(key));
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            error(key, "must be between " + format(min) + " and " + format(max) + ", got " + text);
        }
        return value;
    }

    /** Go-style durations: one or more {@code <number><unit>} with units ms, s, m, h ({@code 1m30s}). */
    static Duration parseDuration(String text) {
        if (text.isEmpty()) {
            return null;
        }
        Matcher m = DURATION_PART.matcher(text);
        long nanos = 0;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            long unit = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            double amount = Double.parseDouble(m.group(1));
            if (amount * unit > Long.MAX_VALUE / 2.0) {
                return null;
            }
            nanos += Math.round(amount * unit);
            at = m.end();
        }
        return Duration.ofNanos(nanos);
    }

    private static String format(Duration d) {
        if (d.toMillis() % 3_600_000 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private <E extends Enum<E>> E choice(String key, Class<E> type) {
        String text = string(key).trim().toUpperCase(Locale.ROOT);
        for (E option : type.getEnumConstants()) {
            if (option.name().equals(text)) {
                return option;
            }
        }
        List<String> names = new ArrayList<>();
        for (E option : type.getEnumConstants()) {
            names.add(option.name().toLowerCase(Locale.ROOT));
        }
        error(key, "must be one of " + String.join(", ", names) + ", got " + shown(key));
        return Enum.valueOf(type, ConfigSchema.defaultOf(key).toUpperCase(Locale.ROOT));
    }

    private String logLevel() {
        String text = string("log.level").trim().toLowerCase(Locale.ROOT);
        if (!Set.of("trace", "debug", "info", "warn", "error").contains(text)) {
            error("log.level", "must be one of trace, debug, info, warn, error, got " + shown("log.level"));
            return ConfigSchema.defaultOf("log.level");
        }
        return text;
    }

    /** An absolute path; empty gives null (or an error when required). */
    private Path absolutePath(String key, boolean required) {
        String text = string(key).trim();
        if (text.isEmpty()) {
            if (required) {
                error(key, "must not be empty");
            }
            return null;
        }
        try {
            Path path = Path.of(text);
            if (!path.isAbsolute()) {
                error(key, "must be an absolute path, got \"" + text + "\"");
                return null;
            }
            return path.normalize();
        } catch (InvalidPathException e) {
            error(key, "not a valid path: " + e.getMessage());
            return null;
        }
    }

    /**
     * A file the daemon must read. Secrets must not be readable or writable by group or others,
     * the same rule ssh applies to private keys.
     */
    private boolean existingFile(String key, Path file, boolean secret) {
        if (!Files.exists(file)) {
            error(key, file + ": does not exist");
            return false;
        }
        if (!Files.isRegularFile(file)) {
            error(key, file + ": not a regular file");
            return false;
        }
        if (!Files.isReadable(file)) {
            error(key, file + ": not readable by this user");
            return false;
        }
        if (secret) {
            try {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
                Set<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
                open.retainAll(mode);
                if (!open.isEmpty()) {
                    error(key, file + ": a secret must not be accessible by group or others (mode "
                            + octal(mode) + "); run chmod 600 " + file);
                    return false;
                }
            } catch (IOException | UnsupportedOperationException e) {
                error(key, file + ": cannot read its permissions: " + e.getMessage());
                return false;
            }
        }
        return true;
    }

    private static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", bits);
    }

    private void ipOrCidr(String key, String text) {
        try {
            int slash = text.indexOf('/');
            InetAddress address = PeerConfig.parseIpLiteral(slash < 0 ? text : text.substring(0, slash), key);
            if (slash >= 0) {
                int prefix = Integer.parseInt(text.substring(slash + 1));
                int bits = address.getAddress().length * 8;
                if (prefix < 0 || prefix > bits) {
                    error(key, "prefix length must be 0.." + bits + ", got \"" + text + "\"");
                }
            }
        } catch (NumberFormatException e) {
            error(key, "bad prefix length in \"" + text + "\"");
        } catch (IllegalArgumentException e) {
            error(key, "expected an IP address or CIDR such as 10.100.0.1 or fd00::1/64, got \"" + text + "\"");
        }
    }

    private void loopbackHostPort(String key, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            error(key, "expected host:port such as 127.0.0.1:9100 or [::1]:9100, got \"" + text + "\"");
            return;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 1 || port > 65535) {
                error(key, "port must be 1..65535, got \"" + text + "\"");
            }
            if (!PeerConfig.parseIpLiteral(host, key).isLoopbackAddress()) {
                error(key, "must be a loopback address (127.0.0.0/8 or ::1): the API is for this node only, got \"" + text + "\"");
            }
        } catch (NumberFormatException e) {
            error(key, "bad port in \"" + text + "\"");
        } catch (IllegalArgumentException e) {
            error(key, "host must be a loopback IP literal such as 127.0.0.1 or [::1], got \"" + text + "\"");
        }
    }

    private static boolean isLoopbackName(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            return PeerConfig.parseIpLiteral(literal, "host").isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean isExecutable(String binary) {
        if (binary.isEmpty()) {
            return false;
        }
        if (binary.contains("/")) {
            Path path = Path.of(binary);
            return path.isAbsolute() && Files.isRegularFile(path) && Files.isExecutable(path);
        }
        String searchPath = env.getOrDefault("PATH", "");
        for (String dir : searchPath.split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, binary);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The value as given, quoted, or "<redacted>" for a secret. */
    private String shown(String key) {
        return ConfigSchema.SECRETS.contains(key) ? "<redacted>" : "\"" + string(key) + "\"";
    }

    /** Records an error as {@code key: message}, naming the variable or flag when not from the file. */
    private void error(String key, String message) {
        Value value = values.get(key);
        String from = value == null || value.source() == Source.DEFAULT || value.source() == Source.FILE
                ? "" : " (from " + value.origin() + ")";
        errors.add(key + ": " + message + from);
    }
}

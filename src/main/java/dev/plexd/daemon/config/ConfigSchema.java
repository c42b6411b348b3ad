package dev.plexd.daemon.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every configuration key with its default, in the order of {@code config/plexd.yaml}. This list
 * is the single source of truth for what a key is: the file, {@code PLEXD_*} variables and
 * {@code --set} all name keys from it, and anything else is an error.
 */
public final class ConfigSchema {

    private static final Map<String, String> DEFAULTS = build();

    /** Keys whose values are secrets: never printed, logged or echoed in an error. */
    static final Set<String> SECRETS = Set.of("control_plane.bootstrap_token");

    /** Short environment names kept for compatibility with the control plane's documentation. */
    static final Map<String, String> ENV_ALIASES = Map.of("PLEXD_BOOTSTRAP_TOKEN", "control_plane.bootstrap_token");

    private ConfigSchema() {
    }

    private static Map<String, String> build() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("node.id", "");
        d.put("node.mesh_ip", "");
        d.put("node.hostname", "");
        d.put("node.mesh_prefix", "16");
        d.put("node.mesh_prefix_v6", "64");
        d.put("data_dir", "/var/lib/plexd");
        d.put("config_dir", "/etc/plexd");
        d.put("state_file", "");
        d.put("control_plane.url", "");
        d.put("control_plane.bootstrap_token", "");
        d.put("control_plane.bootstrap_token_file", "");
        d.put("control_plane.request_timeout", "10s");
        d.put("control_plane.heartbeat_interval", "30s");
        d.put("control_plane.event_idle_timeout", "90s");
        d.put("control_plane.poll_fallback_after", "5m");
        d.put("control_plane.poll_interval", "60s");
        d.put("reconcile.interval", "60s");
        d.put("policy.enabled", "true");
        d.put("policy.chain_name", "plexd-mesh");
        d.put("firewall.backend", "auto");
        d.put("firewall.drift_check_interval", "60s");
        d.put("wireguard.mode", "auto");
        d.put("wireguard.interface", "plexd0");
        d.put("wireguard.listen_port", "51820");
        d.put("wireguard.mtu", "1420");
        d.put("wireguard.private_key_file", "");
        d.put("wireguard.external_binary", "wireguard-go");
        d.put("services.enabled", "true");
        d.put("api.socket", "/run/plexd/api.sock");
        d.put("api.tcp_listen", "");
        d.put("api.token_file", "");
        d.put("log.format", "json");
        d.put("log.level", "info");
        d.put("shutdown.timeout", "10s");
        d.put("shutdown.teardown_firewall", "false");
        return Collections.unmodifiableMap(d);
    }

    /** Key path to default value text, in documentation order. */
    public static Map<String, String> defaults() {
        return DEFAULTS;
    }

    public static Set<String> keys() {
        return DEFAULTS.keySet();
    }

    static String defaultOf(String key) {
        return DEFAULTS.get(key);
    }

    /** True for a key path that names a section ({@code wireguard}) rather than a value. */
    static boolean isSection(String path) {
        String prefix = path + ".";
        return DEFAULTS.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** {@code control_plane.url} → {@code PLEXD_CONTROL_PLANE_URL}. */
    public static String envName(String key) {
        return "PLEXD_" + key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * The known key an unknown one was most likely meant to be: a close spelling, or a key in the
     * same section whose name contains it ({@code wireguard.port} → {@code wireguard.listen_port}).
     */
    static Optional<String> suggest(String unknown) {
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        for (String candidate : DEFAULTS.keySet()) {
            for (String known : candidatesFor(candidate)) {
                int score = distance(unknown, known);
                if (sameSectionContains(unknown, known)) {
                    score = Math.min(score, 1);
                }
                if (score < bestScore) {
                    bestScore = score;
                    best = known;
                }
            }
        }
        int allowed = Math.max(2, unknown.length() / 3);
        return bestScore <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** A key and the sections above it, so a misspelt section name finds its section. */
    private static Iterable<String> candidatesFor(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? java.util.List.of(key) : java.util.List.of(key, key.substring(0, dot));
    }

    private static boolean sameSectionContains(String unknown, String known) {
        int u = unknown.lastIndexOf('.');
        int k = known.lastIndexOf('.');
        if (u < 0 || k < 0 || !unknown.substring(0, u).equals(known.substring(0, k))) {
            return false;
        }
        String leaf = unknown.substring(u + 1);
        return leaf.length() >= 3 && known.substring(k + 1).contains(leaf);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}

package dev.plexd.daemon.config;

import dev.plexd.logging.LogSetup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The daemon's validated configuration: every value present, typed and checked. Built only by
 * {@link ConfigLoader}; {@code config/plexd.yaml} documents each key and its default.
 *
 * @param stateFile local mode's desired state file, or null when a control plane is configured
 */
public record DaemonConfig(Node node, Path dataDir, Path configDir, Path stateFile, ControlPlane controlPlane,
                           Reconcile reconcile, Policy policy, Firewall firewall, WireGuard wireguard,
                           Services services, Api api, Log log, Shutdown shutdown) {

    /** Without a control plane the node runs on its configured identity and {@link #stateFile}. */
    public boolean localMode() {
        return controlPlane.url().isEmpty();
    }

    /**
     * Empty {@code id}/{@code meshIp} mean "assigned by the control plane at registration".
     *
     * @param meshPrefix   prefix length of the mesh network put on the interface with an IPv4 mesh
     *                     address that has none ({@code 10.100.0.1} → {@code 10.100.0.1/16})
     * @param meshPrefixV6 the same for an IPv6 mesh address
     */
    public record Node(String id, String meshIp, String hostname, int meshPrefix, int meshPrefixV6) {
    }

    /**
     * @param bootstrapToken     an inline token (discouraged, see {@link ConfigLoader}); empty when unset
     * @param bootstrapTokenFile the token's file, or null
     */
    public record ControlPlane(String url, String bootstrapToken, Path bootstrapTokenFile, Duration requestTimeout,
                               Duration heartbeatInterval, Duration eventIdleTimeout, Duration pollFallbackAfter,
                               Duration pollInterval) {

        /** Never prints the inline token. */
        @Override
        public String toString() {
            return "ControlPlane[url=" + url + ", bootstrapToken=" + (bootstrapToken.isEmpty() ? "" : "<redacted>")
                    + ", bootstrapTokenFile=" + bootstrapTokenFile + ", requestTimeout=" + requestTimeout
                    + ", heartbeatInterval=" + heartbeatInterval + ", eventIdleTimeout=" + eventIdleTimeout
                    + ", pollFallbackAfter=" + pollFallbackAfter + ", pollInterval=" + pollInterval + "]";
        }
    }

    public record Reconcile(Duration interval) {
    }

    public record Policy(boolean enabled, String chainName) {

        public dev.plexd.policy.Config toPolicyConfig() {
            return new dev.plexd.policy.Config(enabled, chainName);
        }
    }

    public enum FirewallBackend {
        AUTO, NFTABLES, IPTABLES, NONE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record Firewall(FirewallBackend backend, Duration driftCheckInterval) {
    }

    /** {@code AUTO}: kernel WireGuard where the host can create a WireGuard link, else {@code USERSPACE}. */
    public enum WireGuardMode {
        AUTO, USERSPACE, KERNEL, EXTERNAL;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @param privateKeyFile the resolved key file ({@code <data_dir>/wireguard.key} when not configured) */
    public record WireGuard(WireGuardMode mode, String iface, int listenPort, int mtu, Path privateKeyFile,
                            String externalBinary) {
    }

    public record Services(boolean enabled) {
    }

    /**
     * @param tcpListen loopback {@code host:port}, or empty for none
     * @param tokenFile bearer token for the TCP listener, or null
     */
    public record Api(Path socket, String tcpListen, Path tokenFile) {
    }

    public record Log(LogSetup.Format format, String level) {
    }

    public record Shutdown(Duration timeout, boolean teardownFirewall) {
    }
}

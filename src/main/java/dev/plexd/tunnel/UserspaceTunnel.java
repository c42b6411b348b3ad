package dev.plexd.tunnel;

import dev.plexd.service.InboundFilter;
import dev.plexd.sys.Exec;
import dev.plexd.tunnel.device.Device;
import dev.plexd.tunnel.device.DeviceOptions;
import dev.plexd.tunnel.device.DeviceStats;
import dev.plexd.tunnel.device.Peer;
import dev.plexd.tunnel.uapi.DeviceConfig;
import dev.plexd.tunnel.uapi.UapiServer;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.UapiErrnoException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * plexd's own WireGuard interface, the entry point for the daemon: a running {@link Device}
 * (TUN + UDP + packet threads), optionally its UAPI socket so {@code wg} sees it, and the
 * in-process configuration the daemon uses instead of the socket.
 *
 * <pre>{@code
 * try (UserspaceTunnel tunnel = UserspaceTunnel.open("plexd0", privateKey, 51820, 1420, serviceFilter)) {
 *     tunnel.apply(DeviceUpdate.ofPeers(PeerUpdate.replacing(...)));   // or tunnel.controller()
 *     int slot = tunnel.slotOf(peerPublicKey).orElseThrow();              // what the filter sees
 * }
 * }</pre>
 *
 * The filter is told each peer's slot and public key ({@link InboundFilter#bindSlot}) when the
 * peer is added and {@link InboundFilter#unbindSlot} when it is removed.
 */
public final class UserspaceTunnel implements AutoCloseable {

    private final Device device;
    private final DeviceConfig config;
    private final UapiServer uapi;

    private UserspaceTunnel(Device device, UapiServer uapi) {
        this.device = device;
        this.config = new DeviceConfig(device);
        this.uapi = uapi;
    }

    /**
     * Creates interface {@code iface} (down, no address: the caller configures those), binds
     * {@code listenPort} (0: random), starts the data plane and serves UAPI on
     * {@code /var/run/wireguard/<iface>.sock}. Runs in the calling thread's network namespace.
     */
    public static UserspaceTunnel open(String iface, byte[] privateKey, int listenPort, int mtu, InboundFilter filter)
            throws IOException {
        DeviceOptions options = DeviceOptions.of(iface).withListenPort(listenPort).withMtu(mtu).withFilter(filter);
        return open(options, privateKey, UapiServer.DEFAULT_DIRECTORY);
    }

    /**
     * The general form.
     *
     * @param privateKey    32 bytes, or null to leave it unset (e.g. to be set through UAPI)
     * @param uapiDirectory where the UAPI socket goes, or null for none
     */
    public static UserspaceTunnel open(DeviceOptions options, byte[] privateKey, Path uapiDirectory) throws IOException {
        Device device = Device.open(options);
        UapiServer uapi = null;
        try {
            if (privateKey != null) {
                device.setPrivateKey(privateKey);
            }
            if (uapiDirectory != null) {
                uapi = UapiServer.start(uapiDirectory, device.name(), new DeviceConfig(device));
            }
            device.start();
            return new UserspaceTunnel(device, uapi);
        } catch (IOException | RuntimeException e) {
            if (uapi != null) {
                uapi.close();
            }
            device.close();
            throw e;
        }
    }

    public String name() {
        return device.name();
    }

    public byte[] publicKey() {
        return device.publicKey();
    }

    public int listenPort() {
        return device.listenPort();
    }

    /** Applies a change with {@code wg set} semantics (the shared UAPI model). */
    public void apply(DeviceUpdate update) throws UapiErrnoException {
        config.apply(update);
    }

    /** Everything {@code wg show} reports: keys, port, peers, handshakes, traffic. */
    public DeviceStatus status() {
        return config.status();
    }

    /**
     * A {@link WireGuardController} for this one interface, without going through the socket;
     * {@code ip} runs on the host. To open interfaces through the controller instead, use
     * {@link UserspaceController} directly.
     */
    public WireGuardController controller() {
        return controller(Exec.host());
    }

    /** Like {@link #controller()}, with {@code ip} run through {@code exec} (e.g. in a namespace). */
    public WireGuardController controller(Exec exec) {
        return new UserspaceController(this, exec);
    }

    /** The filter slot of the peer with this key, empty when no such peer is configured. */
    public OptionalInt slotOf(byte[] publicKey) {
        Peer peer = device.peer(publicKey);
        return peer == null ? OptionalInt.empty() : OptionalInt.of(peer.slot());
    }

    /** The public key (base64) of the peer in {@code slot}, empty when the slot is free. */
    public Optional<String> peerInSlot(int slot) {
        return device.peers().stream().filter(p -> p.slot() == slot).map(Peer::publicKeyBase64).findFirst();
    }

    /** Replaces the service filter; every configured peer's slot is bound in the new one first. */
    public void setFilter(InboundFilter filter) {
        device.setFilter(filter);
    }

    /** Handshake and drop counters (drops by {@link dev.plexd.tunnel.device.DropReason}) for metrics. */
    public DeviceStats stats() {
        return device.stats();
    }

    /** The device itself, for per-peer counters and tests. */
    public Device device() {
        return device;
    }

    /** The UAPI socket path, empty when not served. */
    public Optional<Path> uapiSocket() {
        return uapi == null ? Optional.empty() : Optional.of(uapi.path());
    }

    /** Stops serving UAPI, stops the threads, removes the interface and erases every key. */
    @Override
    public void close() throws IOException {
        try {
            if (uapi != null) {
                uapi.close();
            }
        } finally {
            device.close();
        }
    }
}

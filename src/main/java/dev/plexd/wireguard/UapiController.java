package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.IpLiterals;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerUpdate;
import dev.plexd.wireguard.uapi.UapiClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * WireGuard in userspace, configured over the cross-platform UAPI socket
 * {@code <socketDirectory>/<iface>.sock}: works with wireguard-go, boringtun and plexd's own data
 * plane. The link's address, MTU and state go through {@code ip}.
 *
 * <p>With a launch command (default {@code wireguard-go -f}) {@link #createInterface} starts the
 * implementation and supervises it: when it dies it is restarted with backoff and everything this
 * controller configured (keys, port, peers, addresses, MTU, up) is put back; one left over from an
 * earlier run of plexd is replaced. With no command it
 * attaches to an implementation that someone else runs. Private and preshared keys travel only
 * over the socket, never in argv or logs.
 */
public final class UapiController implements WireGuardController, DeviceStatusSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UapiController.class);

    /**
     * @param socketDirectory   where implementations put {@code <iface>.sock}
     * @param command           the implementation to start, the interface name is appended
     *                          (e.g. {@code [wireguard-go, -f]}); empty: attach to a running one
     * @param timeout           deadline of one UAPI exchange
     * @param startTimeout      how long a started implementation may take to serve its socket
     * @param restartBackoffMin first delay before a restart, doubled per failure
     * @param restartBackoffMax longest delay between restarts
     */
    public record Settings(Path socketDirectory, List<String> command, Duration timeout, Duration startTimeout,
                           Duration restartBackoffMin, Duration restartBackoffMax) {

        public Settings {
            Objects.requireNonNull(socketDirectory, "socketDirectory");
            command = List.copyOf(command);
            if (timeout.isNegative() || timeout.isZero() || startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (restartBackoffMin.isNegative() || restartBackoffMin.isZero() || restartBackoffMax.compareTo(restartBackoffMin) < 0) {
                throw new IllegalArgumentException("restart backoff must be positive with min <= max");
            }
        }

        /** wireguard-go from the PATH, sockets in /var/run/wireguard. */
        public static Settings defaults() {
            return new Settings(UapiClient.DEFAULT_SOCKET_DIRECTORY, List.of("wireguard-go", "-f"), Duration.ofSeconds(5),
                    Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofSeconds(30));
        }

        /** Starts this binary in the foreground ({@code <binary> -f <iface>}), e.g. {@code wireguard.external_binary}. */
        public Settings withBinary(String binary) {
            return withCommand(List.of(binary, "-f"));
        }

        public Settings withCommand(List<String> launch) {
            return new Settings(socketDirectory, launch, timeout, startTimeout, restartBackoffMin, restartBackoffMax);
        }

        /** Starts nothing: the implementation (e.g. plexd's own data plane) serves the socket already. */
        public Settings attached() {
            return withCommand(List.of());
        }

        public Settings withSocketDirectory(Path directory) {
            return new Settings(directory, command, timeout, startTimeout, restartBackoffMin, restartBackoffMax);
        }

        public Settings withTimeout(Duration exchangeTimeout) {
            return new Settings(socketDirectory, command, exchangeTimeout, startTimeout, restartBackoffMin, restartBackoffMax);
        }

        public Settings withRestartBackoff(Duration min, Duration max) {
            return new Settings(socketDirectory, command, timeout, startTimeout, min, max);
        }
    }

    /** What this controller configured on one interface: restored after a restart. Guarded by itself. */
    private static final class Device {
        byte[] privateKey;
        int listenPort;
        final Set<String> addresses = new LinkedHashSet<>();
        int mtu;
        boolean up;
        final Map<String, PeerUpdate> peers = new LinkedHashMap<>();
        SupervisedProcess process;
        boolean deleted;
    }

    private final Settings settings;
    private final Exec exec;
    private final IpLink ip;
    private final UapiClient client;
    private final ConcurrentMap<String, Device> devices = new ConcurrentHashMap<>();

    /** @param exec runs {@code ip} and the implementation (in a namespace, for tests) */
    public UapiController(Exec exec, Settings settings) {
        this.exec = exec;
        this.settings = settings;
        this.ip = new IpLink(exec);
        this.client = new UapiClient(settings.socketDirectory(), settings.timeout());
    }

    @Override
    public void createInterface(String name, byte[] privateKey, int listenPort) throws IOException {
        InterfaceNames.check(name);
        if (privateKey == null || privateKey.length != WireGuardKeys.KEY_LENGTH) {
            throw new IOException("wireguard: " + name + ": create interface: private key must be 32 bytes");
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IOException("wireguard: " + name + ": create interface: listen port " + listenPort + " outside 0..65535");
        }
        Device device = devices.computeIfAbsent(name, n -> new Device());
        SupervisedProcess abandoned;
        IOException failure;
        synchronized (device) {
            SupervisedProcess started = null;
            if (device.process == null && !settings.command().isEmpty()) {
                replaceLeftover(name);
                started = new SupervisedProcess(name, exec, settings, client, () -> restore(name, device));
                try {
                    started.start();
                } catch (IOException e) {
                    devices.remove(name, device);
                    throw e;
                }
                device.process = started;
            }
            try {
                // replace_peers: the interface holds exactly what this controller knows, nothing older.
                client.set(name, new DeviceUpdate(privateKey, listenPort, null, true, List.of()));
                device.privateKey = privateKey.clone();
                device.listenPort = listenPort;
                device.peers.clear();
                log.atInfo().addKeyValue("interface", name).addKeyValue("listen_port", listenPort)
                        .addKeyValue("supervised", device.process != null).log("WireGuard interface created");
                return;
            } catch (IOException e) {
                failure = e;
                abandoned = started;
                if (started != null) {
                    device.process = null;
                    device.deleted = true;
                    devices.remove(name, device);
                }
            }
        }
        // Outside the lock, as in deleteInterface: a restart in progress may be waiting for it.
        if (abandoned != null) {
            abandoned.close();
        }
        throw failure;
    }

    @Override
    public void deleteInterface(String name) throws IOException {
        InterfaceNames.check(name);
        Device device = devices.remove(name);
        SupervisedProcess process = null;
        if (device != null) {
            synchronized (device) {
                device.deleted = true;
                process = device.process;
                device.process = null;
            }
        }
        // Outside the lock: a restart in progress may be waiting for it to restore.
        if (process != null) {
            process.close();
        }
        ip.deleteIfExists(name);
        log.atInfo().addKeyValue("interface", name).log("WireGuard interface deleted");
    }

    @Override
    public void configureAddress(String name, String cidr) throws IOException {
        String checked = IpLink.checkedCidr(InterfaceNames.check(name), cidr);
        Device device = device(name);
        synchronized (device) {
            ip.replaceAddress(name, checked);
            device.addresses.add(checked);
        }
    }

    @Override
    public void setUp(String name) throws IOException {
        Device device = device(InterfaceNames.check(name));
        synchronized (device) {
            ip.setUp(name);
            device.up = true;
        }
    }

    @Override
    public void setMtu(String name, int mtu) throws IOException {
        IpLink.checkMtu(InterfaceNames.check(name), mtu);
        Device device = device(name);
        synchronized (device) {
            ip.setMtu(name, mtu);
            device.mtu = mtu;
        }
    }

    @Override
    public void addPeer(String name, PeerConfig peer) throws IOException {
        InterfaceNames.check(name);
        PeerUpdate update = toUpdate(name, peer);
        Device device = device(name);
        synchronized (device) {
            client.set(name, DeviceUpdate.ofPeers(update));
            device.peers.put(update.publicKeyBase64(), update);
        }
        log.atDebug().addKeyValue("interface", name).addKeyValue("public_key", update.publicKeyBase64()).log("peer set");
    }

    @Override
    public void removePeer(String name, byte[] publicKey) throws IOException {
        InterfaceNames.check(name);
        if (publicKey == null || publicKey.length != WireGuardKeys.KEY_LENGTH) {
            throw new IOException("wireguard: " + name + ": remove peer: public key must be 32 bytes");
        }
        Device device = device(name);
        synchronized (device) {
            client.set(name, DeviceUpdate.ofPeers(PeerUpdate.removal(publicKey)));
            device.peers.remove(WireGuardKeys.encode(publicKey));
        }
        log.atDebug().addKeyValue("interface", name).addKeyValue("public_key", WireGuardKeys.encode(publicKey)).log("peer removed");
    }

    /** The live state from the implementation: peers with handshakes, traffic and endpoints. */
    @Override
    public DeviceStatus deviceStatus(String name) throws IOException {
        return client.get(InterfaceNames.check(name));
    }

    /** The process id of the supervised implementation serving the interface, if one runs. */
    public OptionalLong processId(String name) {
        Device device = devices.get(name);
        if (device == null) {
            return OptionalLong.empty();
        }
        synchronized (device) {
            return device.process == null ? OptionalLong.empty() : device.process.pid();
        }
    }

    /** Deletes every interface whose implementation this controller started. */
    @Override
    public void close() {
        for (Map.Entry<String, Device> entry : List.copyOf(devices.entrySet())) {
            boolean supervised;
            synchronized (entry.getValue()) {
                supervised = entry.getValue().process != null;
            }
            if (supervised) {
                try {
                    deleteInterface(entry.getKey());
                } catch (IOException e) {
                    log.atWarn().addKeyValue("interface", entry.getKey()).addKeyValue("error", e.getMessage())
                            .log("deleting interface on close failed");
                }
            }
        }
    }

    /**
     * A live socket before plexd started anything is an implementation left over from an earlier
     * run (plexd crashed; its child lived on). Deleting the link makes wireguard-go shut down and
     * remove its socket; then a supervised one takes over.
     */
    private void replaceLeftover(String name) throws IOException {
        if (!client.isLive(name)) {
            return;
        }
        log.atWarn().addKeyValue("interface", name).addKeyValue("socket", client.socketPath(name).toString())
                .log("replacing a WireGuard implementation left over from an earlier run");
        ip.deleteIfExists(name);
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        while (client.isLive(name)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("wireguard: " + name + ": create interface: " + client.socketPath(name)
                        + " is still served by another process after its interface was deleted; not starting a second implementation");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("wireguard: " + name + ": create interface: interrupted", e);
            }
        }
    }

    private Device device(String name) {
        return devices.computeIfAbsent(name, n -> new Device());
    }

    /** Puts everything back on a restarted implementation: it starts with a new, empty device. */
    private void restore(String name, Device device) throws IOException {
        synchronized (device) {
            if (device.deleted) {
                return;
            }
            client.set(name, new DeviceUpdate(device.privateKey, device.listenPort, null, true, List.copyOf(device.peers.values())));
            for (String address : device.addresses) {
                ip.replaceAddress(name, address);
            }
            if (device.mtu != 0) {
                ip.setMtu(name, device.mtu);
            }
            if (device.up) {
                ip.setUp(name);
            }
        }
    }

    /**
     * The whole peer as one UAPI section; a host name in the endpoint is resolved here, as wg does.
     * Public so every UAPI-model data plane (also plexd's own) converts peers the same way.
     */
    public static PeerUpdate toUpdate(String name, PeerConfig peer) throws IOException {
        String what = "wireguard: " + name + ": set peer " + peer.publicKeyBase64() + ": ";
        List<IpPrefix> allowed = new ArrayList<>(peer.allowedIps().size());
        for (String cidr : peer.allowedIps()) {
            try {
                String text = cidr.contains("/") ? cidr : cidr + (cidr.contains(":") ? "/128" : "/32");
                allowed.add(IpPrefix.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IOException(what + "allowed IP \"" + cidr + "\": " + e.getMessage(), e);
            }
        }
        InetSocketAddress endpoint = peer.endpoint() == null ? null : resolve(what, peer.endpoint());
        return PeerUpdate.replacing(peer.publicKey(), peer.presharedKey(), endpoint, peer.persistentKeepalive(), allowed);
    }

    private static InetSocketAddress resolve(String what, String endpoint) throws IOException {
        try {
            if (endpoint.startsWith("[")) {
                return IpLiterals.parseEndpoint(endpoint);
            }
            int colon = endpoint.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected host:port");
            }
            String portText = endpoint.substring(colon + 1);
            int port = portText.matches("\\d{1,5}") ? Integer.parseInt(portText) : 0;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535");
            }
            return new InetSocketAddress(InetAddress.getByName(endpoint.substring(0, colon)), port);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + "endpoint \"" + endpoint + "\": " + e.getMessage(), e);
        } catch (UnknownHostException e) {
            throw new IOException(what + "endpoint \"" + endpoint + "\": cannot resolve host: " + e.getMessage(), e);
        }
    }
}

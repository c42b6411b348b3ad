package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.wireguard.uapi.DeviceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Kernel WireGuard: the link through {@code ip link add … type wireguard}, its configuration
 * through {@code wg setconf} / {@code wg set}. Private and preshared keys reach {@code wg} on stdin
 * ({@code setconf <iface> /dev/stdin}, {@code preshared-key /dev/stdin}), never in argv. ({@code wg} talks UAPI instead when a userspace
 * socket exists for the name, which is how this path is tested without the kernel module.)
 */
public final class KernelController implements WireGuardController, DeviceStatusSource {

    private static final Logger log = LoggerFactory.getLogger(KernelController.class);

    /** One {@code wg} invocation: argv without secrets, the secret (if any) for stdin. */
    record WgCommand(List<String> argv, String stdin) {
        @Override
        public String toString() {
            return String.join(" ", argv) + (stdin == null ? "" : " <stdin: secret>");
        }
    }

    private final Exec exec;
    private final IpLink ip;

    public KernelController(Exec exec) {
        this.exec = exec;
        this.ip = new IpLink(exec);
    }

    /** Creates the link unless it exists (a restarted daemon adopts it), then sets key and port. */
    @Override
    public void createInterface(String name, byte[] privateKey, int listenPort) throws IOException {
        InterfaceNames.check(name);
        if (!ip.exists(name)) {
            ip.addWireGuard(name);
        }
        configureDevice(name, privateKey, listenPort);
        log.atInfo().addKeyValue("interface", name).addKeyValue("listen_port", listenPort).log("kernel WireGuard interface created");
    }

    /**
     * Sets private key and listen port and drops every peer in one {@code wg setconf}: the
     * interface then holds exactly what plexd knows.
     */
    void configureDevice(String name, byte[] privateKey, int listenPort) throws IOException {
        run(name, "set private key and listen port " + listenPort + ", remove all peers", deviceCommand(name, privateKey, listenPort));
    }

    @Override
    public void deleteInterface(String name) throws IOException {
        ip.deleteIfExists(InterfaceNames.check(name));
    }

    @Override
    public void configureAddress(String name, String cidr) throws IOException {
        ip.replaceAddress(name, IpLink.checkedCidr(InterfaceNames.check(name), cidr));
    }

    @Override
    public void setUp(String name) throws IOException {
        ip.setUp(InterfaceNames.check(name));
    }

    @Override
    public void setMtu(String name, int mtu) throws IOException {
        IpLink.checkMtu(InterfaceNames.check(name), mtu);
        ip.setMtu(name, mtu);
    }

    @Override
    public void addPeer(String name, PeerConfig peer) throws IOException {
        run(InterfaceNames.check(name), "set peer " + peer.publicKeyBase64(), peerCommand(name, peer));
    }

    @Override
    public void removePeer(String name, byte[] publicKey) throws IOException {
        run(InterfaceNames.check(name), "remove peer " + WireGuardKeys.encode(publicKey), removeCommand(name, publicKey));
    }

    /** {@code wg show <iface> dump}; handshake times have whole seconds only. */
    @Override
    public DeviceStatus deviceStatus(String name) throws IOException {
        Exec.Result result = exec.run("wg", "show", InterfaceNames.check(name), "dump");
        if (!result.ok()) {
            throw new IOException("wireguard: " + name + ": get device status: " + result.describeFailure());
        }
        return WgDump.parse(name, result.stdout());
    }

    static WgCommand deviceCommand(String name, byte[] privateKey, int listenPort) {
        if (privateKey == null || privateKey.length != WireGuardKeys.KEY_LENGTH) {
            throw new IllegalArgumentException("wireguard: " + name + ": private key must be 32 bytes");
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("wireguard: " + name + ": listen port " + listenPort + " outside 0..65535");
        }
        return new WgCommand(List.of("wg", "setconf", name, "/dev/stdin"),
                "[Interface]\nPrivateKey = " + WireGuardKeys.encode(privateKey) + "\nListenPort = " + listenPort + "\n");
    }

    /** The whole peer: absent preshared key removed ({@code /dev/null}), allowed IPs replaced. */
    static WgCommand peerCommand(String name, PeerConfig peer) {
        List<String> argv = new ArrayList<>(List.of("wg", "set", name, "peer", peer.publicKeyBase64()));
        argv.addAll(List.of("preshared-key", peer.presharedKey() == null ? "/dev/null" : "/dev/stdin"));
        if (peer.endpoint() != null) {
            argv.addAll(List.of("endpoint", peer.endpoint()));
        }
        argv.addAll(List.of("persistent-keepalive", peer.persistentKeepalive() == 0 ? "off" : Integer.toString(peer.persistentKeepalive())));
        argv.addAll(List.of("allowed-ips", String.join(",", peer.allowedIps())));
        return new WgCommand(argv, peer.presharedKey() == null ? null : WireGuardKeys.encode(peer.presharedKey()) + "\n");
    }

    static WgCommand removeCommand(String name, byte[] publicKey) {
        return new WgCommand(List.of("wg", "set", name, "peer", WireGuardKeys.encode(publicKey), "remove"), null);
    }

    private void run(String name, String action, WgCommand command) throws IOException {
        Exec.Result result = exec.run(command.argv(), command.stdin(), Exec.DEFAULT_TIMEOUT);
        if (!result.ok()) {
            throw new IOException("wireguard: " + name + ": " + action + ": " + result.describeFailure());
        }
    }
}

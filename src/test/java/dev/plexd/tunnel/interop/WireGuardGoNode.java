package dev.plexd.tunnel.interop;

import dev.plexd.testing.NetNs;
import dev.plexd.testing.WireGuardGo;
import dev.plexd.wireguard.X25519;
import dev.plexd.wireguard.WireGuardKeys;

/** The reference implementation: Debian's wireguard-go in a namespace, configured with {@code wg}. */
final class WireGuardGoNode implements Node {

    private final NetNs ns;
    private final String iface;
    private final byte[] publicKey;
    private final String meshIp;
    private final String underlayIp;
    private final Process process;

    private WireGuardGoNode(NetNs ns, String iface, byte[] publicKey, String meshIp, String underlayIp, Process process) {
        this.ns = ns;
        this.iface = iface;
        this.publicKey = publicKey;
        this.meshIp = meshIp;
        this.underlayIp = underlayIp;
        this.process = process;
    }

    static WireGuardGoNode start(NetNs ns, String iface, String underlayIp, String meshIp, int port) throws Exception {
        Process process = WireGuardGo.start(ns, iface);
        byte[] key = X25519.generatePrivateKey();
        ns.exec().runWithInput(WireGuardKeys.encode(key) + "\n", "wg", "set", iface, "private-key", "/dev/stdin",
                "listen-port", Integer.toString(port)).orThrow();
        ns.sh("ip", "addr", "add", meshIp + "/24", "dev", iface);
        ns.sh("ip", "link", "set", iface, "up");
        return new WireGuardGoNode(ns, iface, X25519.publicKey(key), meshIp, underlayIp, process);
    }

    /** Runs {@code wg} against this interface. */
    String wg(String... args) throws Exception {
        String[] argv = new String[args.length + 1];
        argv[0] = "wg";
        System.arraycopy(args, 0, argv, 1, args.length);
        return ns.sh(argv).stdout();
    }

    @Override
    public NetNs ns() {
        return ns;
    }

    @Override
    public String iface() {
        return iface;
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public int listenPort() {
        try {
            return Integer.parseInt(wg("show", iface, "listen-port").strip());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String meshIp() {
        return meshIp;
    }

    @Override
    public String underlayIp() {
        return underlayIp;
    }

    @Override
    public void addPeer(Node peer) throws Exception {
        wg("set", iface, "peer", WireGuardKeys.encode(peer.publicKey()),
                "endpoint", peer.underlayIp() + ":" + peer.listenPort(), "allowed-ips", peer.meshIp() + "/32");
    }

    @Override
    public void close() throws Exception {
        WireGuardGo.stop(process, iface);
    }
}

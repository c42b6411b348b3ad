package dev.plexd.tunnel.device;

import dev.plexd.service.InboundFilter;
import dev.plexd.tunnel.conn.Endpoint;
import dev.plexd.tunnel.conn.Bind;
import dev.plexd.tunnel.conn.LinuxUdp;
import dev.plexd.wireguard.X25519;
import dev.plexd.tunnel.noise.CookieChecker;
import dev.plexd.tunnel.noise.Keypair;
import dev.plexd.tunnel.noise.StaticIdentity;
import dev.plexd.tunnel.route.AllowedIps;
import dev.plexd.tunnel.route.Prefix;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.tunnel.tun.LinuxTun;
import dev.plexd.tunnel.tun.Tun;
import dev.plexd.wireguard.WireGuardKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * plexd's userspace WireGuard interface: a TUN device, a UDP socket and the peers between them.
 *
 * <p>Three threads run it once {@link #start()}ed: the outbound loop (TUN → encrypt → UDP), the
 * inbound loop (UDP → decrypt → allowed-IPs check → service filter → TUN) and the control loop
 * (handshakes, timers, keepalives). Packet threads take no shared locks (only their own cipher's,
 * once per batch, see {@link ThreadCipher}) and allocate per packet only what the JDK cipher's
 * set-up does; configuration methods lock the device.
 *
 * <p>Lifecycle: {@link #open} (creates the interface and socket on the calling thread, hence in
 * its network namespace), configure ({@link #setPrivateKey}, {@link #addPeer}, …), {@link #start},
 * {@link #close}. Configuration may change at any time.
 */
public final class Device implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Device.class);

    public static final int DEFAULT_MTU = 1420;
    /** The largest MTU the packet buffers hold (jumbo frames). */
    public static final int MAX_MTU = 9000;

    final Clock clock;
    /** The OS boundary: the loops see only these two interfaces; {@link #open} picks the Linux implementations. */
    final Tun tun;
    final Bind udp;
    final AllowedIps<Peer> allowedIps = new AllowedIps<>();
    final IndexTable indices = new IndexTable();
    final DeviceStats stats = new DeviceStats();
    final ControlLoop control;
    /** One per thread that encrypts or decrypts transport data; see {@link #retire}. */
    final ThreadCipher inboundCipher = new ThreadCipher();
    final ThreadCipher outboundCipher = new ThreadCipher();
    final ThreadCipher controlCipher = new ThreadCipher();
    volatile boolean running;
    volatile InboundFilter filter;

    private final String name;
    private final Map<String, Peer> peersByKey = new ConcurrentHashMap<>();
    private final BitSet usedSlots = new BitSet();
    private volatile List<Peer> peerList = List.of();
    private volatile StaticIdentity identity;
    private volatile CookieChecker cookieChecker;
    private volatile int mtu;
    private int fwmark;
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    private Device(DeviceOptions options, Tun tun, Bind udp) {
        this.clock = options.clock();
        this.filter = options.filter();
        this.tun = tun;
        this.udp = udp;
        this.name = tun.name();
        this.mtu = options.mtu();
        this.control = new ControlLoop(this);
    }

    /**
     * Creates the TUN interface and binds the UDP socket, on the calling thread (so in its network
     * namespace). The interface stays down and silent until {@link #start()}.
     */
    public static Device open(DeviceOptions options) throws IOException {
        LinuxTun tun = LinuxTun.create(options.interfaceName(), options.mtu(), options.offloads());
        try {
            return new Device(options, tun, LinuxUdp.bind(options.listenPort()));
        } catch (IOException | RuntimeException e) {
            tun.close();
            throw e;
        }
    }

    /**
     * Starts the packet and control threads. They are created from the calling thread and so
     * inherit its network namespace, like every socket the device opens later.
     */
    public synchronized void start() {
        if (running || closed) {
            return;
        }
        running = true;
        threads.add(Thread.ofPlatform().name(name + "-control").daemon(true).start(control));
        threads.add(Thread.ofPlatform().name(name + "-inbound").daemon(true).start(new InboundLoop(this)));
        threads.add(Thread.ofPlatform().name(name + "-outbound").daemon(true).start(new OutboundLoop(this)));
        log.atInfo().addKeyValue("interface", name).addKeyValue("listen_port", udp.port())
                .addKeyValue("offloads", tun.offloads()).log("userspace WireGuard started");
    }

    public String name() {
        return name;
    }

    public boolean isRunning() {
        return running;
    }

    /** True when the kernel hands over TCP super-packets (TSO/GSO) and accepts coalesced ones. */
    public boolean offloads() {
        return tun.offloads();
    }

    // ---- configuration ----

    /** Sets the interface's private key; null or all-zero removes it. Existing sessions end. */
    public synchronized void setPrivateKey(byte[] privateKey) {
        StaticIdentity current = identity;
        if (privateKey == null || X25519.isZero(privateKey)) {
            if (current == null) {
                return;
            }
            identity = null;
            cookieChecker = null;
        } else {
            if (current != null && Arrays.equals(current.privateKey(), privateKey)) {
                return;
            }
            StaticIdentity next = StaticIdentity.of(privateKey);
            Peer self = peersByKey.get(WireGuardKeys.encode(next.publicKey()));
            if (self != null) {
                removePeer(self);
            }
            identity = next;
            cookieChecker = new CookieChecker(next);
        }
        for (Peer peer : peerList) {
            peer.handshake.setIdentity(identity);
            eraseSessions(peer);
        }
    }

    /** The private key, or null when none is set. */
    public byte[] privateKey() {
        StaticIdentity id = identity;
        return id == null ? null : id.privateKey().clone();
    }

    public byte[] publicKey() {
        StaticIdentity id = identity;
        return id == null ? null : id.publicKey().clone();
    }

    public int listenPort() {
        return udp.port();
    }

    /**
     * Moves the UDP socket to {@code port} (0: a random one); a no-op for the current port. The
     * new socket is opened on the calling thread, so call it from the device's network namespace.
     */
    public synchronized void setListenPort(int port) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port must be 0..65535, got " + port);
        }
        if (port != udp.port() || port == 0) {
            udp.rebind(port);
            if (fwmark != 0) {
                udp.setMark(fwmark);
            }
        }
    }

    public synchronized int fwmark() {
        return fwmark;
    }

    public synchronized void setFwmark(int mark) throws IOException {
        udp.setMark(mark);
        fwmark = mark;
    }

    public int mtu() {
        return mtu;
    }

    /** Sets the interface MTU (576 … {@link #MAX_MTU}). */
    public void setMtu(int newMtu) throws IOException {
        if (newMtu < 576 || newMtu > MAX_MTU) {
            throw new IllegalArgumentException("MTU must be 576.." + MAX_MTU + ", got " + newMtu);
        }
        tun.setMtu(newMtu);
        mtu = newMtu;
    }

    /** Re-reads the MTU, which {@code ip link set mtu} may change behind our back. */
    void refreshMtu() {
        try {
            int current = tun.mtu();
            mtu = Math.min(current, MAX_MTU);
        } catch (IOException e) {
            log.atDebug().setCause(e).log("cannot read MTU");
        }
    }

    public void setFilter(InboundFilter filter) {
        synchronized (this) {
            for (Peer peer : peerList) {
                this.filter.unbindSlot(peer.slot());
                filter.bindSlot(peer.slot(), peer.publicKeyBase64());
            }
            this.filter = filter;
        }
    }

    /** Returns the peer with this public key, adding it (without endpoint or allowed IPs) if new. */
    public synchronized Peer addPeer(byte[] publicKey) {
        if (publicKey.length != X25519.KEY_LENGTH) {
            throw new IllegalArgumentException("peer public key must be 32 bytes");
        }
        String key = WireGuardKeys.encode(publicKey);
        Peer existing = peersByKey.get(key);
        if (existing != null) {
            return existing;
        }
        StaticIdentity id = identity;
        if (id != null && Arrays.equals(id.publicKey(), publicKey)) {
            throw new IllegalArgumentException("a peer cannot have the interface's own public key");
        }
        int slot = usedSlots.nextClearBit(0);
        if (slot >= InboundFilter.MAX_PEER_SLOTS) {
            throw new IllegalStateException("at most " + InboundFilter.MAX_PEER_SLOTS + " peers");
        }
        usedSlots.set(slot);
        Peer peer = new Peer(publicKey, slot, id, control::actionsFor);
        peersByKey.put(key, peer);
        List<Peer> list = new ArrayList<>(peerList);
        list.add(peer);
        peerList = List.copyOf(list);
        filter.bindSlot(slot, key);
        return peer;
    }

    public Peer peer(byte[] publicKey) {
        return peersByKey.get(WireGuardKeys.encode(publicKey));
    }

    Peer peerByKey(byte[] publicKey) {
        return peer(publicKey);
    }

    /** Every configured peer, in the order they were added. */
    public List<Peer> peers() {
        return peerList;
    }

    List<Peer> peerList() {
        return peerList;
    }

    /** Removes the peer with this key: its routes, sessions, timers and waiting packets. */
    public synchronized boolean removePeer(byte[] publicKey) {
        Peer peer = peer(publicKey);
        if (peer == null) {
            return false;
        }
        removePeer(peer);
        return true;
    }

    public synchronized void removeAllPeers() {
        for (Peer peer : peerList) {
            removePeer(peer);
        }
    }

    private void removePeer(Peer peer) {
        peer.removed = true;
        peer.timers.stop();
        peersByKey.remove(peer.publicKeyBase64());
        List<Peer> list = new ArrayList<>(peerList);
        list.remove(peer);
        peerList = List.copyOf(list);
        allowedIps.removePeer(peer);
        eraseSessions(peer);
        peer.staged.clear();
        filter.unbindSlot(peer.slot());
        usedSlots.clear(peer.slot());
    }

    public synchronized void setEndpoint(Peer peer, InetSocketAddress endpoint) {
        peer.setEndpoint(endpoint == null ? null : Endpoint.of(endpoint, udp.isV6()));
    }

    public synchronized void setPresharedKey(Peer peer, byte[] psk) {
        peer.handshake.setPresharedKey(psk == null || X25519.isZero(psk) ? null : psk);
    }

    /** Seconds between keepalives on an idle link (0 = off); the first goes out at once. */
    public synchronized void setPersistentKeepalive(Peer peer, int seconds) {
        if (seconds < 0 || seconds > 65535) {
            throw new IllegalArgumentException("persistent keepalive must be 0..65535, got " + seconds);
        }
        peer.timers.setPersistentKeepalive(seconds);
    }

    public void replaceAllowedIps(Peer peer, List<Prefix> prefixes) {
        allowedIps.replacePeer(peer, prefixes);
    }

    public void addAllowedIp(Peer peer, Prefix prefix) {
        allowedIps.insert(prefix, peer);
    }

    public List<Prefix> allowedIps(Peer peer) {
        return allowedIps.prefixesOf(peer);
    }

    public DeviceStats stats() {
        return stats;
    }

    // ---- used by the loops ----

    StaticIdentity identity() {
        return identity;
    }

    CookieChecker cookieChecker() {
        return cookieChecker;
    }

    void drop(Peer peer, DropReason reason) {
        stats.drops.drop(reason);
        if (peer != null) {
            peer.drops.drop(reason);
        }
    }

    /**
     * Erases sessions that are no longer reachable: removes their indices, zeroes their keys, and
     * makes every thread's JDK cipher drop its copy of the last key it used (which may be one of
     * these; an idle thread would otherwise keep it until its next packet).
     */
    void retire(List<Keypair> keypairs) {
        if (keypairs.isEmpty()) {
            return;
        }
        for (Keypair keypair : keypairs) {
            indices.remove(keypair.localIndex());
            keypair.wipe();
        }
        inboundCipher.forget();
        outboundCipher.forget();
        controlCipher.forget();
    }

    /** Erases all of a peer's key material: sessions and any handshake in progress. */
    void eraseSessions(Peer peer) {
        retire(peer.takeAllKeypairs());
        indices.remove(peer.handshake.localIndex());
        peer.handshake.clear();
    }

    /** Asks the control thread for a handshake with {@code peer}, at most once per Rekey-Timeout. */
    void requestHandshake(Peer peer, long now) {
        long last = peer.handshakeRequested;
        if (last != 0 && now - last < dev.plexd.tunnel.timers.Timing.REKEY_TIMEOUT) {
            return;
        }
        peer.handshakeRequested = now;
        if (!control.submit(new ControlLoop.Initiate(peer))) {
            drop(peer, DropReason.QUEUE_FULL);
        }
    }

    /** Asks the control thread to send a peer's staged packets (once until it has). */
    void requestFlush(Peer peer) {
        if (!peer.flushRequested) {
            peer.flushRequested = true;
            if (!control.submit(new ControlLoop.Flush(peer))) {
                peer.flushRequested = false;
                drop(peer, DropReason.QUEUE_FULL);
            }
        }
    }

    // ---- lifecycle ----

    /** Stops the threads, removes the interface, closes the socket and erases every key. */
    @Override
    public void close() throws IOException {
        List<Thread> toJoin;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = false;
            toJoin = List.copyOf(threads);
        }
        tun.wakeup();
        udp.wakeReceivers();
        for (Thread t : toJoin) {
            t.interrupt();
        }
        for (Thread t : toJoin) {
            try {
                if (!t.join(Duration.ofSeconds(5))) {
                    log.atWarn().addKeyValue("thread", t.getName()).log("data plane thread did not stop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (this) {
            removeAllPeers();
            setPrivateKey(null);
        }
        try {
            tun.close();
        } finally {
            udp.close();
        }
        log.atInfo().addKeyValue("interface", name).log("userspace WireGuard stopped");
    }
}

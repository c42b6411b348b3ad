package dev.plexd.firewall;

import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A node whose mesh interface ({@value #MESH}) is a veth to a "peers" namespace holding the
 * addresses of an allowed peer A and an unrelated peer U, and a LAN interface to a host behind the
 * node that it routes for, all IPv4 and IPv6. Traffic is real: Java sockets opened inside the
 * namespaces. A socket belongs to the namespace it was created in, so sockets are created (and
 * bound, which is when Java creates the OS socket) there and then used from any thread, which lets many blocked-connection checks wait in parallel.
 */
final class MeshTopology implements AutoCloseable {

    static final String MESH = "pxfm0";
    static final String NODE4 = "10.100.0.1";
    static final String NODE6 = "fd00:100::1";
    static final String A4 = "10.100.0.2";
    static final String A6 = "fd00:100::2";
    static final String U4 = "10.100.0.3";
    static final String U6 = "fd00:100::3";
    static final String NODE_LAN4 = "198.51.100.1";
    static final String BEHIND4 = "198.51.100.2";
    static final String BEHIND6 = "fd00:198::2";

    /** Long enough for any allowed connection on a loaded machine; a dropped SYN or datagram just waits it out. */
    private static final int BLOCKED_AFTER_MS = 800;

    final NetNs node;
    final NetNs peers;
    final NetNs behind;
    private final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    /** Datagrams the UDP servers received, as "port:text". */
    private final Set<String> received = ConcurrentHashMap.newKeySet();

    private MeshTopology(NetNs node, NetNs peers, NetNs behind) {
        this.node = node;
        this.peers = peers;
        this.behind = behind;
    }

    static MeshTopology create() throws IOException {
        NetNs node = NetNs.create("fw");
        NetNs peers = null;
        NetNs behind = null;
        try {
            peers = NetNs.create("fw");
            behind = NetNs.create("fw");
            NetNs.link(node, MESH, List.of(NODE4 + "/24", NODE6 + "/64"), peers, "pxfp0", List.of(A4 + "/24", A6 + "/64"));
            peers.sh("ip", "addr", "add", U4 + "/24", "dev", "pxfp0");
            peers.sh("ip", "addr", "add", U6 + "/64", "dev", "pxfp0");
            NetNs.link(node, "pxfl0", List.of(NODE_LAN4 + "/24", "fd00:198::1/64"), behind, "pxfb0",
                    List.of(BEHIND4 + "/24", BEHIND6 + "/64"));
            node.sh("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
            peers.sh("ip", "route", "add", "198.51.100.0/24", "via", NODE4);
            peers.sh("ip", "-6", "route", "add", "fd00:198::/64", "via", NODE6);
            behind.sh("ip", "route", "add", "default", "via", NODE_LAN4);
            behind.sh("ip", "-6", "route", "add", "default", "via", "fd00:198::1");
            return new MeshTopology(node, peers, behind);
        } catch (IOException | RuntimeException e) {
            for (NetNs ns : new NetNs[]{behind, peers, node}) {
                if (ns != null) {
                    ns.close();
                }
            }
            throw e;
        }
    }

    /** A TCP server on every address of {@code ns} that echoes what it reads. */
    void tcpServer(NetNs ns, int port) throws Exception {
        ServerSocket server = ns.call(() -> new ServerSocket(port, 50));
        servers.add(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    servers.add(client);
                    Thread.ofVirtual().start(() -> echo(client));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void echo(Socket client) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** A UDP server on every address of {@code ns} that records and echoes each datagram. */
    void udpServer(NetNs ns, int port) throws Exception {
        DatagramSocket server = ns.call(() -> new DatagramSocket(port));
        servers.add(server);
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[2048];
            while (!server.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    server.receive(packet);
                    received.add(port + ":" + new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
                    server.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /**
     * Whether a TCP connection from {@code src} (an address of {@code from}) to {@code dst} completes
     * and a byte makes the round trip. False when the handshake times out (dropped); a refused
     * connection means the test has no server there and fails it.
     */
    Callable<Boolean> tcp(NetNs from, String src, String dst, int port) throws Exception {
        Socket socket = boundSocket(from, src);
        return () -> {
            try (socket) {
                socket.connect(new InetSocketAddress(InetAddress.ofLiteral(dst), port), BLOCKED_AFTER_MS);
                socket.setSoTimeout(5000);
                socket.getOutputStream().write(42);
                return socket.getInputStream().read() == 42;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (ConnectException e) {
                throw new AssertionError("no server at " + dst + ":" + port + " (" + e.getMessage() + ")", e);
            }
        };
    }

    /**
     * A TCP socket bound to {@code src} in {@code ns}. Java creates the OS socket on first use, so
     * the bind has to happen inside the namespace; connecting may then happen on any thread.
     */
    static Socket boundSocket(NetNs ns, String src) throws Exception {
        return ns.call(() -> {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(InetAddress.ofLiteral(src), 0));
            return socket;
        });
    }

    /**
     * Whether a UDP request from {@code src} to {@code dst} gets its echo. A dropped request never
     * reaches the server, which {@link #udpArrived} tells apart from a dropped reply.
     */
    Callable<Boolean> udp(NetNs from, String src, String dst, int port, String text) throws Exception {
        DatagramSocket socket = from.call(() -> new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(src), 0)));
        return () -> {
            try (socket) {
                byte[] request = text.getBytes(StandardCharsets.UTF_8);
                socket.setSoTimeout(BLOCKED_AFTER_MS);
                socket.send(new DatagramPacket(request, request.length, new InetSocketAddress(InetAddress.ofLiteral(dst), port)));
                DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
                socket.receive(reply);
                return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8).equals(text);
            } catch (SocketTimeoutException e) {
                return false;
            }
        };
    }

    boolean udpArrived(int port, String text) {
        return received.contains(port + ":" + text);
    }

    /** Whether one ICMP echo from {@code src} gets its reply. */
    Callable<Boolean> ping(NetNs from, String src, String dst) {
        return () -> from.exec().run("ping", "-c1", "-W1", "-I", src, dst).ok();
    }

    /** One traffic expectation. */
    record Check(String what, boolean expected, Callable<Boolean> probe) {
    }

    static Check passes(String what, Callable<Boolean> probe) {
        return new Check(what, true, probe);
    }

    static Check blocked(String what, Callable<Boolean> probe) {
        return new Check(what, false, probe);
    }

    /** Runs every check at once; returns one line per check whose traffic did not behave as expected. */
    List<String> run(List<Check> checks) throws Exception {
        List<Future<Boolean>> results = new ArrayList<>();
        for (Check check : checks) {
            results.add(probes.submit(check.probe()));
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            boolean passed = results.get(i).get();
            if (passed != checks.get(i).expected()) {
                wrong.add(checks.get(i).what() + ": expected " + (checks.get(i).expected() ? "to pass" : "to be blocked")
                        + " but it " + (passed ? "passed" : "was blocked"));
            }
        }
        return wrong;
    }

    Exec nodeExec() {
        return node.exec();
    }

    @Override
    public void close() throws IOException {
        for (AutoCloseable server : servers) {
            try {
                server.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
        probes.shutdownNow();
        IOException failure = null;
        for (NetNs ns : List.of(behind, peers, node)) {
            try {
                ns.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}

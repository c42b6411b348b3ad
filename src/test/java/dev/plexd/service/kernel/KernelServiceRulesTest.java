package dev.plexd.service.kernel;

import dev.plexd.service.MeshPeer;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.ServiceAccess;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kernel mode: the compiled policies as nftables rules on the mesh interface, keyed by mesh IP.
 * The traffic test drives the real {@code nft} in a namespace and sends real TCP, UDP and ICMP.
 */
class KernelServiceRulesTest {

    private static final String KEY_ADMIN = key(1);
    private static final String KEY_OTHER = key(2);
    private static final String KEY_V6 = key(3);

    @TempDir
    Path configDir;

    private static String key(int seed) {
        byte[] key = new byte[32];
        key[0] = (byte) seed;
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    private static PeerDirectory peers() throws Exception {
        return PeerDirectory.of(List.of(
                new MeshPeer("db-admin", KEY_ADMIN, "192.0.2.2/32", List.of()),
                new MeshPeer("other", KEY_OTHER, "192.0.2.3", List.of()),
                new MeshPeer("v6", KEY_V6, "fd00:5::3", List.of()),
                new MeshPeer("nowhere", key(4), null, List.of())));
    }

    /** The spec's example 3 plus a UDP rule. */
    private PolicySet example3() throws Exception {
        return new ServicesDir(configDir).defaultAction("deny")
                .global("allow tcp 22\nallow udp 53\n")
                .peer("db-admin", "allow tcp 5432\n")
                .load();
    }

    @Test
    void rendersOneTableWithAChainPerDistinctPolicyKeyedByMeshIp() throws Exception {
        KernelServiceRules rules = new KernelServiceRules(Exec.host(), "pxsmesh");
        KernelServiceRules.Ruleset ruleset = rules.render(example3(), peers());
        assertThat(ruleset.script()).isEqualTo("""
                table inet plexd-svc
                delete table inet plexd-svc
                table inet plexd-svc {
                  chain policy-0 {
                    tcp dport vmap { 0-21 : drop, 22 : accept, 23-5431 : drop, 5432 : accept, 5433-65535 : drop }
                    udp dport vmap { 0-52 : drop, 53 : accept, 54-65535 : drop }
                    drop
                  }
                  chain policy-1 {
                    tcp dport vmap { 0-21 : drop, 22 : accept, 23-65535 : drop }
                    udp dport vmap { 0-52 : drop, 53 : accept, 54-65535 : drop }
                    drop
                  }
                  chain input {
                    type filter hook input priority filter; policy accept;
                    iifname != "pxsmesh" accept
                    ct state established,related accept
                    meta l4proto { icmp, ipv6-icmp } accept
                    ip saddr vmap { 192.0.2.2 : jump policy-0, 192.0.2.3 : jump policy-1 }
                    ip6 saddr vmap { fd00:5:0:0:0:0:0:3 : jump policy-1 }
                    drop
                  }
                }
                """);
        assertThat(ruleset.warnings()).containsExactly(
                "kernel rules: node nowhere has no usable mesh IP (null); its packets get the default action");
    }

    @Test
    void nothingToDenyMeansNoTable() throws Exception {
        PolicySet open = new ServicesDir(configDir).global("allow tcp 22\n").load();
        assertThat(new KernelServiceRules(Exec.host(), "pxsmesh").render(open, peers()).script())
                .isEqualTo("table inet plexd-svc\ndelete table inet plexd-svc\n");
    }

    @Test
    void interfaceNamesAreChecked() {
        assertThatThrownBy(() -> new KernelServiceRules(Exec.host(), "bad\"name"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Privileged(tools = {"ip", "nft"})
    void realTrafficIsFilteredPerPeerOnTheMeshInterfaceOnly() throws Exception {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        String meshIf = "pxs" + suffix + "n";
        try (NetNs node = NetNs.create("sv"); NetNs peers = NetNs.create("sv")) {
            NetNs.link(node, meshIf, List.of("192.0.2.1/24", "fd00:5::1/64"),
                    peers, "pxs" + suffix + "p", List.of("192.0.2.2/24", "192.0.2.3/24", "fd00:5::3/64"));
            List<AutoCloseable> servers = new ArrayList<>();
            try {
                for (int port : new int[]{22, 5432, 8080}) {
                    ServerSocket server = node.call(() -> new ServerSocket(port, 50, InetAddress.ofLiteral("::")));
                    servers.add(server);
                    Thread.ofPlatform().daemon(true).start(() -> acceptForever(server));
                }
                DatagramSocket dns = node.call(() -> new DatagramSocket(53));
                servers.add(dns);
                Thread.ofPlatform().daemon(true).start(() -> echoForever(dns));

                KernelServiceRules rules = new KernelServiceRules(node.exec(), meshIf);
                rules.apply(example3(), peers());

                assertThat(tcp(peers, "192.0.2.2", "192.0.2.1", 22)).as("db-admin ssh").isTrue();
                assertThat(tcp(peers, "192.0.2.2", "192.0.2.1", 5432)).as("db-admin postgres").isTrue();
                assertThat(tcp(peers, "192.0.2.2", "192.0.2.1", 8080)).as("db-admin 8080").isFalse();
                assertThat(tcp(peers, "192.0.2.3", "192.0.2.1", 22)).as("other ssh").isTrue();
                assertThat(tcp(peers, "192.0.2.3", "192.0.2.1", 5432)).as("other postgres").isFalse();
                assertThat(tcp(peers, "fd00:5::3", "fd00:5::1", 22)).as("v6 ssh").isTrue();
                assertThat(tcp(peers, "fd00:5::3", "fd00:5::1", 5432)).as("v6 postgres").isFalse();
                assertThat(udp(peers, "192.0.2.3", "192.0.2.1", 53)).as("other dns").isTrue();
                assertThat(peers.exec().run("ping", "-c1", "-W2", "192.0.2.1").ok()).as("ping").isTrue();
                assertThat(peers.exec().run("ping", "-c1", "-W2", "fd00:5::1").ok()).as("ping6").isTrue();
                // Loopback is not the mesh interface: untouched.
                assertThat(tcp(node, "127.0.0.1", "127.0.0.1", 8080)).as("loopback").isTrue();

                // A new policy replaces the table in one transaction.
                new ServicesDir(configDir).global("allow udp 53\n");
                rules.apply(new ServicesDir(configDir).load(), peers());
                assertThat(tcp(peers, "192.0.2.3", "192.0.2.1", 22)).as("other ssh after reload").isFalse();
                assertThat(tcp(peers, "192.0.2.2", "192.0.2.1", 5432)).as("db-admin postgres after reload").isTrue();

                rules.remove();
                assertThat(node.sh("nft", "list", "tables").stdout()).doesNotContain("plexd-svc");
                assertThat(tcp(peers, "192.0.2.3", "192.0.2.1", 8080)).as("after remove").isTrue();
                rules.remove(); // idempotent
            } finally {
                for (AutoCloseable server : servers) {
                    server.close();
                }
            }
        }
    }

    /**
     * The {@code ct state} rule loads conntrack, whose defragmentation reassembles IPv4 and IPv6
     * datagrams before the input hook: the chain sees the whole datagram and judges it by its
     * port, so a datagram larger than the link MTU reaches an allowed port and not a denied one.
     */
    @Test
    @Privileged(tools = {"ip", "nft"})
    void fragmentedDatagramsAreReassembledBeforeTheRulesAndJudgedByPort() throws Exception {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        String meshIf = "pxs" + suffix + "n";
        String peerIf = "pxs" + suffix + "p";
        try (NetNs node = NetNs.create("sv"); NetNs peers = NetNs.create("sv")) {
            NetNs.link(node, meshIf, List.of("192.0.2.1/24", "fd00:5::1/64"),
                    peers, peerIf, List.of("192.0.2.3/24", "fd00:5::3/64"));
            node.sh("ip", "link", "set", "dev", meshIf, "mtu", "1280");
            peers.sh("ip", "link", "set", "dev", peerIf, "mtu", "1280");
            List<DatagramSocket> servers = new ArrayList<>();
            try {
                for (int port : new int[]{53, 54}) { // allowed, denied
                    DatagramSocket server = node.call(() -> new DatagramSocket(port));
                    servers.add(server);
                    Thread.ofPlatform().daemon(true).start(() -> echoForever(server));
                }
                new KernelServiceRules(node.exec(), meshIf).apply(example3(), peers());
                long v4Fragments = counter(peers, "/proc/net/snmp", "FragCreates");
                long v6Fragments = counter(peers, "/proc/net/snmp6", "Ip6FragCreates");

                assertThat(udp(peers, "192.0.2.3", "192.0.2.1", 53, 3000)).as("IPv4, 3000 bytes to an allowed port").isTrue();
                assertThat(udp(peers, "192.0.2.3", "192.0.2.1", 54, 3000)).as("IPv4, 3000 bytes to a denied port").isFalse();
                assertThat(udp(peers, "fd00:5::3", "fd00:5::1", 53, 3000)).as("IPv6, 3000 bytes to an allowed port").isTrue();
                assertThat(udp(peers, "fd00:5::3", "fd00:5::1", 54, 3000)).as("IPv6, 3000 bytes to a denied port").isFalse();
                // Each datagram really left the peer in fragments (3 at this MTU).
                assertThat(counter(peers, "/proc/net/snmp", "FragCreates") - v4Fragments).isGreaterThanOrEqualTo(6);
                assertThat(counter(peers, "/proc/net/snmp6", "Ip6FragCreates") - v6Fragments).isGreaterThanOrEqualTo(6);
            } finally {
                for (DatagramSocket server : servers) {
                    server.close();
                }
            }
        }
    }

    /** A counter of {@code /proc/net/snmp} ("Ip:" header and value lines) or {@code snmp6} ("name value" lines), in a namespace. */
    private static long counter(NetNs ns, String file, String name) throws Exception {
        String[] lines = ns.sh("cat", file).stdout().split("\n");
        for (int i = 0; i < lines.length; i++) {
            String[] words = lines[i].trim().split("\\s+");
            if (words.length == 2 && words[0].equals(name)) {
                return Long.parseLong(words[1]);
            }
            if (words[0].equals("Ip:") && i + 1 < lines.length && List.of(words).contains(name)) {
                return Long.parseLong(lines[i + 1].trim().split("\\s+")[List.of(words).indexOf(name)]);
            }
        }
        throw new AssertionError(name + " not in " + file);
    }

    @Test
    @Privileged(tools = {"ip", "nft"})
    void serviceAccessKeepsTheKernelTableInStepWithTheFilesAndFailsClosed() throws Exception {
        String meshIf = "pxs" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff)) + "k";
        try (NetNs node = NetNs.create("sv")) {
            ServicesDir files = new ServicesDir(configDir).global("alow tcp 22\n");
            try (ServiceAccess access = new ServiceAccess(configDir, new KernelServiceRules(node.exec(), meshIf),
                    java.time.Clock.systemUTC())) {
                access.updatePeers(peers().peers());
                access.start();
                // Bad files and no good policy yet: the kernel drops everything but ICMP on the mesh interface.
                assertThat(access.status().ok()).isFalse();
                assertThat(table(node)).contains("meta l4proto { icmp, ipv6-icmp } accept", "meta l4proto tcp drop", "meta l4proto udp drop")
                        .endsWith("drop\n\t}\n}\n");

                files.defaultAction("deny").global("allow tcp 22\n").peer("db-admin", "allow tcp 5432\n");
                awaitTable(node, "tcp dport vmap { 0-21 : drop, 22 : accept, 23-5431 : drop, 5432 : accept, 5433-65535 : drop }");
                assertThat(table(node)).contains("192.0.2.2 : jump policy-0");
                assertThat(access.status().ok()).isTrue();

                // A bad edit changes nothing in the kernel.
                String good = table(node);
                files.peer("db-admin", "allow tcp 5432 extra\n");
                until("the bad edit to be reported", () -> !access.status().ok(), access::status);
                assertThat(table(node)).isEqualTo(good);
                assertThat(access.errors()).containsExactly(
                        "services/peer/db-admin.policy:1: unexpected text after the port (extra)");

                files.peer("db-admin", "allow tcp 5433\n");
                awaitTable(node, "5433 : accept");
                assertThat(access.status().ok()).isTrue();
            }
        }
    }

    /** Unchecked, so that waits can poll it. */
    private static String table(NetNs node) {
        try {
            return node.sh("nft", "list", "table", "inet", KernelServiceRules.TABLE).stdout();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitTable(NetNs node, String fragment) throws InterruptedException {
        until("table " + KernelServiceRules.TABLE + " to contain " + fragment, () -> table(node).contains(fragment), () -> table(node));
    }

    private static boolean tcp(NetNs from, String source, String target, int port) throws Exception {
        return from.call(() -> {
            try (Socket socket = new Socket()) {
                socket.bind(new InetSocketAddress(InetAddress.ofLiteral(source), 0));
                socket.connect(new InetSocketAddress(InetAddress.ofLiteral(target), port), 700);
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            }
        });
    }

    private static boolean udp(NetNs from, String source, String target, int port) throws Exception {
        return udp(from, source, target, port, 3);
    }

    /** Whether a datagram of {@code size} bytes comes back whole from the echo server. */
    private static boolean udp(NetNs from, String source, String target, int port, int size) throws Exception {
        return from.call(() -> {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(source), 0))) {
                socket.setSoTimeout(700);
                byte[] ping = new byte[size];
                ThreadLocalRandom.current().nextBytes(ping);
                socket.send(new DatagramPacket(ping, ping.length, InetAddress.ofLiteral(target), port));
                DatagramPacket reply = new DatagramPacket(new byte[size + 1], size + 1);
                socket.receive(reply);
                return java.util.Arrays.equals(ping, 0, size, reply.getData(), 0, reply.getLength());
            } catch (SocketTimeoutException e) {
                return false;
            }
        });
    }

    private static void acceptForever(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket _ = server.accept()) {
                // connection established is all the test needs
            } catch (java.io.IOException e) {
                return;
            }
        }
    }

    private static void echoForever(DatagramSocket socket) {
        byte[] buffer = new byte[65_536];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                socket.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
            } catch (java.io.IOException e) {
                return;
            }
        }
    }
}

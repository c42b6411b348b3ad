package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static dev.plexd.firewall.MeshTopology.A4;
import static dev.plexd.firewall.MeshTopology.A6;
import static dev.plexd.firewall.MeshTopology.BEHIND4;
import static dev.plexd.firewall.MeshTopology.BEHIND6;
import static dev.plexd.firewall.MeshTopology.MESH;
import static dev.plexd.firewall.MeshTopology.NODE4;
import static dev.plexd.firewall.MeshTopology.NODE6;
import static dev.plexd.firewall.MeshTopology.NODE_LAN4;
import static dev.plexd.firewall.MeshTopology.U4;
import static dev.plexd.firewall.MeshTopology.U6;
import static dev.plexd.firewall.MeshTopology.blocked;
import static dev.plexd.firewall.MeshTopology.passes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real packets through a firewall backend, the same suite for every backend: a node whose mesh
 * interface leads to an allowed peer A and an unrelated peer U, and a host behind the node that
 * it routes for ({@link MeshTopology}). The node's rules are what the PolicyEngine writes for
 * "A may reach the node on tcp 8080 and udp 5353 and the host behind it on tcp 8080; the node may
 * reach A on tcp 9090", plus a rule for a peer whose address is unknown. Every TCP probe makes a
 * round trip, so replies of allowed flows (which no rule allows) must pass through conntrack.
 */
abstract class FirewallTrafficSuite {

    static final String CHAIN = "plexd-mesh";

    MeshTopology mesh;
    ManagedFirewall firewall;

    /** The backend under test, running inside the node's namespace. */
    abstract ManagedFirewall firewall(Exec node);

    /** Everything the backend's kernel tables hold in the node's namespace, as text. */
    abstract String dumpKernel(Exec node) throws Exception;

    @BeforeEach
    void createMesh() throws Exception {
        mesh = MeshTopology.create();
        for (int port : List.of(8080, 8081)) {
            mesh.tcpServer(mesh.node, port);
            mesh.tcpServer(mesh.behind, port);
        }
        for (int port : List.of(9090, 9091)) {
            mesh.tcpServer(mesh.peers, port);
        }
        for (int port : List.of(5353, 5354)) {
            mesh.udpServer(mesh.node, port);
        }
        firewall = firewall(mesh.nodeExec());
    }

    @AfterEach
    void closeMesh() throws Exception {
        mesh.close();
    }

    /** The node's rules for both families, in the PolicyEngine's shape, ending with the default deny. */
    static List<FirewallRule> nodeRules(List<FirewallRule> extra) {
        List<FirewallRule> rules = new ArrayList<>();
        for (String[] f : new String[][]{{A4, NODE4, BEHIND4}, {A6, NODE6, BEHIND6}}) {
            rules.add(new FirewallRule(MESH, f[0], f[1], 8080, "tcp", "allow"));
            rules.add(new FirewallRule(MESH, f[0], f[1], 5353, "udp", "allow"));
            rules.add(new FirewallRule(MESH, f[0], f[2], 8080, "tcp", "allow"));
            rules.add(new FirewallRule(MESH, f[1], f[0], 9090, "tcp", "allow"));
        }
        // A peer the engine could not resolve: matches nothing, above all not "any source".
        rules.add(new FirewallRule(MESH, "", NODE4, 8081, "tcp", "allow"));
        rules.add(new FirewallRule(MESH, "", NODE6, 8081, "tcp", "allow"));
        rules.addAll(extra);
        rules.add(new FirewallRule(MESH, FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        return rules;
    }

    /** What {@link #nodeRules} allow and deny, in and out of the node and through it, both families. */
    List<MeshTopology.Check> policyChecks() throws Exception {
        MeshTopology m = mesh;
        List<MeshTopology.Check> checks = new ArrayList<>();
        for (String[] f : new String[][]{{"v4", A4, U4, NODE4, BEHIND4}, {"v6", A6, U6, NODE6, BEHIND6}}) {
            String v = f[0] + " ";
            String a = f[1], u = f[2], node = f[3], behind = f[4];
            checks.add(passes(v + "A -> node tcp 8080 (and its replies)", m.tcp(m.peers, a, node, 8080)));
            checks.add(blocked(v + "A -> node tcp 8081 (only the unresolved peer's rule names it)", m.tcp(m.peers, a, node, 8081)));
            checks.add(blocked(v + "U -> node tcp 8080 (unrelated peer)", m.tcp(m.peers, u, node, 8080)));
            checks.add(passes(v + "A -> node udp 5353", m.udp(m.peers, a, node, 5353, v + "a-5353")));
            checks.add(blocked(v + "A -> node udp 5354", m.udp(m.peers, a, node, 5354, v + "a-5354")));
            checks.add(blocked(v + "U -> node udp 5353", m.udp(m.peers, u, node, 5353, v + "u-5353")));
            checks.add(blocked(v + "A -> node ping (default deny)", m.ping(m.peers, a, node)));
            checks.add(passes(v + "A -> behind tcp 8080 (forwarded)", m.tcp(m.peers, a, behind, 8080)));
            checks.add(blocked(v + "A -> behind tcp 8081 (forwarded)", m.tcp(m.peers, a, behind, 8081)));
            checks.add(blocked(v + "U -> behind tcp 8080 (forwarded)", m.tcp(m.peers, u, behind, 8080)));
            checks.add(blocked(v + "behind -> A tcp 9090 (forwarded, default deny)", m.tcp(m.behind, behind, a, 9090)));
            checks.add(passes(v + "node -> A tcp 9090 (outbound)", m.tcp(m.node, node, a, 9090)));
            checks.add(blocked(v + "node -> A tcp 9091 (outbound)", m.tcp(m.node, node, a, 9091)));
            checks.add(blocked(v + "node -> U tcp 9090 (outbound)", m.tcp(m.node, node, u, 9090)));
        }
        checks.add(passes("behind -> node on the LAN: not the mesh interface, not filtered", m.ping(m.behind, BEHIND4, NODE_LAN4)));
        return checks;
    }

    /** Every probe of {@link #policyChecks} passes: nothing filters the mesh. */
    List<MeshTopology.Check> allOpen() throws Exception {
        return policyChecks().stream().map(c -> passes(c.what(), c.probe())).toList();
    }

    @Test
    void enforcesTrafficToFromAndThroughTheNodeStatefullyWithDefaultDenyInBothFamilies() throws Exception {
        List<MeshTopology.Check> before = List.of(
                passes("U -> node tcp 8080 before any rule", mesh.tcp(mesh.peers, U4, NODE4, 8080)),
                passes("U -> node udp 5353 before any rule", mesh.udp(mesh.peers, U6, NODE6, 5353, "before")));
        assertThat(mesh.run(before)).as("the topology passes traffic without a firewall").isEmpty();

        firewall.applyRules(CHAIN, nodeRules(List.of()));
        assertThat(mesh.run(policyChecks())).isEmpty();
        assertThat(mesh.udpArrived(5353, "v4 u-5353")).as("the unrelated peer's datagram is dropped on the way in").isFalse();
    }

    @Test
    void aLongRunningAllowedConnectionSurvivesAOnePolicyChangeAtAThousandPeers() throws Exception {
        firewall.applyRules(CHAIN, nodeRules(thousandPeers(8081)));
        try (Socket socket = MeshTopology.boundSocket(mesh.peers, A4)) {
            socket.connect(new InetSocketAddress(InetAddress.ofLiteral(NODE4), 8080), 5000);
            socket.setSoTimeout(5000);
            assertThat(roundTrip(socket, 1)).isTrue();

            // Exactly one policy changes, and not A's: U may now reach tcp 8080 instead of 8081.
            applyOnePolicyChange(nodeRules(thousandPeers(8080)));

            assertThat(roundTrip(socket, 2)).as("the established connection after the update").isTrue();
            assertThat(mesh.run(List.of(
                    passes("the changed policy is in force: U -> node tcp 8080", mesh.tcp(mesh.peers, U4, NODE4, 8080)),
                    blocked("U -> node tcp 8081, the port it lost", mesh.tcp(mesh.peers, U4, NODE4, 8081)),
                    passes("a new A -> node tcp 8080: its rule did not change", mesh.tcp(mesh.peers, A4, NODE4, 8080))))).isEmpty();
            assertThat(roundTrip(socket, 3)).as("the established connection at the end").isTrue();
        }
    }

    /** 1,000 peers of the mesh: U allowed to the node on tcp {@code uPort}, and 999 not in the topology. */
    static List<FirewallRule> thousandPeers(int uPort) {
        List<FirewallRule> rules = new ArrayList<>(fillerPeers(999));
        rules.add(new FirewallRule(MESH, U4, NODE4, uPort, "tcp", "allow"));
        return rules;
    }

    /**
     * Applies rules that differ from those in force in one policy only (U's port, 8081 → 8080). A
     * backend whose transactions can be read checks here that nothing else was sent or changed.
     */
    void applyOnePolicyChange(List<FirewallRule> changed) throws Exception {
        firewall.applyRules(CHAIN, changed);
    }

    /** Rules for {@code count} peers that are not in the topology. */
    static List<FirewallRule> fillerPeers(int count) {
        List<FirewallRule> rules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String peer = "10.100." + (i / 250 + 1) + "." + (i % 250 + 1);
            rules.add(new FirewallRule(MESH, peer, NODE4, 22, "tcp", "allow"));
            rules.add(new FirewallRule(MESH, NODE4, peer, 0, "", "allow"));
        }
        return rules;
    }

    private static boolean roundTrip(Socket socket, int value) throws Exception {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(value);
        out.flush();
        return in.read() == value;
    }

    @Test
    void driftIsRepairedAndTeardownRemovesEverything() throws Exception {
        firewall.applyRules(CHAIN, nodeRules(List.of()));
        assertThat(dumpKernel(mesh.nodeExec())).contains(CHAIN);

        breakEnforcement(mesh.nodeExec());
        assertThat(mesh.run(List.of(passes("U -> node tcp 8080 once someone broke the rules",
                mesh.tcp(mesh.peers, U4, NODE4, 8080))))).isEmpty();
        assertThat(firewall.repairDrift()).isTrue();
        assertThat(mesh.run(policyChecks())).isEmpty();
        assertThat(firewall.repairDrift()).isFalse();

        firewall.deleteChain(CHAIN);
        firewall.deleteChain(CHAIN);
        assertThat(dumpKernel(mesh.nodeExec())).doesNotContain(CHAIN).doesNotContain("plexd");
        assertThat(mesh.run(allOpen())).as("nothing of plexd filters after teardown").isEmpty();
    }

    /** Changes the backend's kernel objects from outside so that U reaches the node's tcp 8080. */
    abstract void breakEnforcement(Exec node) throws Exception;
}

package dev.plexd.daemon.cli;

import dev.plexd.api.Json;
import dev.plexd.daemon.api.NodeStatus;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** {@code plexd status}: the node at a glance. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the running daemon's status.")
public final class StatusCommand extends ApiCommand {

    static final int PEER_ROWS = 20;

    @Override
    String path() {
        return "/v1/status";
    }

    @Override
    void render(byte[] body, PrintWriter out) throws IOException {
        NodeStatus s = Json.MAPPER.readValue(body, NodeStatus.class);
        NodeStatus.Identity node = s.node();
        Table t = new Table("", "");
        t.row("Node:", node == null ? null : dash(node.id()) + "  " + dash(node.meshIp()) + "  (host " + dash(node.hostname()) + ")");
        t.row("Public key:", node == null ? null : node.publicKey());
        t.row("Interface:", node == null ? null : node.interfaceName() + " (" + s.enforcement().wireguardMode() + ")");
        t.row("Mode:", s.mode().equals("local") ? "local (state file)"
                : "control plane " + s.controlPlane().url() + ": " + s.controlPlane().state());
        t.row("Ready:", s.ready() ? "yes" : "no (no desired state enforced yet)");
        t.row("Last reconcile:", reconcile(s.lastReconcile()));
        NodeStatus.Counts c = s.counts();
        t.row("Peers:", c.peersConfigured() + " configured, " + c.peersAllowed() + " allowed by policy, "
                + c.peersDesired() + " in the desired state");
        t.row("Policies:", c.policies() + (s.enforcement().policyEnabled() ? "" : " (enforcement disabled)"));
        t.row("Firewall:", s.enforcement().firewallBackend() + ", chain " + s.enforcement().chain() + ", "
                + c.firewallRules() + " rules");
        t.row("Services:", services(s.services()));
        t.row("Log level:", s.logLevel());
        t.row("Version:", s.version() + ", up since " + s.startedAt());
        t.print(out);
        for (String error : s.services().errors()) {
            out.println("  service policy error: " + error);
        }
        printPeerDrops(s.services().peers(), out);
    }

    private static String services(NodeStatus.Services v) {
        if (!v.enabled()) {
            return "disabled";
        }
        if (v.mode() == null) {
            return "enabled, starting";
        }
        String policy = !v.configured() ? "no services/ directory (everything allowed)"
                : "default " + v.defaultAction() + ", " + v.rules() + " rules";
        String loaded = v.lastSuccess() == null ? "no good policy loaded yet (all inbound but ICMP denied)"
                : "generation " + v.generation() + ", loaded " + v.lastSuccess();
        String state = v.ok() ? "" : "; " + v.errors().size() + " error(s), last good policy in force";
        return v.mode() + ", " + policy + ", " + loaded + state;
    }

    /** Peers with drops, most first; at most {@link #PEER_ROWS} (all of them are in {@code --json}). */
    private static void printPeerDrops(List<NodeStatus.ServicePeer> peers, PrintWriter out) {
        List<NodeStatus.ServicePeer> dropping = peers.stream().filter(p -> dropped(p) > 0)
                .sorted(Comparator.comparingLong(StatusCommand::dropped).reversed()).toList();
        if (dropping.isEmpty()) {
            return;
        }
        Table t = new Table("PEER", "ALLOWED", "REPLIES", "DROPPED", "BY REASON");
        for (NodeStatus.ServicePeer p : dropping.subList(0, Math.min(PEER_ROWS, dropping.size()))) {
            StringBuilder reasons = new StringBuilder();
            p.dropped().forEach((reason, count) -> {
                if (count > 0) {
                    reasons.append(reasons.isEmpty() ? "" : ", ").append(reason).append(' ').append(count);
                }
            });
            t.row(p.peer(), Long.toString(p.allowed()), Long.toString(p.allowedAsReply()), Long.toString(dropped(p)),
                    reasons.toString());
        }
        out.println();
        out.println("Service filter drops by peer:");
        t.print(out);
        if (dropping.size() > PEER_ROWS) {
            out.println("  ... " + (dropping.size() - PEER_ROWS) + " more peers with drops (plexd status --json)");
        }
    }

    private static long dropped(NodeStatus.ServicePeer peer) {
        return peer.dropped().values().stream().mapToLong(Long::longValue).sum();
    }

    private static String reconcile(NodeStatus.Reconcile r) {
        if (r == null || r.at() == null) {
            return r != null && r.lastSuccessAt() != null ? "restored state enforced at " + r.lastSuccessAt() : "none yet";
        }
        String text = r.outcome() + " at " + r.at() + " (" + r.durationMs() + " ms)";
        if (r.error() != null) {
            text += ": " + r.error();
        }
        Instant success = r.lastSuccessAt();
        return success == null ? text + "; never succeeded" : text + "; last success " + success;
    }

    private static String dash(String text) {
        return text == null || text.isEmpty() ? "-" : text;
    }
}

package dev.plexd.daemon.cli;

import dev.plexd.api.Json;
import dev.plexd.daemon.api.NodeStatus;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;

/** {@code plexd status}: the node at a glance. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the running daemon's status.")
public final class StatusCommand extends ApiCommand {

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
        t.row("Services:", !s.services().enabled() ? "disabled"
                : s.services().errors().isEmpty() ? "enabled, policies loaded"
                : "enabled, " + s.services().errors().size() + " file(s) with errors (last good policy in force)");
        t.row("Log level:", s.logLevel());
        t.row("Version:", s.version() + ", up since " + s.startedAt());
        t.print(out);
        for (String error : s.services().errors()) {
            out.println("  service policy error: " + error);
        }
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

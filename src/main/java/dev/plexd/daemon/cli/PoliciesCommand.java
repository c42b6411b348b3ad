package dev.plexd.daemon.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.plexd.api.Json;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** {@code plexd policies}: the network policies in force, one rule per line. */
@Command(name = "policies", mixinStandardHelpOptions = true, description = "List the network policies in force.")
public final class PoliciesCommand extends ApiCommand {

    record Answer(@JsonProperty("policies") List<Policy> policies) {
    }

    @Override
    String path() {
        return "/v1/policies";
    }

    @Override
    void render(byte[] body, PrintWriter out) throws IOException {
        List<Policy> policies = Json.MAPPER.readValue(body, Answer.class).policies();
        if (policies == null || policies.isEmpty()) {
            out.println("No policies in force: every peer is denied.");
            return;
        }
        Table table = new Table("POLICY", "SRC", "DST", "PROTOCOL", "PORT", "ACTION");
        for (Policy policy : policies) {
            for (PolicyRule rule : policy.rules()) {
                table.row(policy.id(), rule.src(), rule.dst(), rule.protocol().isEmpty() ? "any" : rule.protocol(),
                        rule.port() == 0 ? "any" : rule.port(), rule.action());
            }
        }
        table.print(out);
    }
}

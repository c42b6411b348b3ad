package dev.plexd.daemon.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.plexd.api.Json;
import dev.plexd.daemon.api.PeerStatus;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** {@code plexd peers}: every peer of the desired state and whether policy let it in. */
@Command(name = "peers", mixinStandardHelpOptions = true, description = "List the mesh peers and their policy state.")
public final class PeersCommand extends ApiCommand {

    record Answer(@JsonProperty("peers") List<PeerStatus> peers) {
    }

    @Override
    String path() {
        return "/v1/peers";
    }

    @Override
    void render(byte[] body, PrintWriter out) throws IOException {
        List<PeerStatus> peers = Json.MAPPER.readValue(body, Answer.class).peers();
        if (peers == null || peers.isEmpty()) {
            out.println("No peers in the desired state.");
            return;
        }
        Table table = new Table("ID", "MESH IP", "ENDPOINT", "ALLOWED", "CONFIGURED", "PUBLIC KEY");
        for (PeerStatus p : peers) {
            table.row(p.id(), p.meshIp(), p.endpoint(), p.allowed() ? "yes" : "no", p.configured() ? "yes" : "no", p.publicKey());
        }
        table.print(out);
    }
}

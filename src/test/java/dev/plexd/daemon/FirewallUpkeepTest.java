package dev.plexd.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plexd.api.Json;
import dev.plexd.daemon.api.ApiClient;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.firewall.FirewallBackends;
import dev.plexd.sys.Exec;
import dev.plexd.testing.LogCapture;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon's periodic drift repair ({@link FirewallUpkeep}, {@code firewall.drift_check_interval})
 * against the real nftables backend in a namespace: someone else removes or changes plexd's
 * objects, and the next check puts them back without anything calling the backend.
 */
@Privileged(tools = {"nft"})
class FirewallUpkeepTest {

    private static final String SET = "plexd-mesh-0-allow-ip-src-dst-proto-port";

    @TempDir
    Path dir;

    @Test
    void theUpkeepRestoresWhatOthersChangedOnItsInterval() throws Exception {
        LocalNode node = new LocalNode(dir);
        try (NetNs ns = NetNs.create("q4up"); LogCapture logs = LogCapture.of(FirewallUpkeep.class)) {
            Exec exec = ns.exec();
            Daemon daemon = new Daemon(node.config("firewall.drift_check_interval=1s"), node.wiring()
                    .withFirewall((cfg, policy) -> FirewallBackends.create(cfg.backend().key(), policy, exec)));
            daemon.start();
            try {
                until("first reconcile", () -> daemon.status().ready());
                List<String> enforced = listing(exec);
                assertThat(String.join("\n", enforced)).contains("plexd-mesh-input", SET, "10.100.0.2");

                // Someone removes plexd's element, flushes its input hook and lets everything in. (No
                // listing to see it: the 1 s check may repair it first; the logged repair proves the drift.)
                exec.run("nft", "flush set inet plexd " + SET + "; flush chain inet plexd plexd-mesh-input;"
                        + " insert rule inet plexd plexd-mesh accept").orThrow();
                awaitRepair(exec, enforced, logs, 1);

                // Someone deletes the whole table.
                exec.run("nft", "delete", "table", "inet", "plexd").orThrow();
                awaitRepair(exec, enforced, logs, 2);

                var metrics = PrometheusText.parse(new ApiClient(node.socket, Duration.ofSeconds(5)).get("/metrics").text());
                assertThat(metrics).containsEntry("plexd_firewall_drift_repairs_total", 2.0);
            } finally {
                assertThat(daemon.stop()).isTrue();
            }
        }
    }

    /** Waits (without touching the backend) until the kernel holds {@code enforced} again and the repair was logged. */
    private static void awaitRepair(Exec exec, List<String> enforced, LogCapture logs, int repairs) throws Exception {
        until("the upkeep's repair #" + repairs, () -> logs.messages(Level.WARN).size() == repairs);
        assertThat(listing(exec)).isEqualTo(enforced);
        ILoggingEvent event = logs.events().getLast();
        assertThat(event.getFormattedMessage()).isEqualTo("firewall rules were changed outside plexd; repaired");
        assertThat(LogCapture.fields(event)).isEqualTo(Map.of("backend", "nftables"));
    }

    /**
     * Table {@code inet plexd} as nft lists it in JSON, one object per line, without what the kernel
     * assigns anew when objects are re-created (handles) and with set elements in a fixed order.
     */
    private static List<String> listing(Exec exec) throws Exception {
        JsonNode root = Json.MAPPER.readTree(exec.run("nft", "-j", "list", "table", "inet", "plexd").orThrow().stdout());
        List<String> objects = new ArrayList<>();
        for (JsonNode item : root.path("nftables")) {
            if (item.has("metainfo")) {
                continue;
            }
            ObjectNode object = (ObjectNode) item.elements().next();
            object.remove("handle");
            if (object.has("elem")) {
                TreeSet<String> elements = new TreeSet<>();
                object.get("elem").forEach(e -> elements.add(e.toString()));
                object.put("elem", elements.toString());
            }
            objects.add(item.toString());
        }
        return objects;
    }
}

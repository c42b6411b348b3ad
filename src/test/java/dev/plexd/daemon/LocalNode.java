package dev.plexd.daemon;

import dev.plexd.daemon.config.ConfigLoader;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.testing.InMemoryWireGuard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A local-mode node for tests: config, state file and data directory under one temp directory,
 * an in-memory data plane and a recording firewall.
 */
public final class LocalNode {

    public static final String BETA_KEY = "YmV0YWJldGFiZXRhYmV0YWJldGFiZXRhYmV0YWJldGE=";
    public static final String GAMMA_KEY = "Z2FtbWFnYW1tYWdhbW1hZ2FtbWFnYW1tYWdhbW1hZ2E=";

    /** alpha may reach beta on tcp/22; gamma is in the mesh but no policy names it. */
    public static final String STATE = """
            peers:
              - {id: alpha, public_key: "YWxwaGFhbHBoYWFscGhhYWxwaGFhbHBoYWFscGhhYWw=", mesh_ip: 10.100.0.1}
              - {id: beta, public_key: "%s", mesh_ip: 10.100.0.2, endpoint: "192.0.2.2:51820"}
              - {id: gamma, public_key: "%s", mesh_ip: 10.100.0.3, endpoint: "192.0.2.3:51820"}
            policies:
              - id: alpha-beta
                rules:
                  - {src: alpha, dst: beta, port: 22, protocol: tcp, action: allow}
            """.formatted(BETA_KEY, GAMMA_KEY);

    public final Path dir;
    public final Path stateFile;
    public final Path socket;
    public final InMemoryWireGuard wireGuard = new InMemoryWireGuard();
    public final RecordingFirewall firewall = new RecordingFirewall();
    public volatile boolean dataPlaneClosed;

    public LocalNode(Path dir) throws Exception {
        this.dir = dir;
        this.stateFile = Files.writeString(dir.resolve("state.yaml"), STATE);
        this.socket = dir.resolve("run/api.sock");
    }

    public DaemonConfig config(String... sets) throws Exception {
        List<String> all = new ArrayList<>(List.of("node.id=alpha", "node.mesh_ip=10.100.0.1/16",
                "data_dir=" + dir.resolve("data"), "config_dir=" + dir.resolve("etc"), "state_file=" + stateFile,
                "api.socket=" + socket, "firewall.backend=nftables", "services.enabled=false",
                "reconcile.interval=1s", "shutdown.timeout=5s"));
        all.addAll(List.of(sets));
        return ConfigLoader.load(null, Map.of(), all).config();
    }

    public Wiring wiring() {
        return Wiring.builtIn().withDataPlane(dataPlane()).withFirewall((cfg, policy) -> firewall);
    }

    /** The in-memory data plane; closing it sets {@link #dataPlaneClosed}. */
    public Wiring.DataPlaneFactory dataPlane() {
        return (cfg, spec) -> ControllerDataPlane.open(wireGuard, spec, () -> dataPlaneClosed = true);
    }

    /** Base64 public keys of the peers on the mesh interface. */
    public Set<String> peerKeys() {
        return wireGuard.peerKeys("plexd0");
    }

    public Daemon daemon(String... sets) throws Exception {
        return new Daemon(config(sets), wiring());
    }
}

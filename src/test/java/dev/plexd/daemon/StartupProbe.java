package dev.plexd.daemon;

import dev.plexd.Main;
import dev.plexd.testing.InMemoryWireGuard;
import picocli.CommandLine;

import java.util.Map;

/**
 * {@code plexd} with the daemon's kernel parts replaced by in-memory ones, so
 * {@code scripts/bench-startup} can time {@code plexd up} → first enforcement in local mode on a
 * machine (and a build) without a data plane or firewall backend. Everything else — JVM start,
 * config, logging, state store, local API, reconciler, signals — is the real path.
 */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) {
        Wiring wiring = Wiring.builtIn().withDataPlane((cfg, spec) -> ControllerDataPlane.open(new InMemoryWireGuard(), spec, () -> {
                }))
                .withFirewall((cfg, policy) -> new RecordingFirewall());
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = Main.commandLine(new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> type) throws Exception {
                return type == UpCommand.class ? (K) new UpCommand(Map.copyOf(System.getenv()), wiring) : defaults.create(type);
            }
        });
        System.exit(cli.execute(args));
    }
}

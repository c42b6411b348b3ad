package dev.plexd.service.cli;

import java.io.IOException;
import java.util.List;

/**
 * Asks a running daemon to reload the service policy now. {@code plexd service reload} goes through
 * this interface so the transport stays out of the command; {@link UnixSocketReloadClient} is the
 * real one (the daemon's local API on its unix socket).
 */
@FunctionalInterface
public interface ReloadClient {

    /** What the daemon answered. */
    sealed interface Outcome {
        /** No daemon listens: the files are saved and a daemon started later (or its watcher) reads them. */
        record NoDaemon(String where) implements Outcome {
        }

        /** The daemon reloaded; {@code errors} are the problems it found (empty: the new policy is in force). */
        record Reloaded(List<String> errors) implements Outcome {
        }

        /** The daemon answered with an HTTP error. */
        record Failed(int status, String body) implements Outcome {
        }
    }

    Outcome reload() throws IOException;
}

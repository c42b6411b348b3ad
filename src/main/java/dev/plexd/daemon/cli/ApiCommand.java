package dev.plexd.daemon.cli;

import dev.plexd.daemon.api.ApiClient;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * A CLI command that reads one endpoint of the local API and prints it as a table, or as the
 * API's JSON with {@code --json}. Exit codes: 0 ok, 1 the daemon answered with an error,
 * 3 the daemon is not running (no socket, or nothing listening on it).
 */
abstract class ApiCommand implements Callable<Integer> {

    static final int EXIT_ERROR = 1;
    static final int EXIT_NOT_RUNNING = 3;
    static final String DEFAULT_SOCKET = "/run/plexd/api.sock";

    @Option(names = "--socket", paramLabel = "PATH",
            description = "The daemon's API socket (default: $PLEXD_API_SOCKET, else " + DEFAULT_SOCKET + ").")
    Path socket;

    @Option(names = "--json", description = "Print the API's JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The API path this command reads, e.g. {@code /v1/status}. */
    abstract String path();

    /** Prints the endpoint's JSON for people. */
    abstract void render(byte[] body, PrintWriter out) throws IOException;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ApiClient.Response response;
        try {
            response = new ApiClient(socket(), Duration.ofSeconds(10)).get(path());
        } catch (ApiClient.NotRunningException e) {
            err.println("plexd: " + e.getMessage());
            return EXIT_NOT_RUNNING;
        } catch (IOException e) {
            err.println("plexd: " + e.getMessage());
            return EXIT_ERROR;
        }
        if (response.status() != 200) {
            err.println("plexd: " + path() + " answered " + response.status() + ": " + response.text().strip());
            return EXIT_ERROR;
        }
        if (json) {
            out.print(response.text());
            out.flush();
            return 0;
        }
        try {
            render(response.body(), out);
        } catch (IOException e) {
            err.println("plexd: cannot read the answer of " + path() + ": " + e.getMessage());
            return EXIT_ERROR;
        }
        out.flush();
        return 0;
    }

    private Path socket() {
        if (socket != null) {
            return socket;
        }
        String fromEnv = System.getenv("PLEXD_API_SOCKET");
        return Path.of(fromEnv != null && !fromEnv.isEmpty() ? fromEnv : DEFAULT_SOCKET);
    }
}

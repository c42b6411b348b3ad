package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.wireguard.uapi.UapiClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A userspace WireGuard implementation ({@code wireguard-go -f <iface>} or the like) serving one
 * interface: started in the foreground, its output logged as structured lines, restarted with
 * exponential backoff when it dies, after which {@link Restorer} puts the configuration back.
 */
final class SupervisedProcess implements AutoCloseable {

    /** Re-applies the interface's configuration to a freshly started process. */
    @FunctionalInterface
    interface Restorer {
        void restore() throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(SupervisedProcess.class);
    /** wireguard-go's lines: {@code ERROR: (wg0) 2022/03/16 12:00:00 text}. */
    private static final Pattern WIREGUARD_GO_LINE =
            Pattern.compile("(DEBUG|INFO|ERROR): \\(([^)]*)\\) \\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} (.*)");
    private static final int OUTPUT_TAIL_LINES = 10;
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** A process that ran this long was healthy: the next restart starts from the shortest backoff. */
    private static final Duration STABLE_RUN = Duration.ofSeconds(60);

    private final String iface;
    private final Exec exec;
    private final UapiController.Settings settings;
    private final UapiClient client;
    private final Restorer restorer;
    private final String program;
    private final Deque<String> outputTail = new ArrayDeque<>();
    private volatile Process process;
    private volatile Thread outputPump;
    private volatile boolean closed;
    private Thread supervisor;
    private volatile long startedAtNanos;

    SupervisedProcess(String iface, Exec exec, UapiController.Settings settings, UapiClient client, Restorer restorer) {
        this.iface = iface;
        this.exec = exec;
        this.settings = settings;
        this.client = client;
        this.restorer = restorer;
        this.program = Path.of(settings.command().getFirst()).getFileName().toString();
    }

    /** Starts the process and returns once it serves its UAPI socket; then supervises it. */
    void start() throws IOException {
        launch();
        supervisor = Thread.ofPlatform().daemon(true).name("wg-supervisor-" + iface).start(this::supervise);
    }

    OptionalLong pid() {
        Process current = process;
        return current != null && current.isAlive() ? OptionalLong.of(current.pid()) : OptionalLong.empty();
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(settings.command());
        command.add(iface);
        // Foreground mode also silences wireguard-go's "use the kernel module" banner; verbose
        // output only when someone reads debug logs.
        Map<String, String> environment = Map.of("WG_PROCESS_FOREGROUND", "1",
                "LOG_LEVEL", log.isDebugEnabled() ? "verbose" : "error");
        Process started = exec.start(command, environment);
        process = started;
        startedAtNanos = System.nanoTime();
        outputPump = Thread.ofVirtual().name("wg-output-" + iface).start(() -> pumpOutput(started));
        log.atInfo().addKeyValue("interface", iface).addKeyValue("pid", started.pid()).addKeyValue("program", program)
                .log("userspace WireGuard started");
        awaitSocket(started);
    }

    private void awaitSocket(Process started) throws IOException {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        while (!client.isLive(iface)) {
            if (!started.isAlive()) {
                throw new IOException("wireguard: " + iface + ": start " + program + ": exited with " + started.exitValue()
                        + " before serving " + client.socketPath(iface) + tail(started));
            }
            if (System.nanoTime() > deadline) {
                terminate(started);
                throw new IOException("wireguard: " + iface + ": start " + program + ": no UAPI socket "
                        + client.socketPath(iface) + " within " + settings.startTimeout().toMillis() + " ms" + tail(started));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                terminate(started);
                Thread.currentThread().interrupt();
                throw new IOException("wireguard: " + iface + ": start " + program + ": interrupted", e);
            }
        }
    }

    private void supervise() {
        Duration backoff = settings.restartBackoffMin();
        while (!closed) {
            Process current = process;
            int exitCode;
            try {
                exitCode = current.waitFor();
            } catch (InterruptedException e) {
                continue; // close() interrupts; the loop condition decides
            }
            if (closed) {
                return;
            }
            if (System.nanoTime() - startedAtNanos > STABLE_RUN.toNanos()) {
                backoff = settings.restartBackoffMin();
            }
            log.atWarn().addKeyValue("interface", iface).addKeyValue("pid", current.pid()).addKeyValue("exit_code", exitCode)
                    .addKeyValue("restart_in_ms", backoff.toMillis()).addKeyValue("last_output", lastOutputLine())
                    .log("userspace WireGuard exited; restarting");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                continue;
            }
            backoff = backoff.multipliedBy(2).compareTo(settings.restartBackoffMax()) > 0
                    ? settings.restartBackoffMax() : backoff.multipliedBy(2);
            if (closed) {
                return;
            }
            try {
                launch();
                restorer.restore();
                log.atInfo().addKeyValue("interface", iface).addKeyValue("pid", process.pid())
                        .log("userspace WireGuard restarted and its configuration restored");
            } catch (IOException | RuntimeException e) {
                log.atError().addKeyValue("interface", iface).addKeyValue("error", e.getMessage())
                        .log("restarting userspace WireGuard failed; will retry");
                // An unconfigured process carries no traffic; stop it so the next round retries everything.
                terminate(process);
            }
        }
    }

    private void pumpOutput(Process source) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(source.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                synchronized (outputTail) {
                    if (outputTail.size() == OUTPUT_TAIL_LINES) {
                        outputTail.removeFirst();
                    }
                    outputTail.addLast(line);
                }
                logOutput(source.pid(), line);
            }
        } catch (IOException e) {
            // the process is gone; the supervisor reports its exit
        }
    }

    private void logOutput(long pid, String line) {
        Level level = Level.INFO;
        String message = line;
        Matcher m = WIREGUARD_GO_LINE.matcher(line);
        if (m.matches()) {
            level = switch (m.group(1)) {
                case "DEBUG" -> Level.DEBUG;
                case "INFO" -> Level.INFO;
                default -> Level.WARN; // the data plane's own errors (e.g. an unreachable endpoint); plexd carries on
            };
            message = m.group(3);
        }
        log.atLevel(level).addKeyValue("interface", iface).addKeyValue("pid", pid).addKeyValue("program", program)
                .log(message);
    }

    private String lastOutputLine() {
        synchronized (outputTail) {
            return outputTail.isEmpty() ? "" : outputTail.getLast();
        }
    }

    /** The last output lines, for an error message, once the output of an exited process is read. */
    private String tail(Process exited) {
        Thread pump = outputPump;
        if (pump != null && !exited.isAlive()) {
            try {
                pump.join(Duration.ofMillis(500));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (outputTail) {
            return outputTail.isEmpty() ? "" : "; its output: " + String.join(" | ", outputTail);
        }
    }

    /** SIGTERM (wireguard-go then removes its socket and device), SIGKILL after a grace period. */
    private static void terminate(Process target) {
        if (target == null || !target.isAlive()) {
            return;
        }
        target.destroy();
        try {
            if (!target.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                target.destroyForcibly();
                target.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            target.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops supervising, then stops the process. */
    @Override
    public void close() {
        closed = true;
        Thread watcher = supervisor;
        if (watcher != null) {
            watcher.interrupt();
            try {
                // A restart in progress finishes (or gives up) first, so no process outlives close().
                watcher.join(settings.startTimeout().plus(STOP_GRACE));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Process current = process;
        terminate(current);
        if (current != null) {
            log.atInfo().addKeyValue("interface", iface).addKeyValue("pid", current.pid()).log("userspace WireGuard stopped");
        }
    }
}

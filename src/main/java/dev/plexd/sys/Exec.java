package dev.plexd.sys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs OS tools ({@code nft}, {@code ip}, {@code wg}, …) with input on stdin, a timeout and the
 * output captured. Secrets go through stdin, never argv, which any local user can read in
 * {@code /proc}. An {@code Exec} made with {@link #inNetns} runs every command inside that
 * network namespace, which is how tests drive real tools without touching the host.
 */
public final class Exec {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Exec HOST = new Exec(List.of());

    private final List<String> prefix;

    private Exec(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /** Runs commands in the current network namespace. */
    public static Exec host() {
        return HOST;
    }

    /** Runs commands inside the named network namespace ({@code ip netns exec NAME …}). */
    public static Exec inNetns(String namespace) {
        return new Exec(List.of("ip", "netns", "exec", namespace));
    }

    /** The result of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws with the command's name, exit code and stderr when it failed. */
        public Result orThrow() throws IOException {
            if (!ok()) {
                throw new IOException(describeFailure());
            }
            return this;
        }

        public String describeFailure() {
            String err = stderr.strip();
            if (err.isEmpty()) {
                err = stdout.strip();
            }
            return command.getFirst() + " exited with " + exitCode + (err.isEmpty() ? "" : ": " + err);
        }
    }

    public Result run(String... command) throws IOException {
        return run(List.of(command), null, DEFAULT_TIMEOUT);
    }

    public Result runWithInput(String stdin, String... command) throws IOException {
        return run(List.of(command), stdin, DEFAULT_TIMEOUT);
    }

    /**
     * Runs a command to completion.
     *
     * @param stdin text for the command's standard input, or null for none
     * @throws IOException when the command cannot start or exceeds the timeout (it is then killed);
     *                     a non-zero exit is a {@link Result}, not an exception
     */
    public Result run(List<String> command, String stdin, Duration timeout) throws IOException {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        Process process = new ProcessBuilder(argv).start();
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The command may exit without reading its input; its exit code and stderr tell why.
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.getFirst() + " did not finish within " + timeout.toMillis() + " ms");
            }
            return new Result(List.copyOf(command), process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(command.getFirst() + " interrupted", e);
        }
    }

    /**
     * Starts a long-running command (a daemon such as {@code wireguard-go -f}) where this
     * {@code Exec} runs commands, with stderr merged into stdout. The caller owns the process:
     * it reads the output and stops it.
     *
     * @param environment variables added to the inherited environment
     */
    public Process start(List<String> command, Map<String, String> environment) throws IOException {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, Thread::startVirtualThread);
    }

    /** Whether an executable of this name is on the PATH. */
    public static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}

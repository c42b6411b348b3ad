package dev.plexd.controlplane;

import dev.plexd.sys.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code plexd controlplane}: runs the development control plane until interrupted. */
@Command(name = "controlplane",
        mixinStandardHelpOptions = true,
        description = {
                "Development control plane: serves registration, state and Ed25519-signed events from a state file.",
                "For demos, tests and trying plexd without a real control plane; not a production server."})
public final class ControlPlaneCommand implements Callable<Integer> {

    /** The generated bootstrap token's file name, in the signing key's directory. */
    static final String GENERATED_TOKEN_FILE = "bootstrap-token";

    private static final Logger log = LoggerFactory.getLogger(ControlPlaneCommand.class);

    @Option(names = "--state", required = true, paramLabel = "FILE",
            description = "State file (JSON or YAML, the control plane's state format); watched for changes.")
    Path stateFile;

    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
    String listen;

    @Option(names = "--signing-key", required = true, paramLabel = "FILE",
            description = "Ed25519 private key, PKCS#8 PEM (openssl genpkey -algorithm ed25519); created with mode 0600 if absent.")
    Path signingKey;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Token token;

    static final class Token {
        @Option(names = "--token", paramLabel = "TOKEN", description = {"Bootstrap token nodes register with.",
                "Without --token or --token-file a random token is generated at each start and written to "
                        + GENERATED_TOKEN_FILE + " beside the signing key (mode 0600); its path is logged."})
        String value;

        @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the bootstrap token.")
        Path file;
    }

    @Option(names = "--registrations", paramLabel = "FILE",
            description = "Keep registrations in this file (mode 0600) so they survive a restart; default: memory only.")
    Path registrations;

    @Option(names = "--keepalive-seconds", defaultValue = "15", paramLabel = "SECONDS",
            description = "Keep-alive comment interval on idle event streams (default: ${DEFAULT-VALUE}).")
    int keepAliveSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        DevControlPlane plane;
        try {
            plane = launch();
        } catch (IOException e) {
            spec.commandLine().getErr().println("plexd controlplane: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            plane.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /**
     * Starts the server; without {@code --token}/{@code --token-file} it then writes the generated
     * token to {@link #generatedTokenFile()} (mode 0600) — only once the server is up, so a failed
     * start leaves no token file behind. The path is logged and printed, the token never.
     */
    DevControlPlane launch() throws IOException {
        DevControlPlane.Options options = options();
        DevControlPlane plane = DevControlPlane.start(options);
        String tokenNote = "";
        if (token == null) {
            Path file = generatedTokenFile();
            try {
                AtomicFile.write(file, (options.bootstrapToken() + "\n").getBytes(StandardCharsets.US_ASCII), AtomicFile.OWNER_ONLY);
            } catch (IOException e) {
                plane.close();
                throw new IOException("cannot write the generated bootstrap token to " + file + ": " + e.getMessage(), e);
            }
            log.atInfo().addKeyValue("file", file.toString()).log("bootstrap token generated; nodes register with the token in this file");
            tokenNote = ", bootstrap token in " + file;
        }
        spec.commandLine().getOut().println("plexd development control plane on " + plane.url()
                + " (signing key " + plane.signingPublicKey() + tokenNote + ")");
        spec.commandLine().getOut().flush();
        return plane;
    }

    /** Beside the signing key: the directory where this server already keeps its one secret. */
    Path generatedTokenFile() {
        return signingKey.toAbsolutePath().resolveSibling(GENERATED_TOKEN_FILE);
    }

    DevControlPlane.Options options() {
        if (keepAliveSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--keepalive-seconds must be positive");
        }
        String bootstrap;
        try {
            // No token given: a fresh random one for this run (launch() writes it to a file).
            bootstrap = token == null ? DevControlPlane.newSecret()
                    : token.value != null ? token.value : Files.readString(token.file).strip();
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--token-file: cannot read " + token.file + ": " + e);
        }
        if (bootstrap.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "bootstrap token is empty");
        }
        return new DevControlPlane.Options(stateFile, parseListen(listen), signingKey, bootstrap, registrations,
                Duration.ofSeconds(keepAliveSeconds), 0);
    }

    private InetSocketAddress parseListen(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ParameterException(spec.commandLine(), "--listen: expected HOST:PORT, got \"" + text + "\"");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--listen: bad port in \"" + text + "\"");
        }
    }
}

package dev.plexd.controlplane;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventTypes;
import dev.plexd.api.Json;
import dev.plexd.api.Peer;
import dev.plexd.api.RegisterRequest;
import dev.plexd.api.RegisterResponse;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.DriftReport;
import dev.plexd.reconcile.FileStateSource;
import dev.plexd.reconcile.StateDiff;
import dev.plexd.wireguard.WireGuardKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A development control plane: serves registration, state and a signed event stream from a state
 * file, for demos, tests and trying plexd without a real control plane. Not a production server:
 * plain HTTP, state in memory (registrations optionally in a file), one bootstrap token for all.
 *
 * <p>Registration accepts a node whose hostname is the {@code id} of a peer in the state file and
 * fills that peer's {@code public_key} from the registration. Each node's state is every other
 * peer plus the policies and the signing key. When the state file changes (or a node registers or
 * leaves) it sends signed {@code peer_*} / {@code policy_updated} events to every open stream;
 * event ids increase, and a stream resumed with {@code Last-Event-ID} gets the buffered events it
 * missed. {@code POST /dev/inject} (bootstrap token as bearer) writes a raw, possibly forged,
 * frame into every stream — development only, to exercise the nodes' verification.
 */
public final class DevControlPlane implements AutoCloseable {

    /** How the server is set up. */
    public record Options(Path stateFile, InetSocketAddress listen, Path signingKeyFile, String bootstrapToken,
                          Path registrationsFile, Duration keepAlive, int eventBuffer) {
        public Options {
            Objects.requireNonNull(stateFile, "stateFile");
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(signingKeyFile, "signingKeyFile");
            if (bootstrapToken == null || bootstrapToken.isBlank()) {
                throw new IllegalArgumentException("a bootstrap token is required (--token or --token-file)");
            }
            keepAlive = keepAlive == null ? Duration.ofSeconds(15) : keepAlive;
            eventBuffer = eventBuffer <= 0 ? 1024 : eventBuffer;
        }

        @Override
        public String toString() {
            return "Options[stateFile=" + stateFile + ", listen=" + listen + ", signingKeyFile=" + signingKeyFile
                    + ", bootstrapToken=<redacted>, registrationsFile=" + registrationsFile + ", keepAlive=" + keepAlive + "]";
        }
    }

    private static final Logger log = LoggerFactory.getLogger(DevControlPlane.class);
    private static final String JSON = "application/json";

    private final Options options;
    private final Clock clock;
    private final SigningKey signingKey;
    private final EventBroker broker;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final MeshState mesh;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final WatchService watcher;
    private final Thread watchThread;
    /** The effective state the last events described; changes are diffed against it. */
    private StateResponse published;

    private DevControlPlane(Options options, Clock clock) throws IOException {
        this.options = options;
        this.clock = clock;
        StateResponse initial = FileStateSource.read(options.stateFile());
        this.signingKey = SigningKey.loadOrCreate(options.signingKeyFile());
        this.broker = new EventBroker(options.eventBuffer());
        this.mesh = new MeshState(initial, signingKey.publicKeyBase64(), options.registrationsFile());
        this.published = mesh.effective();
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(options.listen(), 64);
        server.setExecutor(handlers);
        server.createContext("/v1/register", this::register);
        server.createContext("/v1/nodes/", this::node);
        server.createContext("/dev/inject", this::inject);
        Path dir = options.stateFile().toAbsolutePath().getParent();
        this.watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        this.watchThread = Thread.ofPlatform().name("state-file-watch").daemon(true).unstarted(this::watch);
    }

    /** Loads the state file and the signing key (creating it when absent) and starts serving. */
    public static DevControlPlane start(Options options) throws IOException {
        return start(options, Clock.systemUTC());
    }

    public static DevControlPlane start(Options options, Clock clock) throws IOException {
        DevControlPlane plane = new DevControlPlane(options, clock);
        plane.server.start();
        plane.watchThread.start();
        log.atInfo().addKeyValue("address", plane.address().toString()).addKeyValue("state_file", options.stateFile().toString())
                .addKeyValue("signing_public_key", plane.signingPublicKey()).log("development control plane listening");
        return plane;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public String url() {
        return "http://" + address().getHostString() + ":" + address().getPort();
    }

    public String signingPublicKey() {
        return signingKey.publicKeyBase64();
    }

    /** Open event streams. */
    public int streams() {
        return broker.streams();
    }

    // ---- state file ------------------------------------------------------------------------

    private void watch() {
        String name = options.stateFile().getFileName().toString();
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean relevant = false;
                do {
                    for (WatchEvent<?> event : key.pollEvents()) {
                        relevant |= event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(String.valueOf(event.context()));
                    }
                    key.reset();
                    // Let a burst of writes settle into one reload.
                    key = watcher.poll(25, TimeUnit.MILLISECONDS);
                } while (key != null);
                if (relevant) {
                    reloadStateFile();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // Shutting down.
        }
    }

    /** Re-reads the state file; a broken file is reported and the last good state stays served. */
    public synchronized void reloadStateFile() {
        StateResponse next;
        try {
            next = FileStateSource.read(options.stateFile());
        } catch (IOException e) {
            log.atError().addKeyValue("error", e.getMessage()).log("state file not applied; serving the last good state");
            return;
        }
        if (next.equals(mesh.file())) {
            return;
        }
        mesh.replaceFile(next);
        log.atInfo().addKeyValue("peers", next.peers().size()).addKeyValue("policies", next.policies().size())
                .log("state file reloaded");
        publishChanges();
    }

    /** Sends events describing how the effective state changed since the last events. */
    private void publishChanges() {
        StateResponse next = mesh.effective();
        StateDiff diff = StateDiff.compute(next, published);
        Map<String, Peer> before = new LinkedHashMap<>();
        published.peers().forEach(p -> before.put(p.id(), p));
        published = next;
        for (Peer peer : diff.peersToAdd()) {
            publish(EventTypes.PEER_ADDED, Map.of("id", peer.id()));
        }
        for (String id : diff.peersToRemove()) {
            publish(EventTypes.PEER_REMOVED, Map.of("id", id));
        }
        for (Peer peer : diff.peersToUpdate()) {
            Peer old = before.get(peer.id());
            boolean rekeyed = old == null || !Objects.equals(old.publicKey(), peer.publicKey());
            publish(rekeyed ? EventTypes.PEER_KEY_ROTATED : EventTypes.PEER_ENDPOINT_CHANGED, Map.of("id", peer.id()));
        }
        if (diff.hasPolicyChanges()) {
            List<String> added = diff.policiesToAdd().stream().map(p -> p.id()).toList();
            publish(EventTypes.POLICY_UPDATED, Map.of("added", added, "removed", diff.policiesToRemove()));
        }
    }

    private void publish(String type, Object payload) {
        String payloadJson;
        try {
            payloadJson = Json.MAPPER.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        long id = broker.publish(eventId -> signedEnvelopeJson(type, "evt-" + eventId, payloadJson));
        log.atInfo().addKeyValue("event_type", type).addKeyValue("event_id", id).addKeyValue("streams", broker.streams())
                .log("event published");
    }

    private String signedEnvelopeJson(String type, String eventId, String payloadJson) {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        SignedEnvelope unsigned = new SignedEnvelope(type, eventId, clock.instant(),
                Base64.getUrlEncoder().withoutPadding().encodeToString(nonce), payloadJson, null);
        String signature = signingKey.sign(EnvelopeVerifier.canonicalBytes(unsigned));
        StringWriter out = new StringWriter();
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("event_type", unsigned.eventType());
            json.writeStringField("event_id", unsigned.eventId());
            json.writeStringField("issued_at", unsigned.issuedAt().toString());
            json.writeStringField("nonce", unsigned.nonce());
            json.writeFieldName("payload");
            json.writeRawValue(payloadJson);
            json.writeStringField("signature", signature);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    // ---- HTTP ----------------------------------------------------------------------------------

    private void register(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                error(exchange, 405, "use POST");
                return;
            }
            RegisterRequest request;
            try {
                request = Json.MAPPER.readValue(readBody(exchange), RegisterRequest.class);
            } catch (JsonProcessingException e) {
                error(exchange, 400, "malformed registration request: " + e.getOriginalMessage());
                return;
            }
            if (request == null) {
                error(exchange, 400, "empty registration request");
                return;
            }
            String token = request.token() == null ? bearer(exchange) : request.token();
            if (!equalSecrets(token, options.bootstrapToken())) {
                error(exchange, 401, "bootstrap token not accepted");
                return;
            }
            if (request.hostname() == null || request.hostname().isBlank()) {
                error(exchange, 400, "hostname is required");
                return;
            }
            try {
                WireGuardKeys.decode(request.publicKey(), "public_key");
            } catch (IllegalArgumentException e) {
                error(exchange, 400, e.getMessage());
                return;
            }
            RegisterResponse response;
            synchronized (this) {
                var peer = mesh.filePeer(request.hostname());
                if (peer.isEmpty()) {
                    error(exchange, 403, "no peer with id \"" + request.hostname() + "\" in the state file");
                    return;
                }
                String secret = newSecret();
                mesh.register(request.hostname(), new MeshState.Registration(secret, request.publicKey()));
                publishChanges();
                response = new RegisterResponse(request.hostname(), peer.get().meshIp(), signingPublicKey(), secret,
                        mesh.viewOf(request.hostname()).peers());
            }
            log.atInfo().addKeyValue("node_id", request.hostname()).log("node registered");
            respond(exchange, 200, response);
        }
    }

    private void node(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // "", "v1", "nodes", id, leaf
            if (parts.length != 5) {
                error(exchange, 404, "not found");
                return;
            }
            String nodeId = parts[3];
            String leaf = parts[4];
            synchronized (this) {
                if (!mesh.authenticates(nodeId, bearer(exchange))) {
                    error(exchange, 401, "node secret not accepted");
                    return;
                }
            }
            String method = exchange.getRequestMethod();
            switch (method + " " + leaf) {
                case "GET state" -> {
                    StateResponse view;
                    synchronized (this) {
                        view = mesh.viewOf(nodeId);
                    }
                    respond(exchange, 200, view);
                }
                case "GET events" -> stream(exchange, nodeId);
                case "POST heartbeat" -> {
                    readBody(exchange);
                    log.atDebug().addKeyValue("node_id", nodeId).log("heartbeat");
                    respond(exchange, 200, Map.of("reconcile", false, "rotate_keys", false));
                }
                case "POST drift" -> {
                    DriftReport report;
                    try {
                        report = Json.MAPPER.readValue(readBody(exchange), DriftReport.class);
                    } catch (JsonProcessingException e) {
                        error(exchange, 400, "malformed drift report: " + e.getOriginalMessage());
                        return;
                    }
                    log.atInfo().addKeyValue("node_id", nodeId).addKeyValue("corrections", report == null ? 0 : report.corrections().size())
                            .log("drift reported");
                    noContent(exchange);
                }
                case "POST deregister" -> {
                    synchronized (this) {
                        mesh.deregister(nodeId);
                        publishChanges();
                    }
                    log.atInfo().addKeyValue("node_id", nodeId).log("node deregistered");
                    noContent(exchange);
                }
                default -> error(exchange, 404, "no " + method + " " + leaf + " endpoint");
            }
        }
    }

    private void stream(HttpExchange exchange, String nodeId) throws IOException {
        Long lastEventId = null;
        String header = exchange.getRequestHeaders().getFirst("Last-Event-ID");
        if (header != null) {
            try {
                lastEventId = Long.parseLong(header.trim());
            } catch (NumberFormatException e) {
                // An id this server never issued: nothing to replay.
            }
        }
        EventBroker.Subscriber subscriber = broker.subscribe(nodeId, lastEventId);
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        log.atInfo().addKeyValue("node_id", nodeId).addKeyValue("last_event_id", lastEventId).log("event stream opened");
        OutputStream out = exchange.getResponseBody();
        try {
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String frame = subscriber.frames.poll(options.keepAlive().toMillis(), TimeUnit.MILLISECONDS);
                if (EventBroker.STOP.equals(frame)) {
                    break;
                }
                out.write((frame == null ? ": keep-alive\n\n" : frame).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // The node went away.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            broker.unsubscribe(subscriber);
            log.atInfo().addKeyValue("node_id", nodeId).log("event stream closed");
        }
    }

    private void inject(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                error(exchange, 405, "use POST");
                return;
            }
            if (!equalSecrets(bearer(exchange), options.bootstrapToken())) {
                error(exchange, 401, "bootstrap token not accepted");
                return;
            }
            int streams = broker.broadcastRaw(readBody(exchange));
            log.atWarn().addKeyValue("streams", streams).log("raw frame injected (development only)");
            respond(exchange, 202, Map.of("streams", streams));
        }
    }

    private static String readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
        }
    }

    private static String bearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ") ? header.substring(7).trim() : null;
    }

    private static boolean equalSecrets(String given, String expected) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /** 32 random bytes, base64url: node secrets and a generated bootstrap token. */
    static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", JSON);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        respond(exchange, status, Map.of("error", message));
    }

    private static void noContent(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(204, -1);
    }

    @Override
    public void close() {
        broker.stopAll();
        server.stop(0);
        try {
            watcher.close();
        } catch (IOException e) {
            log.atDebug().setCause(e).log("closing the state file watcher");
        }
        watchThread.interrupt();
        handlers.shutdownNow();
        log.info("development control plane stopped");
    }
}

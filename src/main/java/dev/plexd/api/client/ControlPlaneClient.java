package dev.plexd.api.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.plexd.Version;
import dev.plexd.api.HeartbeatRequest;
import dev.plexd.api.HeartbeatResponse;
import dev.plexd.api.Json;
import dev.plexd.api.RegisterRequest;
import dev.plexd.api.RegisterResponse;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.DriftReport;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The control plane's HTTP API, one request per call: no retries here (callers decide, see
 * {@link NodeSession}). Every request carries {@code User-Agent: plexd/<version>},
 * {@code Accept: application/json} and the bearer credential; responses may be gzip-compressed
 * (OkHttp asks for and decodes it). An error status becomes a {@link ControlPlaneException}
 * ({@link UnauthorizedException} for 401, {@link RateLimitedException} for 429) with the status
 * and the start of the body; transport failures stay plain {@link IOException}s.
 */
public final class ControlPlaneClient implements AutoCloseable {

    private static final MediaType JSON = MediaType.get("application/json");

    private final HttpUrl base;
    private final Duration timeout;
    private final Clock clock;
    /** Built on the first request: OkHttp's TLS set-up (trust store and all) costs ~150 ms, which a
     *  restarting node should not spend before it enforces its persisted state. */
    private OkHttpClient http;

    public ControlPlaneClient(ControlPlaneSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public ControlPlaneClient(ControlPlaneSettings settings, Clock clock) {
        this.base = settings.baseUrl();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = settings.requestTimeout();
    }

    private synchronized OkHttpClient http() {
        if (http == null) {
            http = new OkHttpClient.Builder()
                    .connectTimeout(timeout)
                    .readTimeout(timeout)
                    .writeTimeout(timeout)
                    .callTimeout(timeout)
                    .retryOnConnectionFailure(true)
                    .build();
        }
        return http;
    }

    /** {@code POST /v1/register}, the bootstrap token as bearer. */
    public RegisterResponse register(RegisterRequest request) throws IOException {
        HttpUrl url = url("v1", "register");
        return required(read(execute("POST", url, request.token(), body(request)), url, RegisterResponse.class), url);
    }

    /** {@code GET /v1/nodes/{id}/state}. */
    public StateResponse fetchState(NodeIdentity node) throws IOException {
        HttpUrl url = nodeUrl(node, "state");
        return required(read(execute("GET", url, node.nodeSecretKey(), null), url, StateResponse.class), url);
    }

    /** {@code POST /v1/nodes/{id}/heartbeat}. */
    public HeartbeatResponse heartbeat(NodeIdentity node, HeartbeatRequest request) throws IOException {
        HttpUrl url = nodeUrl(node, "heartbeat");
        HeartbeatResponse response = read(execute("POST", url, node.nodeSecretKey(), body(request)), url, HeartbeatResponse.class);
        return response == null ? new HeartbeatResponse(false, false) : response;
    }

    /** {@code POST /v1/nodes/{id}/drift}. */
    public void reportDrift(NodeIdentity node, DriftReport report) throws IOException {
        HttpUrl url = nodeUrl(node, "drift");
        execute("POST", url, node.nodeSecretKey(), body(report)).close();
    }

    /** {@code POST /v1/nodes/{id}/deregister}. */
    public void deregister(NodeIdentity node) throws IOException {
        HttpUrl url = nodeUrl(node, "deregister");
        execute("POST", url, node.nodeSecretKey(), RequestBody.create(new byte[0], JSON)).close();
    }

    /** {@code GET /v1/nodes/{id}/events}, with {@code Last-Event-ID} when resuming. */
    Request eventsRequest(NodeIdentity node, String lastEventId) {
        Request.Builder builder = baseRequest(nodeUrl(node, "events"), node.nodeSecretKey())
                .header("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache");
        if (lastEventId != null && !lastEventId.isEmpty()) {
            builder.header("Last-Event-ID", lastEventId);
        }
        return builder.get().build();
    }

    /**
     * A client for the long-lived event stream: no overall call timeout, and a read timeout of
     * {@code idleTimeout}, so a stream that delivers nothing (not even a keep-alive comment) for
     * that long fails and is reconnected. Shares this client's connection pool and threads.
     */
    OkHttpClient streamClient(Duration idleTimeout) {
        return http().newBuilder().callTimeout(Duration.ZERO).readTimeout(idleTimeout).build();
    }

    Clock clock() {
        return clock;
    }

    private HttpUrl url(String... segments) {
        HttpUrl.Builder builder = base.newBuilder();
        for (String segment : segments) {
            builder.addPathSegment(segment);
        }
        return builder.build();
    }

    private HttpUrl nodeUrl(NodeIdentity node, String leaf) {
        return url("v1", "nodes", node.nodeId(), leaf);
    }

    private Request.Builder baseRequest(HttpUrl url, String bearer) {
        Request.Builder builder = new Request.Builder().url(url)
                .header("User-Agent", Version.userAgent())
                .header("Accept", "application/json");
        if (bearer != null && !bearer.isEmpty()) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        return builder;
    }

    private Response execute(String method, HttpUrl url, String bearer, RequestBody body) throws IOException {
        Request request = baseRequest(url, bearer).method(method, body).build();
        Response response = http().newCall(request).execute();
        if (response.isSuccessful()) {
            return response;
        }
        try (response) {
            throw error(method, url.encodedPath(), response, clock);
        }
    }

    /** Maps an error response to its exception; the body is read here, bounded. */
    static ControlPlaneException error(String method, String path, Response response, Clock clock) {
        String excerpt = "";
        try {
            // Peek a little more than is kept, never a whole large body.
            excerpt = ControlPlaneException.excerpt(response.peekBody(ControlPlaneException.MAX_BODY_EXCERPT + 1L).string());
        } catch (IOException | RuntimeException e) {
            // The status alone still says what happened.
        }
        int code = response.code();
        String message = "control plane: " + method + " " + path + ": HTTP " + code
                + (excerpt.isEmpty() ? "" : ": " + excerpt);
        return switch (code) {
            case 401 -> new UnauthorizedException(message, excerpt);
            case 429 -> new RateLimitedException(message, excerpt, RetryAfter.parse(response.header("Retry-After"), clock));
            default -> new ControlPlaneException(message, code, excerpt);
        };
    }

    private static <T> T read(Response response, HttpUrl url, Class<T> type) throws IOException {
        try (response) {
            String text = response.body().string();
            if (text.isBlank()) {
                return null;
            }
            return Json.MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new ControlPlaneException("control plane: " + url.encodedPath() + ": malformed response: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static <T> T required(T value, HttpUrl url) throws ControlPlaneException {
        if (value == null) {
            throw new ControlPlaneException("control plane: " + url.encodedPath() + ": empty response");
        }
        return value;
    }

    private static RequestBody body(Object value) throws JsonProcessingException {
        return RequestBody.create(Json.MAPPER.writeValueAsBytes(value), JSON);
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }
}

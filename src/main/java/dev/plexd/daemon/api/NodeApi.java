package dev.plexd.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.api.Json;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.logging.LogSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The local API's endpoints over a {@link StatusSource}, the metrics and the daemon's controls. */
public final class NodeApi {

    /** Reloads the service policies; returns the errors of the files that failed (empty = all good). */
    @FunctionalInterface
    public interface ServiceReload {
        List<String> reload() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(NodeApi.class);

    private NodeApi() {
    }

    /** @param services null when service access control is disabled */
    public static Router router(StatusSource source, DaemonMetrics metrics, ServiceReload services) {
        return new Router()
                .route("GET", "/healthz", r -> HttpResponse.text(200, "ok\n"))
                .route("GET", "/readyz", r -> source.ready()
                        ? HttpResponse.text(200, "ready\n")
                        : HttpResponse.text(503, "not ready: no desired state enforced yet\n"))
                .route("GET", "/v1/status", r -> HttpResponse.json(200, source.status()))
                .route("GET", "/v1/peers", r -> HttpResponse.json(200, Map.of("peers", source.peers())))
                .route("GET", "/v1/policies", r -> HttpResponse.json(200, Map.of("policies", source.policies())))
                .route("GET", "/metrics", r -> metrics(metrics))
                .route("PUT", "/v1/log-level", NodeApi::setLogLevel)
                .route("POST", "/v1/services/reload", r -> reloadServices(services));
    }

    private static HttpResponse metrics(DaemonMetrics metrics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            metrics.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new HttpResponse(200, metrics.contentType(), out.toByteArray(), Map.of());
    }

    /** Body {@code {"level": "debug"}}, optionally {@code "logger": "dev.plexd.firewall"} (default: all). */
    private static HttpResponse setLogLevel(HttpRequest request) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(request.body());
        } catch (IOException e) {
            return HttpResponse.error(400, "body must be JSON like {\"level\": \"debug\"}");
        }
        if (body == null || !body.path("level").isTextual()) {
            return HttpResponse.error(400, "body must be JSON like {\"level\": \"debug\"}");
        }
        String logger = body.path("logger").asText("");
        String level = body.path("level").asText();
        try {
            LogSetup.setLevel(logger, level);
        } catch (IllegalArgumentException e) {
            return HttpResponse.error(400, e.getMessage());
        }
        String name = logger.isEmpty() ? "ROOT" : logger;
        log.atInfo().addKeyValue("logger", name).addKeyValue("level", level).log("log level changed");
        Map<String, String> result = new LinkedHashMap<>();
        result.put("logger", name);
        result.put("level", level.trim().toLowerCase(java.util.Locale.ROOT));
        return HttpResponse.json(200, result);
    }

    private static HttpResponse reloadServices(ServiceReload services) {
        if (services == null) {
            return HttpResponse.error(409, "service access control is disabled (services.enabled: false)");
        }
        try {
            List<String> errors = services.reload();
            return HttpResponse.json(200, Map.of("reloaded", errors.isEmpty(), "errors", errors));
        } catch (Exception e) {
            log.atWarn().setCause(e).log("service policy reload failed");
            return HttpResponse.error(500, "reload failed: " + e.getMessage());
        }
    }
}

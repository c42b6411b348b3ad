package dev.plexd.daemon.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** Exact-path routing with 404 for unknown paths and 405 (with {@code Allow}) for wrong methods. */
public final class Router implements Function<HttpRequest, HttpResponse> {

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final Map<String, Map<String, Function<HttpRequest, HttpResponse>>> routes = new LinkedHashMap<>();

    public Router route(String method, String path, Function<HttpRequest, HttpResponse> handler) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
        return this;
    }

    @Override
    public HttpResponse apply(HttpRequest request) {
        Map<String, Function<HttpRequest, HttpResponse>> byMethod = routes.get(request.path());
        if (byMethod == null) {
            return HttpResponse.error(404, "no such endpoint: " + request.path());
        }
        Function<HttpRequest, HttpResponse> handler = byMethod.get(request.method());
        if (handler == null) {
            return HttpResponse.error(405, request.method() + " is not allowed on " + request.path())
                    .withHeader("Allow", String.join(", ", new TreeSet<>(byMethod.keySet())));
        }
        try {
            return handler.apply(request);
        } catch (RuntimeException e) {
            log.atError().addKeyValue("method", request.method()).addKeyValue("path", request.path()).setCause(e)
                    .log("api handler failed");
            return HttpResponse.error(500, "internal error: " + e.getMessage());
        }
    }
}

package dev.plexd.daemon.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A request to the local API.
 *
 * @param path    the target without its query, e.g. {@code /v1/status}
 * @param query   the raw query string, or empty
 * @param headers header values by lower-case name
 */
public record HttpRequest(String method, String path, String query, Map<String, String> headers, byte[] body) {

    public HttpRequest {
        headers = Map.copyOf(headers);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}

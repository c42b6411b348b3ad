package dev.plexd.daemon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.plexd.api.Json;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A response of the local API; always complete in memory (the API's answers are small). */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    public static HttpResponse json(int status, Object value) {
        try {
            byte[] body = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
            return new HttpResponse(status, JSON, append(body, (byte) '\n'), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("api: cannot encode response: " + e.getOriginalMessage(), e);
        }
    }

    public static HttpResponse text(int status, String text) {
        return new HttpResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** {@code {"error": "..."}} */
    public static HttpResponse error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> more = new java.util.LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpResponse(status, contentType, body, more);
    }

    private static byte[] append(byte[] body, byte last) {
        byte[] out = java.util.Arrays.copyOf(body, body.length + 1);
        out[body.length] = last;
        return out;
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status " + status;
        };
    }
}

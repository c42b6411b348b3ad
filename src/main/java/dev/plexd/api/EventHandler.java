package dev.plexd.api;

/** Handles one verified event. */
@FunctionalInterface
public interface EventHandler {
    void handle(SignedEnvelope event) throws Exception;
}

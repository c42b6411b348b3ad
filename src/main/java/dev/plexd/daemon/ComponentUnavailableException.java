package dev.plexd.daemon;

/**
 * A configured component is not part of this build or cannot run on this host. The message
 * starts with the key that chose it, e.g. {@code wireguard.mode userspace: not available in this build}.
 */
public final class ComponentUnavailableException extends Exception {

    public ComponentUnavailableException(String message) {
        super(message);
    }

    public ComponentUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

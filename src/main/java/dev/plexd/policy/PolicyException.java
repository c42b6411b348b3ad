package dev.plexd.policy;

/** Policy enforcement failed; {@link #getCause()} is the controller's exception. */
public class PolicyException extends Exception {

    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}

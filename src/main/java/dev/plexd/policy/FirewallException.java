package dev.plexd.policy;

/** A firewall operation failed; the message says what the OS tool reported. */
public class FirewallException extends Exception {

    public FirewallException(String message) {
        super(message);
    }

    public FirewallException(String message, Throwable cause) {
        super(message, cause);
    }
}

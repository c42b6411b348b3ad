package dev.plexd.api.client;

/**
 * Registration cannot succeed by retrying: the control plane refused it (400, 401, 403, 404, 409)
 * or there is no bootstrap token. The message says what to do.
 */
public class RegistrationException extends ControlPlaneException {

    public RegistrationException(String message) {
        super(message);
    }

    public RegistrationException(String message, int statusCode, String bodyExcerpt) {
        super(message, statusCode, bodyExcerpt);
    }
}

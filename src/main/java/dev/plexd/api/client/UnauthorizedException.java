package dev.plexd.api.client;

/** HTTP 401: the credential (bootstrap token or node secret) was not accepted. */
public class UnauthorizedException extends ControlPlaneException {

    public UnauthorizedException(String message, String bodyExcerpt) {
        super(message, 401, bodyExcerpt);
    }
}

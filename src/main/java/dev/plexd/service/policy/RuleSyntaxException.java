package dev.plexd.service.policy;

/** A rule line that does not parse; {@link #token()} is the offending word. */
public final class RuleSyntaxException extends Exception {

    private final String token;

    public RuleSyntaxException(String message, String token) {
        super(message);
        this.token = token;
    }

    public String token() {
        return token;
    }

    /** The error located at a file and line. */
    public PolicyError at(String file, int line) {
        return new PolicyError(file, line, getMessage(), token);
    }
}

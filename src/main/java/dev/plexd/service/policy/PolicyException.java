package dev.plexd.service.policy;

import java.util.List;
import java.util.stream.Collectors;

/** The service policy cannot be used; carries every problem found, one {@code file:line: …} each. */
public class PolicyException extends Exception {

    private final List<PolicyError> errors;

    public PolicyException(List<PolicyError> errors) {
        super(errors.stream().map(PolicyError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public PolicyException(PolicyError error) {
        this(List.of(error));
    }

    public List<PolicyError> errors() {
        return errors;
    }
}

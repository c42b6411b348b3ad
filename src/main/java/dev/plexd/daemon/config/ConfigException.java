package dev.plexd.daemon.config;

import java.util.List;

/** The configuration is invalid; {@link #errors()} lists every problem, each starting with its key path. */
public final class ConfigException extends Exception {

    private final List<String> errors;

    public ConfigException(String where, List<String> errors) {
        super(describe(where, errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }

    private static String describe(String where, List<String> errors) {
        StringBuilder text = new StringBuilder("invalid configuration (").append(where).append("): ")
                .append(errors.size()).append(errors.size() == 1 ? " error" : " errors");
        for (String error : errors) {
            text.append("\n  ").append(error);
        }
        return text.toString();
    }
}

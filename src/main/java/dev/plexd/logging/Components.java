package dev.plexd.logging;

/**
 * The {@code component} of a log line, derived from the logger name so every line has one
 * without each class having to say it: {@code dev.plexd.reconcile.Reconciler} is
 * {@code reconcile}, a library's logger is its top package ({@code okhttp3}).
 */
public final class Components {

    private static final String ROOT = "dev.plexd.";

    private Components() {
    }

    public static String of(String loggerName) {
        if (loggerName == null || loggerName.isEmpty()) {
            return "plexd";
        }
        String rest = loggerName.startsWith(ROOT) ? loggerName.substring(ROOT.length()) : loggerName;
        int dot = rest.indexOf('.');
        String first = dot < 0 ? rest : rest.substring(0, dot);
        if (loggerName.startsWith(ROOT) && (dot < 0 || Character.isUpperCase(first.charAt(0)))) {
            return "plexd";
        }
        return first;
    }
}

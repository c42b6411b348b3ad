package dev.plexd.testing;

import dev.plexd.sys.Exec;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Enables {@link Privileged} tests only where they can run; see there. */
public final class PrivilegedCondition implements ExecutionCondition {

    public static final String REQUIRE_ENV = "PLEXD_REQUIRE_PRIVILEGED";

    /** What {@link NetNs} runs to create and set up a namespace: required by every privileged test. */
    static final List<String> NAMESPACE_TOOLS = List.of("ip", "sysctl");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<String> tools = required(context.getElement()
                .flatMap(e -> AnnotationSupport.findAnnotation(e, Privileged.class))
                .map(Privileged::tools).orElse(new String[0]));
        String missing = missing(tools);
        if (missing == null) {
            return ConditionEvaluationResult.enabled("root and " + tools + " available");
        }
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            throw new IllegalStateException(REQUIRE_ENV + "=1 but this privileged test cannot run: " + missing);
        }
        return ConditionEvaluationResult.disabled("skipped: " + missing + " (run as root with the tools installed, as CI does)");
    }

    public static boolean isRoot() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
        } catch (Exception e) {
            return false;
        }
    }

    /** The namespace tools, then {@code tools}. */
    static List<String> required(String... tools) {
        List<String> all = new ArrayList<>(NAMESPACE_TOOLS);
        for (String tool : tools) {
            if (!all.contains(tool)) {
                all.add(tool);
            }
        }
        return all;
    }

    /** Null when this process is root and every tool is on the PATH; otherwise what is missing. */
    static String missing(List<String> tools) {
        if (!isRoot()) {
            return "needs root for network namespaces";
        }
        for (String tool : tools) {
            if (!Exec.onPath(tool)) {
                return "needs '" + tool + "' on the PATH";
            }
        }
        return null;
    }
}

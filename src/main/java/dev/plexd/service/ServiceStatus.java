package dev.plexd.service;

import java.time.Instant;
import java.util.List;

/**
 * The state of service access control for the daemon's {@code /v1/status}.
 *
 * @param ok            whether the last reload (files, peer directory, kernel rules) succeeded;
 *                      when false the last good policy is still in force
 * @param mode          {@code userspace} or {@code kernel}
 * @param configured    whether {@code services/} exists (without it everything is allowed)
 * @param defaultAction of the policy in force: {@code allow} or {@code deny}
 * @param rules         rules in force, across all files
 * @param generation    the filter snapshot in force (increments on every policy or slot change)
 * @param lastAttempt   when a reload was last attempted, null before the first
 * @param lastSuccess   when a reload last succeeded, null if none has
 * @param errors        the last attempt's problems, one {@code file:line: message (token)} each
 * @param warnings      problems that did not stop the reload (peer directory entries left out)
 */
public record ServiceStatus(boolean ok, String mode, String configDir, boolean configured, String defaultAction,
                            int rules, int peerFiles, int orgFiles, long generation, Instant lastAttempt,
                            Instant lastSuccess, List<String> errors, List<String> warnings) {

    public ServiceStatus {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }
}

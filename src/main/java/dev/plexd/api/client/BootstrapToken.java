package dev.plexd.api.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The one-time registration token, from (in this order) the inline setting, the token file or
 * the {@code PLEXD_BOOTSTRAP_TOKEN} environment variable.
 *
 * @param file the file it came from, removed once registration succeeded; null otherwise
 */
record BootstrapToken(String value, Path file, String source) {

    private static final Logger log = LoggerFactory.getLogger(BootstrapToken.class);
    static final int MAX_LENGTH = 512;

    /**
     * @throws RegistrationException when a token is present but not usable (too long, not
     *                               printable ASCII); the message names its source, never its value
     * @throws IOException           when the token file exists but cannot be read
     */
    static Optional<BootstrapToken> resolve(ControlPlaneSettings settings, Map<String, String> env) throws IOException {
        if (settings.bootstrapToken() != null) {
            return Optional.of(checked(settings.bootstrapToken(), null, "control_plane.bootstrap_token"));
        }
        Path file = settings.bootstrapTokenFile();
        if (file != null) {
            try {
                String text = Files.readString(file).strip();
                if (!text.isEmpty()) {
                    return Optional.of(checked(text, file, "control_plane.bootstrap_token_file " + file));
                }
            } catch (NoSuchFileException e) {
                // Normal after a successful registration removed it.
            }
        }
        String fromEnv = env.get(ControlPlaneSettings.ENV_BOOTSTRAP_TOKEN);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(checked(fromEnv.strip(), null, ControlPlaneSettings.ENV_BOOTSTRAP_TOKEN));
        }
        return Optional.empty();
    }

    private static BootstrapToken checked(String value, Path file, String source) throws RegistrationException {
        if (value.length() > MAX_LENGTH) {
            throw new RegistrationException("bootstrap token from " + source + " is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new RegistrationException("bootstrap token from " + source
                        + " contains a character that is not printable ASCII at position " + i);
            }
        }
        return new BootstrapToken(value, file, source);
    }

    /** A token file is single-use: remove it once the node is registered. */
    void consumed() {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
            log.atInfo().addKeyValue("file", file.toString()).log("bootstrap token file removed after registration");
        } catch (IOException e) {
            log.atWarn().addKeyValue("file", file.toString()).setCause(e)
                    .log("could not remove the bootstrap token file; remove it by hand");
        }
    }

    @Override
    public String toString() {
        return "BootstrapToken[source=" + source + "]";
    }
}

package dev.plexd.service.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Writes a {@code services/} tree into a test's config directory. */
public final class ServicesDir {

    private final Path configDir;

    public ServicesDir(Path configDir) {
        this.configDir = configDir;
    }

    public Path configDir() {
        return configDir;
    }

    /** Atomically, as the CLI does: a running {@code ServiceAccess} watches the directory and must never read it half-written. */
    public ServicesDir file(String relative, String content) {
        try {
            PolicyFiles.writeAtomically(configDir.resolve("services").resolve(relative), content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public ServicesDir defaultAction(String action) {
        return file("default", action + "\n");
    }

    public ServicesDir global(String rules) {
        return file("global.policy", rules);
    }

    public ServicesDir peer(String name, String rules) {
        return file("peer/" + name + ".policy", rules);
    }

    public ServicesDir org(String name, String rules) {
        return file("org/" + name + ".policy", rules);
    }

    public ServicesDir members(String org, String members) {
        return file("org/" + org + ".members", members);
    }

    public ServicesDir aliases(String lines) {
        return file("aliases", lines);
    }

    public PolicySet load() throws PolicyException {
        return PolicyLoader.load(configDir);
    }
}

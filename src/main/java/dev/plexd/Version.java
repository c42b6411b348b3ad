package dev.plexd;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, from {@code dev/plexd/version.properties} (filled in by Maven). */
public final class Version {

    private static final String VERSION = load();

    private Version() {
    }

    public static String get() {
        return VERSION;
    }

    /** {@code plexd/<version>}: the User-Agent of every request to the control plane. */
    public static String userAgent() {
        return "plexd/" + VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}

package dev.plexd.wireguard;

/**
 * Checks a network interface name before it goes into argv or a socket path
 * ({@code /var/run/wireguard/<name>.sock}): the kernel's rules (1–15 bytes, no {@code /}, no
 * whitespace, not {@code .} or {@code ..}) narrowed to the characters interface names use.
 */
public final class InterfaceNames {

    public static final int MAX_LENGTH = 15;

    private InterfaceNames() {
    }

    /** @throws IllegalArgumentException naming the problem */
    public static String check(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("interface name must be 1.." + MAX_LENGTH + " characters, got \"" + name + "\"");
        }
        if (!name.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '_' || c == '.') || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name \"" + name + "\" may only contain letters, digits, '-', '_' and '.'");
        }
        return name;
    }
}

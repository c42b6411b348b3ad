package dev.plexd.firewall;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Names of the objects a policy chain {@code C} owns in table {@code inet plexd}: the chain itself,
 * the base chains {@code C-input}, {@code C-output}, {@code C-forward}, and sets
 * {@code C-<layer>-<allow|deny>-<ip|ip6|inet>[-src][-dst][-proto[-port]]}, named after their key so
 * a listing reads as what it matches. Every other object in the table belongs to someone else and
 * is left alone.
 */
final class NftNames {

    static final List<String> HOOKS = List.of("input", "output", "forward");

    private static final Pattern OWNED_SUFFIX = Pattern.compile(
            "(input|output|forward)|\\d+-(allow|deny)-(ip|ip6|inet)(-src)?(-dst)?(-proto(-port)?)?");

    private NftNames() {
    }

    static String baseChain(String chain, String hook) {
        return chain + "-" + hook;
    }

    static String set(String chain, int layer, boolean allow, String family, String dimensions) {
        return chain + "-" + layer + "-" + (allow ? "allow" : "deny") + "-" + family + dimensions;
    }

    /** Whether an object of the table is one of {@code chain}'s. */
    static boolean ownedBy(String chain, String objectName) {
        if (objectName.equals(chain)) {
            return true;
        }
        return objectName.length() > chain.length() + 1 && objectName.startsWith(chain)
                && objectName.charAt(chain.length()) == '-'
                && OWNED_SUFFIX.matcher(objectName).region(chain.length() + 1, objectName.length()).matches();
    }
}

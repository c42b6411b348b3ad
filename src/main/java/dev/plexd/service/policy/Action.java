package dev.plexd.service.policy;

/** What a rule or the default does with a packet. Keywords are case-sensitive, as in the original. */
public enum Action {
    ALLOW("allow"),
    DENY("deny");

    private final String keyword;

    Action(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    /** The action for an exact keyword, or null. */
    public static Action of(String keyword) {
        return switch (keyword) {
            case "allow" -> ALLOW;
            case "deny" -> DENY;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return keyword;
    }
}

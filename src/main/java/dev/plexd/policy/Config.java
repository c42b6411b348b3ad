package dev.plexd.policy;

/**
 * Policy enforcement settings.
 *
 * @param enabled   whether policies are enforced; when false every peer is visible and no firewall rule is applied
 * @param chainName the firewall chain plexd owns
 */
public record Config(boolean enabled, String chainName) {

    public static final String DEFAULT_CHAIN_NAME = "plexd-mesh";

    /**
     * A fully unset config (disabled and no chain) means "use the defaults", so it becomes enabled;
     * a config whose chain is set was built on purpose and keeps its {@code enabled} value.
     */
    public Config applyDefaults() {
        boolean chainUnset = chainName == null || chainName.isEmpty();
        return new Config(enabled || chainUnset, chainUnset ? DEFAULT_CHAIN_NAME : chainName);
    }

    public void validate() {
        if (enabled && (chainName == null || chainName.isEmpty())) {
            throw new IllegalArgumentException("policy: config: ChainName must not be empty when enabled");
        }
    }
}

package dev.plexd.policy;

import java.util.List;

/** The OS packet filter plexd drives: nftables or iptables. */
public interface FirewallController {

    /** Creates the chain if it does not exist. */
    void ensureChain(String chain) throws FirewallException;

    /** Replaces every rule of the chain atomically: on failure the previous rules stay in force. */
    void applyRules(String chain, List<FirewallRule> rules) throws FirewallException;

    /** Removes every rule of the chain. */
    void flushChain(String chain) throws FirewallException;

    /** Deletes the chain; does nothing when it does not exist. */
    void deleteChain(String chain) throws FirewallException;
}

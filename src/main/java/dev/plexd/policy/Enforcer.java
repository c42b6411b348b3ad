package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Enforces policies on the local node: filters peers through the engine and applies the engine's
 * firewall rules through the controller.
 *
 * <table>
 *   <caption>Behaviour by state</caption>
 *   <tr><th>enabled</th><th>firewall</th><th>filterPeers</th><th>applyFirewallRules</th><th>teardown</th></tr>
 *   <tr><td>true</td><td>set</td><td>engine-filtered</td><td>rules applied</td><td>chain removed</td></tr>
 *   <tr><td>true</td><td>null</td><td>engine-filtered</td><td>no-op, warning</td><td>no-op</td></tr>
 *   <tr><td>false</td><td>any</td><td>all peers</td><td>no-op</td><td>chain removed when set</td></tr>
 * </table>
 */
public final class Enforcer {

    private static final Logger log = LoggerFactory.getLogger(Enforcer.class);

    private final PolicyEngine engine;
    private final FirewallController firewall;
    private final Config config;

    /**
     * @param firewall may be null: only peer filtering works then
     */
    public Enforcer(PolicyEngine engine, FirewallController firewall, Config cfg) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.firewall = firewall;
        this.config = (cfg == null ? new Config(false, null) : cfg).applyDefaults();
    }

    public List<Peer> filterPeers(List<Peer> peers, List<Policy> policies, String localNodeId) {
        if (!config.enabled()) {
            return peers == null ? List.of() : List.copyOf(peers);
        }
        return engine.filterPeers(peers, policies, localNodeId);
    }

    public void applyFirewallRules(List<Policy> policies, String localNodeId, String iface,
                                   Map<String, String> peersById) throws PolicyException {
        if (!config.enabled()) {
            return;
        }
        if (firewall == null) {
            log.atWarn().addKeyValue("chain", config.chainName()).addKeyValue("interface", iface)
                    .addKeyValue("policies", policies == null ? 0 : policies.size())
                    .log("no firewall controller configured; firewall rules are not applied");
            return;
        }
        List<FirewallRule> rules = engine.buildFirewallRules(policies, localNodeId, iface, peersById);
        try {
            firewall.ensureChain(config.chainName());
            firewall.applyRules(config.chainName(), rules);
        } catch (FirewallException e) {
            throw new PolicyException("policy: enforce: " + e.getMessage(), e);
        }
        log.atDebug().addKeyValue("rules", rules.size()).addKeyValue("chain", config.chainName()).log("firewall rules applied");
    }

    /** Flushes then deletes the chain; a failed flush skips the delete. */
    public void teardown() throws PolicyException {
        if (firewall == null) {
            return;
        }
        try {
            firewall.flushChain(config.chainName());
            firewall.deleteChain(config.chainName());
        } catch (FirewallException e) {
            throw new PolicyException("policy: teardown: " + e.getMessage(), e);
        }
    }

    public Config config() {
        return config;
    }
}

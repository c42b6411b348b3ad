package dev.plexd.daemon;

import dev.plexd.api.Peer;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.service.InboundFilter;
import dev.plexd.service.MeshPeer;
import dev.plexd.service.ServiceAccess;
import dev.plexd.service.ServiceStatus;
import dev.plexd.service.filter.DropReason;
import dev.plexd.service.filter.PeerCounters;
import dev.plexd.service.kernel.KernelServiceRules;
import dev.plexd.sys.Exec;

import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Service access control ({@link ServiceAccess}) as the daemon drives it. With plexd's userspace
 * data plane the compiled filter runs at the decrypt → TUN boundary; with kernel or external
 * WireGuard there is no such boundary in plexd, so the same policies also become nftables rules on
 * the mesh interface.
 */
final class ServiceAccessControl implements ServiceControl {

    private final ServiceAccess access;

    private ServiceAccessControl(ServiceAccess access) {
        this.access = access;
    }

    static ServiceControl open(DaemonConfig config, Exec exec) throws IOException {
        KernelServiceRules kernel = config.wireguard().mode() == DaemonConfig.WireGuardMode.USERSPACE
                ? null
                : new KernelServiceRules(exec, config.wireguard().iface());
        ServiceAccess access = new ServiceAccess(config.configDir(), kernel, Clock.systemUTC());
        try {
            access.start();
        } catch (IOException | RuntimeException e) {
            access.close();
            throw e;
        }
        return new ServiceAccessControl(access);
    }

    @Override
    public InboundFilter filter() {
        return access.filter();
    }

    @Override
    public List<String> reload() {
        return access.reload().errors();
    }

    @Override
    public List<String> errors() {
        return access.errors();
    }

    @Override
    public NodeStatus.Services status() {
        ServiceStatus s = access.status();
        // Kernel mode has no userspace boundary: nothing is counted per peer there.
        List<NodeStatus.ServicePeer> peers = s.mode().equals("kernel") ? List.of()
                : access.filter().peerCounters().stream().map(ServiceAccessControl::peer).toList();
        return new NodeStatus.Services(true, s.ok(), s.mode(), s.configDir(), s.configured(), s.defaultAction(),
                s.rules(), s.peerFiles(), s.orgFiles(), s.generation(), s.lastAttempt(), s.lastSuccess(), s.errors(),
                s.warnings(), peers);
    }

    private static NodeStatus.ServicePeer peer(PeerCounters counts) {
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason.label(), counts.dropped().get(reason));
        }
        return new NodeStatus.ServicePeer(counts.peer(), counts.publicKey(), counts.slot(), counts.allowed(),
                counts.allowedAsReply(), dropped);
    }

    @Override
    public void updatePeers(List<Peer> peers) {
        access.updatePeers(peers.stream().map(MeshPeer::of).toList());
    }

    @Override
    public void registerMetrics(DaemonMetrics metrics) {
        // Replies to flows this node started are allowed too: counted with the rest.
        metrics.registerPacketsAllowed(() -> access.filter().totalAllowed() + access.filter().totalAllowedAsReply());
        metrics.registerPacketsDropped(this::droppedByReason);
        metrics.registerServicePolicyGeneration(() -> access.filter().generation());
    }

    private Map<String, Long> droppedByReason() {
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (DropReason reason : DropReason.values()) {
            dropped.put("service_" + reason.label(), access.filter().totalDropped(reason));
        }
        return dropped;
    }

    @Override
    public void close() {
        access.close();
    }
}

package dev.plexd.service.filter;

import dev.plexd.service.InboundFilter;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.Action;
import dev.plexd.service.policy.Names;
import dev.plexd.service.policy.PeerIdentity;
import dev.plexd.service.policy.PolicyException;
import dev.plexd.service.policy.PolicyKey;
import dev.plexd.service.policy.PolicySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The service filter the userspace data plane calls for every decrypted inbound packet.
 *
 * <p>Per packet ({@link #allowInbound}): one volatile read of the current {@link CompiledPolicy},
 * header parsing with absolute reads, three array reads for the verdict, one counter increment;
 * no allocation, no lock, and no exception escapes (an unexpected one drops the packet as
 * {@link DropReason#ERROR}).
 *
 * <p>Control path ({@link #install}, {@link #bindSlot}, {@link #unbindSlot}): serialised by a lock,
 * each builds a new snapshot from the policy files, the peer directory and the slot bindings and
 * publishes it with one volatile write. Until the first {@link #install} the filter is closed:
 * everything but ICMP is dropped.
 *
 * <p>A slot that is not bound (or out of range) gets the default action for every packet: the
 * filter cannot tell who sent it, so no peer or org rule can apply.
 *
 * <p>Replies: the data plane shows the filter every outbound packet ({@link #noteOutbound}); the
 * UDP flows this node starts are kept in a fixed table ({@link UdpFlows}), and a UDP packet the
 * policy denies passes when it is the reply of such a flow (same peer, its source is the flow's
 * destination, its destination port the flow's source port) within {@link UdpFlows#TIMEOUT_NANOS}.
 * Those are counted apart ({@link #allowedAsReply}). TCP replies pass without state: a segment
 * with ACK or RST passes, every other one (SYN, FIN, NULL, XMAS, ...) is judged by its port.
 */
public final class ServiceFilter implements InboundFilter {

    private static final Logger log = LoggerFactory.getLogger(ServiceFilter.class);

    private volatile CompiledPolicy current = CompiledPolicy.closed();
    private final FilterCounters counters = new FilterCounters();
    private final UdpFlows flows;
    private final DropLog dropLog = new DropLog();

    private final Object lock = new Object();
    private final PolicyCompiler compiler = new PolicyCompiler();
    private final TreeMap<Integer, String> bindings = new TreeMap<>();
    private PolicySet policySet = PolicySet.DENY_ALL;
    private PeerDirectory directory = PeerDirectory.EMPTY;
    private Map<PolicyKey, Integer> compiledKeys = Map.of();
    private long generation;
    private volatile PolicyException bindError;

    public ServiceFilter() {
        this(System::nanoTime);
    }

    /** @param nanoTime the clock of the UDP flow table (tests inject one) */
    ServiceFilter(LongSupplier nanoTime) {
        flows = new UdpFlows(nanoTime);
    }

    @Override
    public boolean allowInbound(int peerSlot, byte[] packet, int offset, int length) {
        int outcome;
        try {
            CompiledPolicy snapshot = current;
            // Here, not in decide: that one is a call of its own (see there), which "allow everything" skips.
            outcome = snapshot.allowAll ? CompiledPolicy.ALLOWED : snapshot.decide(peerSlot, packet, offset, length, flows);
        } catch (RuntimeException e) {
            outcome = DropReason.ERROR.code();
        }
        counters.count(peerSlot, outcome);
        // Non-short-circuit operators: whether a packet passes is a coin flip in mixed traffic, and
        // this way no branch depends on it.
        boolean allowed = outcome == CompiledPolicy.ALLOWED | outcome == CompiledPolicy.ALLOWED_AS_REPLY;
        dropLog.offer(!allowed, peerSlot, outcome, packet, offset, length);
        return allowed;
    }

    /**
     * Records the UDP flow an outbound packet starts or continues (anything else is ignored). Not
     * while the policy allows everything: nothing needs to be recognised as a reply then.
     */
    @Override
    public void noteOutbound(int peerSlot, byte[] packet, int offset, int length) {
        if (current.allowAll) {
            return;
        }
        try {
            flows.record(peerSlot, packet, offset, length);
        } catch (RuntimeException e) {
            // Cannot happen (every read is bounds-checked); at worst the flow's replies are judged by the policy.
        }
    }

    /**
     * Compiles a new policy and peer directory with the current slot bindings and makes it the one
     * packets see. On failure nothing changes: the last good policy stays in force.
     */
    public void install(PolicySet set, PeerDirectory peers) throws PolicyException {
        synchronized (lock) {
            publish(compileAll(set, peers, bindings));
            policySet = set;
            directory = peers;
            bindError = null;
        }
    }

    /** Binds a slot to a peer's public key (standard base64); called by the data plane when it configures a peer. */
    @Override
    public void bindSlot(int peerSlot, String publicKeyBase64) {
        if (peerSlot < 0 || peerSlot >= MAX_PEER_SLOTS) {
            log.atWarn().addKeyValue("slot", peerSlot).log("service filter: slot out of range, not bound");
            return;
        }
        if (Names.canonicalKey(publicKeyBase64) == null) {
            log.atWarn().addKeyValue("slot", peerSlot).log("service filter: not a 32-byte base64 key, slot left unbound");
            unbindSlot(peerSlot);
            return;
        }
        synchronized (lock) {
            bindings.put(peerSlot, publicKeyBase64);
            counters.reset(peerSlot);
            PeerIdentity peer = directory.identify(publicKeyBase64);
            CompiledPolicy snapshot = current;
            Integer policy = compiledKeys.get(PolicyCompiler.keyOf(policySet, peer));
            if (policy != null || snapshot.allowAll) {
                publish(snapshot.rebind(++generation, peerSlot, policy == null ? -1 : policy, peer.label()));
                return;
            }
            try {
                publish(compileAll(policySet, directory, bindings));
                bindError = null;
            } catch (PolicyException e) {
                // The slot stays unbound in the snapshot (default action) until a compile succeeds.
                bindError = e;
                log.atError().addKeyValue("slot", peerSlot).addKeyValue("error", e.getMessage())
                        .log("service filter: cannot compile the policy for a new peer; it gets the default action");
            }
        }
    }

    @Override
    public void unbindSlot(int peerSlot) {
        if (peerSlot < 0 || peerSlot >= MAX_PEER_SLOTS) {
            return;
        }
        synchronized (lock) {
            bindings.remove(peerSlot);
            publish(current.rebind(++generation, peerSlot, -1, null));
        }
    }

    private CompiledPolicy compileAll(PolicySet set, PeerDirectory peers, TreeMap<Integer, String> slots)
            throws PolicyException {
        int length = slots.isEmpty() ? 0 : slots.lastKey() + 1;
        int[] slotPolicy = new int[length];
        String[] labels = new String[length];
        Arrays.fill(slotPolicy, -1);
        List<Integer> slotOrder = new ArrayList<>(slots.keySet());
        List<PeerIdentity> identities = new ArrayList<>(slotOrder.size());
        for (int slot : slotOrder) {
            PeerIdentity peer = peers.identify(slots.get(slot));
            identities.add(peer);
            labels[slot] = peer.label();
        }
        boolean allowAll = set.allowsEverything();
        boolean defaultAllow = set.defaultAction() == Action.ALLOW;
        if (allowAll) {
            compiledKeys = Map.of();
            return CompiledPolicy.of(generation + 1, true, defaultAllow, slotPolicy, List.of(), Map.of(), labels);
        }
        PolicyCompiler.Result result = compiler.compile(set, identities);
        for (int i = 0; i < slotOrder.size(); i++) {
            slotPolicy[slotOrder.get(i)] = result.policyOf()[i];
        }
        Map<PolicyKey, Integer> keys = new HashMap<>();
        for (int i = 0; i < result.keys().size(); i++) {
            keys.put(result.keys().get(i), i);
        }
        compiledKeys = keys;
        return CompiledPolicy.of(generation + 1, false, defaultAllow, slotPolicy, result.policies(), result.blockNumbers(), labels);
    }

    private void publish(CompiledPolicy snapshot) {
        generation = snapshot.generation;
        current = snapshot;
    }

    /** Increments with every published snapshot (policy change or slot binding). */
    public long generation() {
        return current.generation;
    }

    /** The error of the last failed recompile after a slot binding, or null. Cleared by a successful install. */
    public PolicyException bindError() {
        return bindError;
    }

    public long allowed(int peerSlot) {
        return counters.get(peerSlot, CompiledPolicy.ALLOWED);
    }

    /** UDP packets the policy denies that passed as replies to flows this node started; not included in {@link #allowed}. */
    public long allowedAsReply(int peerSlot) {
        return counters.get(peerSlot, CompiledPolicy.ALLOWED_AS_REPLY);
    }

    public long dropped(int peerSlot, DropReason reason) {
        return counters.get(peerSlot, reason.code());
    }

    /** Across all slots, including packets for slots that were never bound. */
    public long totalAllowed() {
        return counters.total(CompiledPolicy.ALLOWED);
    }

    public long totalAllowedAsReply() {
        return counters.total(CompiledPolicy.ALLOWED_AS_REPLY);
    }

    public long totalDropped(DropReason reason) {
        return counters.total(reason.code());
    }

    /** Counts of every bound slot, by slot. */
    public List<PeerCounters> peerCounters() {
        Map<Integer, String> bound;
        synchronized (lock) {
            bound = new TreeMap<>(bindings);
        }
        CompiledPolicy snapshot = current;
        List<PeerCounters> result = new ArrayList<>(bound.size());
        bound.forEach((slot, key) -> {
            EnumMap<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
            for (DropReason reason : DropReason.values()) {
                dropped.put(reason, dropped(slot, reason));
            }
            String label = snapshot.label(slot);
            result.add(new PeerCounters(slot, key, label == null ? key : label, allowed(slot), allowedAsReply(slot), dropped));
        });
        return result;
    }

    /**
     * Logs the drops sampled since the last call, and how many were not sampled. The daemon calls
     * this once a second; it never runs on the data plane's threads.
     */
    public void logDrops() {
        DropLog.Batch batch = dropLog.drain(counters.totalDrops());
        CompiledPolicy snapshot = current;
        for (DropLog.Sample sample : batch.samples()) {
            String peer = snapshot.label(sample.slot());
            log.atInfo()
                    .addKeyValue("peer", peer == null ? "unbound" : peer)
                    .addKeyValue("slot", sample.slot())
                    .addKeyValue("reason", sample.reason().label())
                    .addKeyValue("packet", PacketSummary.describe(sample.head()))
                    .log("service filter dropped a packet");
        }
        if (batch.unlogged() > 0) {
            log.atInfo().addKeyValue("dropped", batch.unlogged()).addKeyValue("limit_per_second", DropLog.LINES_PER_SECOND)
                    .log("service filter drops not logged (rate limit)");
        }
    }
}

package dev.plexd.controlplane;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.plexd.api.Json;
import dev.plexd.sys.AtomicFile;
import dev.plexd.api.Peer;
import dev.plexd.api.SigningKeys;
import dev.plexd.api.StateResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The development control plane's view of the mesh: the state file's peers and policies, with each
 * registered node's WireGuard key filled in from its registration. A peer without any key is left
 * out until its node registers. Not thread-safe: the server serialises access.
 */
final class MeshState {

    /** What the control plane remembers of a registered node. */
    record Registration(String nodeSecretKey, String publicKey) {
        @Override
        public String toString() {
            return "Registration[nodeSecretKey=<redacted>, publicKey=" + publicKey + "]";
        }
    }

    private final Path registrationsFile;
    private final String signingPublicKey;
    private final Map<String, Registration> registrations = new LinkedHashMap<>();
    private StateResponse file;

    /**
     * @param registrationsFile where registrations survive a restart, or null to keep them in memory
     */
    MeshState(StateResponse file, String signingPublicKey, Path registrationsFile) throws IOException {
        this.file = file;
        this.signingPublicKey = signingPublicKey;
        this.registrationsFile = registrationsFile;
        if (registrationsFile != null) {
            try {
                Map<String, Registration> saved = Json.MAPPER.readValue(Files.readString(registrationsFile),
                        new TypeReference<LinkedHashMap<String, Registration>>() {
                        });
                if (saved != null) {
                    registrations.putAll(saved);
                }
            } catch (NoSuchFileException e) {
                // First start.
            }
        }
    }

    StateResponse file() {
        return file;
    }

    void replaceFile(StateResponse next) {
        file = next;
    }

    Optional<Peer> filePeer(String id) {
        return file.peers().stream().filter(p -> p.id().equals(id)).findFirst();
    }

    void register(String nodeId, Registration registration) throws IOException {
        registrations.put(nodeId, registration);
        save();
    }

    boolean deregister(String nodeId) throws IOException {
        boolean removed = registrations.remove(nodeId) != null;
        save();
        return removed;
    }

    /** True when {@code bearer} is the node secret of {@code nodeId}, compared in constant time. */
    boolean authenticates(String nodeId, String bearer) {
        Registration registration = registrations.get(nodeId);
        return registration != null && bearer != null && MessageDigest.isEqual(
                registration.nodeSecretKey().getBytes(StandardCharsets.UTF_8), bearer.getBytes(StandardCharsets.UTF_8));
    }

    /** Every peer with a key (registered nodes' keys win), the policies and the signing key. */
    StateResponse effective() {
        List<Peer> peers = new ArrayList<>();
        for (Peer peer : file.peers()) {
            Registration registration = registrations.get(peer.id());
            String key = registration != null ? registration.publicKey() : peer.publicKey();
            if (key != null && !key.isEmpty()) {
                peers.add(new Peer(peer.id(), key, peer.meshIp(), peer.endpoint(), peer.allowedIps(), peer.psk()));
            }
        }
        return new StateResponse(peers, file.policies(), SigningKeys.of(signingPublicKey), file.metadata(), file.data(),
                file.secretRefs());
    }

    /** What {@code GET /v1/nodes/{id}/state} serves: the effective state without the node itself. */
    StateResponse viewOf(String nodeId) {
        StateResponse all = effective();
        List<Peer> others = all.peers().stream().filter(p -> !p.id().equals(nodeId)).toList();
        return new StateResponse(others, all.policies(), all.signingKeys(), all.metadata(), all.data(), all.secretRefs());
    }

    private void save() throws IOException {
        if (registrationsFile == null) {
            return;
        }
        AtomicFile.write(registrationsFile, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(registrations),
                AtomicFile.OWNER_ONLY);
    }
}

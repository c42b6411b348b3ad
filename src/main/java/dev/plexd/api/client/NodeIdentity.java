package dev.plexd.api.client;

import java.time.Instant;

/**
 * Who this node is to the control plane, persisted in {@code <data_dir>/identity.json} (mode 0600)
 * after registration.
 *
 * @param nodeId           the ID the control plane assigned
 * @param meshIp           the node's mesh address
 * @param signingPublicKey the event-signing key given at registration (base64 raw Ed25519)
 * @param nodeSecretKey    bearer credential for every later request (secret)
 * @param privateKey       the node's WireGuard private key, base64 (secret)
 * @param publicKey        the node's WireGuard public key, base64, as registered
 * @param hostname         the name the node registered with
 * @param registeredAt     when the registration succeeded
 */
public record NodeIdentity(String nodeId, String meshIp, String signingPublicKey, String nodeSecretKey,
                           String privateKey, String publicKey, String hostname, Instant registeredAt) {

    /** Keeps the node secret and the private key out of logs and exception messages. */
    @Override
    public String toString() {
        return "NodeIdentity[nodeId=" + nodeId + ", meshIp=" + meshIp + ", signingPublicKey=" + signingPublicKey
                + ", nodeSecretKey=<redacted>, privateKey=<redacted>, publicKey=" + publicKey
                + ", hostname=" + hostname + ", registeredAt=" + registeredAt + "]";
    }
}

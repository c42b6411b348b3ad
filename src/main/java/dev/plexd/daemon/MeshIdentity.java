package dev.plexd.daemon;

/**
 * Who this node is in the mesh: from the configuration in local mode, from registration with a
 * control plane (whose client keeps the credentials in {@code dev.plexd.api.client.NodeIdentity}).
 *
 * @param meshIp the node's mesh address, optionally with a prefix ({@code 10.100.0.1/16})
 */
public record MeshIdentity(String id, String meshIp, String hostname) {

    /** The address alone, as policies and firewall rules use it. */
    public String meshAddress() {
        int slash = meshIp.indexOf('/');
        return slash < 0 ? meshIp : meshIp.substring(0, slash);
    }

    /**
     * The address with the mesh network's prefix for the interface, so the kernel routes the whole
     * mesh to it (peers' allowed IPs are host routes inside it). A prefix in {@code meshIp} wins.
     */
    public String interfaceCidr(int prefixV4, int prefixV6) {
        return meshIp.contains("/") ? meshIp : meshIp + "/" + (meshIp.contains(":") ? prefixV6 : prefixV4);
    }
}

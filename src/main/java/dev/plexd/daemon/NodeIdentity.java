package dev.plexd.daemon;

/**
 * Who this node is in the mesh: from the configuration in local mode, from registration with a
 * control plane.
 *
 * @param meshIp the node's mesh address, optionally with a prefix ({@code 10.100.0.1/16})
 */
public record NodeIdentity(String id, String meshIp, String hostname) {

    /** The address alone, as policies and firewall rules use it. */
    public String meshAddress() {
        int slash = meshIp.indexOf('/');
        return slash < 0 ? meshIp : meshIp.substring(0, slash);
    }

    /** The address with its prefix for the interface; a bare address is a host route (/32, /128). */
    public String interfaceCidr() {
        return meshIp.contains("/") ? meshIp : meshIp + (meshIp.contains(":") ? "/128" : "/32");
    }
}

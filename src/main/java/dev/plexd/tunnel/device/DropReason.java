package dev.plexd.tunnel.device;

/** Why the data plane discarded a packet; each has a counter on the device (and on the peer when known). */
public enum DropReason {
    /** Not a WireGuard message, wrong size for its type, or a decrypted payload that is no IP packet. */
    MALFORMED,
    /** mac1 of a handshake message or the authentication tag of a transport message did not verify. */
    BAD_MAC,
    /** A transport counter seen before or too far behind the window. */
    REPLAY,
    /** A transport message for an index we do not have, or for an expired or erased key. */
    NO_SESSION,
    /** A decrypted packet whose source address is not among the sending peer's allowed IPs. */
    ALLOWED_IPS,
    /** A decrypted packet the service filter denied. */
    FILTER,
    /** An authentic-looking handshake message refused: unknown peer, replayed timestamp, flood, wrong state. */
    HANDSHAKE_REJECTED,
    /** Under load, a handshake message without a valid cookie (answered with a cookie reply) or over the rate limit. */
    UNDER_LOAD,
    /** An outbound packet to an address no peer's allowed IPs cover. */
    NO_ROUTE,
    /** An outbound packet for a peer whose endpoint is not known yet. */
    NO_ENDPOINT,
    /** A queue was full (handshake work, or packets waiting for a handshake). */
    QUEUE_FULL,
    /** A packet larger than the data plane's buffers (MTU above {@link Device#MAX_MTU}). */
    OVERSIZE,
    /** The kernel refused a send or a TUN write. */
    IO_ERROR
}

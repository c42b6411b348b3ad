package dev.plexd.service;

/**
 * The per-packet service decision at the WireGuard decrypt → TUN boundary. The data plane calls
 * {@link #allowInbound} for every decrypted inbound packet, with the slot of the peer that sent it;
 * implementations must not allocate, block or throw on that path. The data plane shows it every
 * outbound packet too ({@link #noteOutbound}), so a filter can let replies through.
 *
 * <p>Slots are small non-negative ints owned by the data plane (an index into its peer table).
 * It tells the filter which public key a slot belongs to with {@link #bindSlot} when a peer is
 * configured and {@link #unbindSlot} when it is removed.
 */
public interface InboundFilter {

    /** The highest number of peer slots a data plane may use; slots are {@code 0 .. MAX_PEER_SLOTS-1}. */
    int MAX_PEER_SLOTS = 65_536;

    /** No service policy: every packet passes. */
    InboundFilter ALLOW_ALL = new InboundFilter() {
        @Override
        public boolean allowInbound(int peerSlot, byte[] packet, int offset, int length) {
            return true;
        }

        @Override
        public void bindSlot(int peerSlot, String publicKeyBase64) {
        }

        @Override
        public void unbindSlot(int peerSlot) {
        }
    };

    /**
     * @param packet an IP packet (no link header) at {@code offset}; a byte array, not a
     *               {@code ByteBuffer}: array reads cost one bounds check, buffer reads several, and
     *               the data plane's packets already live in arrays
     * @return true to deliver the packet, false to drop it
     */
    boolean allowInbound(int peerSlot, byte[] packet, int offset, int length);

    /**
     * Called by the data plane for every packet it sends through the mesh, once the packet has been
     * matched to its peer, so the filter can recognise replies (UDP) to what this node sent. Same
     * rules as {@link #allowInbound}: no allocation, no blocking, no exception; the packet is only
     * read. The default does nothing.
     *
     * @param peerSlot the slot of the peer the packet goes to
     * @param packet   an IP packet at {@code offset}
     */
    default void noteOutbound(int peerSlot, byte[] packet, int offset, int length) {
    }

    void bindSlot(int peerSlot, String publicKeyBase64);

    void unbindSlot(int peerSlot);
}

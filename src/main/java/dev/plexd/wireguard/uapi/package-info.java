/**
 * WireGuard's cross-platform UAPI text protocol, for both ends of the unix socket: plexd's
 * controllers as a client, plexd's userspace data plane as a server.
 *
 * <ul>
 *   <li>{@link dev.plexd.wireguard.uapi.UapiReader} frames messages on a stream (size-bounded).</li>
 *   <li>{@link dev.plexd.wireguard.uapi.UapiCodec} writes and strictly parses requests
 *       ({@link dev.plexd.wireguard.uapi.UapiRequest}: get, or a
 *       {@link dev.plexd.wireguard.uapi.DeviceUpdate} of {@link dev.plexd.wireguard.uapi.PeerUpdate}s)
 *       and answers ({@link dev.plexd.wireguard.uapi.DeviceStatus} of
 *       {@link dev.plexd.wireguard.uapi.PeerStatus}es, or an errno).</li>
 *   <li>{@link dev.plexd.wireguard.uapi.UapiClient} is the client side over
 *       {@code /var/run/wireguard/<iface>.sock}.</li>
 * </ul>
 */
package dev.plexd.wireguard.uapi;

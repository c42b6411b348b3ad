package dev.plexd.tunnel.device;

import dev.plexd.service.InboundFilter;
import dev.plexd.tunnel.timers.Clock;

import java.util.Objects;

/**
 * How to open a {@link Device}.
 *
 * @param interfaceName the TUN interface to create, e.g. {@code pxd0} (at most 15 characters)
 * @param mtu           the interface MTU (WireGuard's usual 1420 leaves room for the outer headers)
 * @param listenPort    UDP port, 0 for a random one
 * @param clock         time for timers and handshake timestamps; {@link Clock#system()} outside tests
 * @param filter        the service filter at the decrypt → TUN boundary; {@link InboundFilter#ALLOW_ALL} for none
 * @param offloads      let the kernel hand over TCP super-packets (TSO/checksum offload) and take
 *                      coalesced ones back; off only to measure their effect
 */
public record DeviceOptions(String interfaceName, int mtu, int listenPort, Clock clock, InboundFilter filter, boolean offloads) {

    public DeviceOptions {
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(filter, "filter");
        if (mtu < 576 || mtu > Device.MAX_MTU) {
            throw new IllegalArgumentException("MTU must be 576.." + Device.MAX_MTU + ", got " + mtu);
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen port must be 0..65535, got " + listenPort);
        }
    }

    /** Defaults: MTU 1420, random port, real clock, no filter, offloads on. */
    public static DeviceOptions of(String interfaceName) {
        return new DeviceOptions(interfaceName, Device.DEFAULT_MTU, 0, Clock.system(), InboundFilter.ALLOW_ALL, true);
    }

    public DeviceOptions withClock(Clock c) {
        return new DeviceOptions(interfaceName, mtu, listenPort, c, filter, offloads);
    }

    public DeviceOptions withFilter(InboundFilter f) {
        return new DeviceOptions(interfaceName, mtu, listenPort, clock, f, offloads);
    }

    public DeviceOptions withListenPort(int port) {
        return new DeviceOptions(interfaceName, mtu, port, clock, filter, offloads);
    }

    public DeviceOptions withOffloads(boolean on) {
        return new DeviceOptions(interfaceName, mtu, listenPort, clock, filter, on);
    }

    public DeviceOptions withMtu(int m) {
        return new DeviceOptions(interfaceName, m, listenPort, clock, filter, offloads);
    }
}

package dev.plexd.wireguard;

import dev.plexd.wireguard.uapi.DeviceStatus;

import java.io.IOException;

/** A controller that can report a device's live state: peers, handshakes, traffic, endpoints. */
public interface DeviceStatusSource {

    DeviceStatus deviceStatus(String name) throws IOException;
}

package dev.plexd.wireguard.uapi;

/** A request a UAPI client sends: {@code get=1} or {@code set=1} with a {@link DeviceUpdate}. */
public sealed interface UapiRequest permits UapiRequest.Get, DeviceUpdate {

    /** {@code get=1}: asks for the {@link DeviceStatus}. */
    record Get() implements UapiRequest {
    }

    Get GET = new Get();
}

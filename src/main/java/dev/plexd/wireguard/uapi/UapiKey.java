package dev.plexd.wireguard.uapi;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every configuration key of the UAPI protocol: where it may appear and whether it is secret. */
enum UapiKey {
    PRIVATE_KEY("private_key", false, true, true, true),
    LISTEN_PORT("listen_port", false, true, true, false),
    FWMARK("fwmark", false, true, true, false),
    REPLACE_PEERS("replace_peers", false, true, false, false),
    PUBLIC_KEY("public_key", true, true, true, false),
    REMOVE("remove", true, true, false, false),
    UPDATE_ONLY("update_only", true, true, false, false),
    PRESHARED_KEY("preshared_key", true, true, true, true),
    ENDPOINT("endpoint", true, true, true, false),
    PERSISTENT_KEEPALIVE_INTERVAL("persistent_keepalive_interval", true, true, true, false),
    REPLACE_ALLOWED_IPS("replace_allowed_ips", true, true, false, false),
    ALLOWED_IP("allowed_ip", true, true, true, false),
    PROTOCOL_VERSION("protocol_version", true, true, true, false),
    LAST_HANDSHAKE_TIME_SEC("last_handshake_time_sec", true, false, true, false),
    LAST_HANDSHAKE_TIME_NSEC("last_handshake_time_nsec", true, false, true, false),
    RX_BYTES("rx_bytes", true, false, true, false),
    TX_BYTES("tx_bytes", true, false, true, false);

    private static final Map<String, UapiKey> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(k -> k.wire, Function.identity()));

    final String wire;
    /** Belongs to a peer section (opened by {@code public_key}) rather than the device. */
    final boolean peer;
    final boolean inSet;
    final boolean inGet;
    /** The value is a secret: never echoed in an error. */
    final boolean secret;

    UapiKey(String wire, boolean peer, boolean inSet, boolean inGet, boolean secret) {
        this.wire = wire;
        this.peer = peer;
        this.inSet = inSet;
        this.inGet = inGet;
        this.secret = secret;
    }

    static UapiKey byName(String name) {
        return BY_NAME.get(name);
    }
}

package dev.plexd.wireguard.uapi;

import java.io.IOException;

/** The other side answered a UAPI request with {@code errno=N}, N ≠ 0. */
public class UapiErrnoException extends IOException {

    private final int errno;

    public UapiErrnoException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public UapiErrnoException(String message) {
        this(message, 0);
    }

    public UapiErrnoException(String message, Throwable cause) {
        super(message, cause);
        this.errno = cause instanceof UapiErrnoException e ? e.errno : 0;
    }

    /** The errno the other side reported, positive (wireguard-go writes it negated on the wire). */
    public int errno() {
        return errno;
    }
}

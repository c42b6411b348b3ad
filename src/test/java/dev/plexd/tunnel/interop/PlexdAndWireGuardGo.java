package dev.plexd.tunnel.interop;

import org.junit.jupiter.api.AfterEach;

/**
 * Base of the tests that put plexd on one end of a {@link Testbed} and wireguard-go on the other:
 * whatever a test started is closed after it, the peers before the namespaces they live in.
 */
abstract class PlexdAndWireGuardGo {

    protected Testbed bed;
    protected PlexdNode plexd;
    protected WireGuardGoNode wgGo;

    @AfterEach
    void closeNodes() throws Exception {
        try {
            if (wgGo != null) {
                wgGo.close();
            }
            if (plexd != null) {
                plexd.close();
            }
        } finally {
            if (bed != null) {
                bed.close();
            }
        }
    }
}

package dev.plexd.testing;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

@Privileged
class NetNsTest {

    @Test
    void javaSocketsOpenedInsideTalkAcrossAVethPair() throws Exception {
        try (NetNs a = NetNs.create("t"); NetNs b = NetNs.create("t")) {
            NetNs.link(a, "va", List.of("192.0.2.1/24", "fd00:2::1/64"), b, "vb", List.of("192.0.2.2/24", "fd00:2::2/64"));
            ServerSocket server = b.call(() -> new ServerSocket(7000));
            CompletableFuture<Integer> echoed = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); var in = new DataInputStream(s.getInputStream())) {
                    return in.readInt();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            a.call(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("192.0.2.2", 7000), 2000);
                    new DataOutputStream(s.getOutputStream()).writeInt(42);
                }
                return null;
            });
            assertThat(echoed.get()).isEqualTo(42);
            server.close();
            // The host namespace has no such address: the server really lived in b.
            assertThat(a.exec().run("ping", "-c1", "-W1", "fd00:2::2").ok()).isTrue();
        }
    }
}

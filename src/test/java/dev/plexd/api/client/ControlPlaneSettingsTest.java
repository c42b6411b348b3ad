package dev.plexd.api.client;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlPlaneSettingsTest {

    @Test
    void defaultsMatchTheDocumentation() {
        ControlPlaneSettings s = ControlPlaneSettings.defaults();
        assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.eventIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.pollFallbackAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.pollInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.dataDir()).isEqualTo(Path.of("/var/lib/plexd"));
        assertThat(s.identityFile()).isEqualTo(Path.of("/var/lib/plexd/identity.json"));
    }

    @Test
    void urlIsRequiredAndNormalised() {
        assertThatThrownBy(() -> ControlPlaneSettings.defaults().validate())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("control_plane.url: missing");
        assertThatThrownBy(() -> ControlPlaneSettings.defaults().withUrl("ftp://x").validate())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control_plane.url: not an http(s) URL");
        assertThat(ControlPlaneSettings.defaults().withUrl("https://cp.example.com/base//").url())
                .isEqualTo("https://cp.example.com/base");
    }

    @Test
    void durationsMustBePositiveAndNameTheirKey() {
        assertThatThrownBy(() -> ControlPlaneSettings.defaults().withPollInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("control_plane.poll_interval: must be positive, got PT0S");
    }

    @Test
    void toStringHidesTheInlineToken() {
        assertThat(ControlPlaneSettings.defaults().withBootstrapToken("tok-123").toString())
                .doesNotContain("tok-123").contains("<redacted>");
    }
}

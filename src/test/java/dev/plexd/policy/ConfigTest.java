package dev.plexd.policy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {

    @Test
    void zeroValueConfigGetsEnabledAndDefaultChain() {
        assertThat(new Config(false, null).applyDefaults()).isEqualTo(new Config(true, "plexd-mesh"));
        assertThat(new Config(false, "").applyDefaults()).isEqualTo(new Config(true, "plexd-mesh"));
    }

    @Test
    void explicitChainKeepsEnabledAsGiven() {
        assertThat(new Config(false, "custom").applyDefaults()).isEqualTo(new Config(false, "custom"));
        assertThat(new Config(true, "custom").applyDefaults()).isEqualTo(new Config(true, "custom"));
    }

    @Test
    void enabledWithoutChainGetsDefaultChain() {
        assertThat(new Config(true, null).applyDefaults()).isEqualTo(new Config(true, Config.DEFAULT_CHAIN_NAME));
    }

    @Test
    void validateRejectsEmptyChainWhenEnabled() {
        assertThatThrownBy(() -> new Config(true, "").validate())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("policy: config: ChainName must not be empty when enabled");
        assertThatThrownBy(() -> new Config(true, null).validate())
                .hasMessage("policy: config: ChainName must not be empty when enabled");
    }

    @Test
    void validationIsSkippedWhenDisabled() {
        assertThatCode(() -> new Config(false, "").validate()).doesNotThrowAnyException();
    }

    @Test
    void defaultsAreValid() {
        assertThatCode(() -> new Config(false, null).applyDefaults().validate()).doesNotThrowAnyException();
    }
}

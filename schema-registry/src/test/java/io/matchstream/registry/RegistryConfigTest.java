package io.matchstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {

    @Test
    void defaultsRunTheLaptopStack() {
        RegistryConfig config = RegistryConfig.fromArgs(new String[0], Map.of());

        assertThat(config).isEqualTo(new RegistryConfig("localhost:9092", "0.0.0.0", 8085, "_schemas",
                "matchstream-schema-registry"));
        assertThat(RegistryConfig.defaults("kafka:9092").withPort(0).port()).isZero();
    }

    @Test
    void flagsWinOverTheEnvironment() {
        Map<String, String> env = Map.of("MATCHSTREAM_BOOTSTRAP_SERVERS", "env:9092", "MATCHSTREAM_PORT", "9000",
                "MATCHSTREAM_TOPIC", "_env_schemas");
        RegistryConfig config = RegistryConfig.fromArgs(new String[] {"--port", "8181", "--bootstrap-servers=flag:9092"}, env);

        assertThat(config.bootstrapServers()).isEqualTo("flag:9092");
        assertThat(config.port()).isEqualTo(8181);
        assertThat(config.topic()).isEqualTo("_env_schemas");
    }

    @Test
    void refusesWhatItCannotUse() {
        assertThatThrownBy(() -> RegistryConfig.fromArgs(new String[] {"--prot", "1"}, Map.of()))
                .hasMessageContaining("unknown flag --prot");
        assertThatThrownBy(() -> RegistryConfig.fromArgs(new String[] {"--port", "http"}, Map.of()))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> RegistryConfig.fromArgs(new String[] {"--port"}, Map.of()))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> RegistryConfig.defaults("kafka:9092").withPort(70000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

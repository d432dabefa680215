package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/** {@code SPAMCHECK_CORS_ORIGINS} takes origins as browsers send them, and nothing that opens the API to any page. */
class CorsOriginsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"*", "null", "https://*.example.com", "tool.example.com", "https://tool.example.com/",
            "https://tool.example.com/app", "ftp://tool.example.com", "https://user@tool.example.com",
            "https://tool.example.com?x=1", ""})
    void aGatewayWithAnOriginThatIsNotOneDoesNotStart(String origin) {
        assertThatThrownBy(() -> PerimeterConfiguration.cors(List.of("https://tool.example.com", origin)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_CORS_ORIGINS");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://tool.example.com", "http://localhost:3000", "https://[::1]:8443"})
    void originsAsBrowsersSendThemAreTaken(String origin) {
        assertThatCode(() -> PerimeterConfiguration.cors(List.of(origin))).doesNotThrowAnyException();
    }
}

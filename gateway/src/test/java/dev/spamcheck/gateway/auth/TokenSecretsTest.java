package dev.spamcheck.gateway.auth;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenSecretsTest {

    @Test
    void aNewTokenIsOneARequestCanPresent() {
        assertThatCode(() -> TokenSecrets.requireWellFormed(TokenSecrets.newToken())).doesNotThrowAnyException();
    }

    @Test
    void aChosenTokenNoRequestCouldPresentIsRefusedWhenCreated() {
        for (String token : new String[] {"sc_live_0123456789", "sct_short", "sct_" + "a".repeat(42) + "=",
                "sct_" + "a".repeat(44), "SCT_" + "a".repeat(43), null}) {
            assertThatThrownBy(() -> TokenSecrets.requireWellFormed(token)).as(String.valueOf(token))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sct_");
        }
    }
}

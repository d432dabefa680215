package dev.spamcheck.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

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

    @Test
    void aTokensHashIsItsSha256WhicheverThreadAndWhateverWasHashedBefore() throws Exception {
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // FIPS 180-2, "abc"
        assertThat(HexFormat.of().formatHex(TokenSecrets.sha256("abc"))).isEqualTo(abc);
        TokenSecrets.sha256(TokenSecrets.newToken());
        assertThat(HexFormat.of().formatHex(TokenSecrets.sha256("abc"))).isEqualTo(abc);
        assertThat(HexFormat.of().formatHex(CompletableFuture.supplyAsync(() -> TokenSecrets.sha256("abc")).get()))
                .isEqualTo(abc);
    }
}

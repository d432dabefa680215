package dev.spamcheck.notifier.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    @Test
    void signsTheTimeAndTheRawBodyWithTheSecret() {
        // Computed independently: HMAC-SHA256("whsec_test", "1700000000.{"id":"x"}") with Python's hmac.
        assertThat(WebhookSignature.header("whsec_test", 1_700_000_000L,
                "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("t=1700000000,v1=80e8d098018f757aa814ab1abb924f35d304affa1d93d29611a54696207eb7c3");
    }

    @Test
    void anotherTimeOrBodyOrSecretGivesAnotherSignature() {
        byte[] body = "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        String signature = WebhookSignature.header("whsec_test", 1_700_000_000L, body).split(",v1=")[1];
        assertThat(WebhookSignature.header("whsec_test", 1_700_000_001L, body)).doesNotContain(signature);
        assertThat(WebhookSignature.header("whsec_tesT", 1_700_000_000L, body)).doesNotContain(signature);
        assertThat(WebhookSignature.header("whsec_test", 1_700_000_000L, "{\"id\":\"y\"}".getBytes(StandardCharsets.UTF_8)))
                .doesNotContain(signature);
    }
}

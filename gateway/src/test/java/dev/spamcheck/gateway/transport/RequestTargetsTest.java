package dev.spamcheck.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RequestTargetsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", textBlock = """
            /api/v1/spam_score => /api/v1/spam_score
            /api/v1/admin/audit?from=2026-11-25&x=y => /api/v1/admin/audit?from=2026-11-25&x=y
            /api/v1/%61dmin => /api/v1/%61dmin
            /api/v1/%zz => /api/v1/%25zz
            /api/v1/%2 => /api/v1/%252
            /api/v1/a|b => /api/v1/a%7Cb
            /api/v1/a\\b => /api/v1/a%5Cb
            /api/v1/{x} => /api/v1/%7Bx%7D
            /a#b => /a%23b
            """)
    void escapesWhatAUriCannotHold(String target, String escaped) {
        assertThat(RequestTargets.escape(target)).isEqualTo(escaped);
    }

    /** Netty hands over the request line one byte to a char: UTF-8 sent raw arrives as its bytes. */
    @Test
    void rawUtf8FromTheWireIsEscapedAsTheBytesTheClientSent() {
        String sent = new String("/api/v1/admin/campaigns/health?campaign_id=Café".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1);

        String escaped = RequestTargets.escape(sent);

        assertThat(escaped).isEqualTo("/api/v1/admin/campaigns/health?campaign_id=Caf%C3%A9");
    }

    @Test
    void escapesControlCharactersAndCharactersOutsideTheBasicPlane() {
        assertThat(RequestTargets.escape("/a\u0000b\u007f")).isEqualTo("/a%00b%7F");
        assertThat(RequestTargets.escape("/\uD83D\uDE00")).isEqualTo("/%F0%9F%98%80");
    }

    @Test
    void everyEscapedTargetIsAUriAndEscapingItAgainChangesNothing() {
        Random random = new Random(8);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder target = new StringBuilder("/");
            for (int length = random.nextInt(12); length > 0; length--) {
                target.append((char) (random.nextInt(10) == 0 ? random.nextInt(0x3000) : random.nextInt(128)));
            }
            String escaped = RequestTargets.escape(target.toString());
            assertThatCode(() -> new URI("http://127.0.0.1:8080" + escaped)).as("%s", escaped).doesNotThrowAnyException();
            assertThat(RequestTargets.escape(escaped)).isEqualTo(escaped);
        }
    }
}

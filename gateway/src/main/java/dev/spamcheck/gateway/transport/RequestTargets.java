package dev.spamcheck.gateway.transport;

import java.nio.charset.StandardCharsets;

/**
 * Request targets as {@link java.net.URI} accepts them. Spring cannot turn a target such as
 * {@code /api/v1/%zz} or {@code /a|b} into a URI and answers it with a bare 400 before any filter
 * runs, so no problem body and no audit event. Escaping every character a URI does not allow
 * gives a target Spring can build; its {@code %} then makes the firewall refuse it, as a problem,
 * through the audit.
 */
final class RequestTargets {

    private static final String ALLOWED_PUNCTUATION = "-._~!$&'()*+,;=:@/?";

    private RequestTargets() {
    }

    /** Whether the target is in origin form ({@code /path?query}), the only form the API takes. */
    static boolean isOriginForm(String target) {
        return target.startsWith("/");
    }

    /** The target with every character a URI does not allow percent-encoded; unchanged when it has none. */
    static String escape(String target) {
        StringBuilder escaped = null;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            boolean allowed = isAsciiLetterOrDigit(c) || ALLOWED_PUNCTUATION.indexOf(c) >= 0
                    || (c == '%' && i + 2 < target.length() && isHex(target.charAt(i + 1)) && isHex(target.charAt(i + 2)));
            if (allowed && escaped == null) {
                continue;
            }
            if (escaped == null) {
                escaped = new StringBuilder(target.length() + 16).append(target, 0, i);
            }
            if (allowed) {
                escaped.append(c);
                continue;
            }
            if (c <= 0xFF) {
                // Netty reads the request line one byte to a char (ISO-8859-1): this char is a byte
                // the client sent, so UTF-8 sent raw (é as C3 A9) is escaped as that UTF-8, which
                // is what Spring decodes a query with. Encoding the char as UTF-8 again would turn
                // é into "Ã©".
                appendEscaped(escaped, (byte) c);
                continue;
            }
            // Not from Netty's HTTP/1.1 decoder (a caller passing Unicode text): its UTF-8.
            int end = Character.isHighSurrogate(c) && i + 1 < target.length() ? i + 2 : i + 1;
            for (byte b : target.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                appendEscaped(escaped, b);
            }
            i = end - 1;
        }
        return escaped == null ? target : escaped.toString();
    }

    private static void appendEscaped(StringBuilder escaped, byte b) {
        escaped.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0 && c < 128;
    }
}

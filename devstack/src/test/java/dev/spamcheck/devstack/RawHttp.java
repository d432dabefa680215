package dev.spamcheck.devstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: for request lines and headers that
 * well-behaved clients refuse to send or would normalise ({@code /../}, {@code %zz}, control
 * characters, oversized lines), and for clients that hang up. Every answer's request id is
 * remembered for the audit checks.
 */
final class RawHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Response(int status, Map<String, List<String>> headers, String body) {

        Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        String requestId() {
            return header("X-Request-Id").orElseThrow();
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        /** The problem's code, or null when the answer is not a problem. */
        String code() {
            return header("Content-Type").filter(type -> type.startsWith("application/problem+json")).isPresent()
                    ? json().get("code").asString() : null;
        }
    }

    private RawHttp() {
    }

    /** Sends the request line, headers ({@code Name: value}) and body, and reads the whole answer. */
    static Response send(int port, String method, String target, List<String> headers, String body) {
        try {
            return send(new Socket("127.0.0.1", port), method, target, headers, body);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The same with a body of any bytes, such as ones that are not UTF-8. */
    static Response sendBytes(int port, String method, String target, List<String> headers, byte[] body) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return exchange(socket, method, target, headers, body);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Sends these bytes as they are, in one write, and reads the answer until the server closes the
     * connection: for requests the other methods cannot write (a malformed chunked body).
     */
    static Response sendRaw(int port, String request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            Response response = read(socket.getInputStream(), false);
            response.header("X-Request-Id").ifPresent(TestStack::recordRequestId);
            return response;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The same over a connection of the caller's, such as a TLS socket; closes it. */
    static Response send(Socket connection, String method, String target, List<String> headers, String body) {
        try (Socket socket = connection) {
            return exchange(socket, method, target, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Response exchange(Socket socket, String method, String target, List<String> headers, byte[] body)
            throws IOException {
        socket.setSoTimeout(30_000);
        write(socket.getOutputStream(), method, target, headers, body);
        Response response = read(socket.getInputStream(), method.equals("HEAD"));
        response.header("X-Request-Id").ifPresent(TestStack::recordRequestId);
        return response;
    }

    static Response send(String method, String target, String token, String body) {
        List<String> headers = new ArrayList<>();
        if (token != null) {
            TestStack.remember(token);
            headers.add("Authorization: Bearer " + token);
        }
        if (body != null) {
            headers.add("Content-Type: application/json");
        }
        return send(TestStack.get().gatewayPort(), method, target, headers, body);
    }

    /** Opens a connection and sends the request, leaving the answer unread: the caller hangs up. */
    static Socket open(int port, String method, String target, List<String> headers, String body) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        write(socket.getOutputStream(), method, target, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        return socket;
    }

    private static void write(OutputStream out, String method, String target, List<String> headers, byte[] body)
            throws IOException {
        byte[] content = body == null ? new byte[0] : body;
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\nConnection: close\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(content.length).append("\r\n");
        }
        head.append("\r\n");
        // One write, as clients send a small request: an answer given before a late body arrives
        // would otherwise meet that body at a closed socket and be lost to a reset.
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        request.write(content);
        out.write(request.toByteArray());
        out.flush();
    }

    private static Response read(InputStream in, boolean head) throws IOException {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        // Interim answers (100 Continue to an Expect header) come first; the answer follows them.
        while (text.startsWith("HTTP/1.1 1") && text.indexOf("\r\n\r\n") > 0) {
            int interimEnd = text.indexOf("\r\n\r\n") + 4;
            text = text.substring(interimEnd);
            all = java.util.Arrays.copyOfRange(all, interimEnd, all.length);
        }
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete answer: " + all.length + " bytes");
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        byte[] body = new byte[all.length - end - 4];
        System.arraycopy(all, end + 4, body, 0, body.length);
        if (!head && "chunked".equalsIgnoreCase(String.valueOf(headers.getOrDefault("transfer-encoding", List.of("")).get(0)))) {
            body = unchunk(body);
        }
        return new Response(status, headers, head ? "" : new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] unchunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String text = new String(chunked, StandardCharsets.ISO_8859_1);
        int at = 0;
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            int size = Integer.parseInt(text.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}

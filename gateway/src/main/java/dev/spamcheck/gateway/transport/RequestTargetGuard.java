package dev.spamcheck.gateway.transport;

import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import reactor.netty.Connection;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Sits in every connection's pipeline right after Netty's HTTP decoder, so that every request
 * reaches the application, where it is answered as a problem and audited. Reactor Netty would
 * answer a request it could not decode (request line or headers too long, not HTTP) or whose body
 * it could not (a malformed chunk) with a bare status, and Spring a target it cannot parse as a URI
 * with a bare 400, both before any filter.
 * Instead, an undecodable request is replaced by a stand-in carrying the guard's verdict in a
 * header only the guard can set, which the firewall turns into the answer; an unparseable target
 * is escaped (see {@link RequestTargets}) for the firewall to refuse.
 */
@ChannelHandler.Sharable
public final class RequestTargetGuard extends ChannelInboundHandlerAdapter {

    static final String VERDICT_HEADER = "X-Spamcheck-Unreadable";
    /** The headers of the last request passed on, whose body is what follows on the connection. */
    private static final AttributeKey<io.netty.handler.codec.http.HttpHeaders> RECEIVING =
            AttributeKey.valueOf("spamcheck.receiving");
    /** The headers of the request whose body could not be read. */
    private static final AttributeKey<io.netty.handler.codec.http.HttpHeaders> BODY_UNREADABLE =
            AttributeKey.valueOf("spamcheck.body-unreadable");

    private enum Verdict {
        URI_TOO_LONG(ErrorCode.URI_TOO_LONG, "The request line must not exceed the server's limit"),
        HEADERS_TOO_LARGE(ErrorCode.HEADERS_TOO_LARGE, "The request headers must not exceed the server's limit"),
        NOT_HTTP(ErrorCode.INVALID_REQUEST, "The request is not valid HTTP"),
        VERSION(ErrorCode.INVALID_REQUEST, "The request must be HTTP/1.x"),
        HOST(ErrorCode.INVALID_REQUEST, "The Host header must be a host name with an optional port number"),
        TARGET(ErrorCode.INVALID_REQUEST, "The request target must be a path such as /api/v1/spam_score");

        private final ErrorCode code;
        private final String detail;

        Verdict(ErrorCode code, String detail) {
            this.code = code;
            this.detail = detail;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        Object admitted = message;
        if (message instanceof HttpRequest request) {
            // Only the guard may set it: a client that sends it has it removed.
            request.headers().remove(VERDICT_HEADER);
            if (request.decoderResult().isFailure() && !context.channel().isActive()) {
                // The connection closed in the middle of the headers (the client hung up, or idled
                // too long): there is nobody to answer and no exchange to record.
                admitted = message;
            }
            else if (request.decoderResult().isFailure()) {
                Verdict verdict = verdictFor(request.decoderResult().cause());
                ReferenceCountUtil.release(message);
                admitted = standIn(verdict);
            }
            else {
                String target = originForm(request.uri());
                if (target == null) {
                    request.setUri("/");
                    request.headers().set(VERDICT_HEADER, Verdict.TARGET.name());
                }
                else {
                    request.setUri(RequestTargets.escape(target));
                }
                // Reactor Netty answers both with a bare 400 of its own, before any filter.
                if (!isHttp1(request.protocolVersion())) {
                    request.setProtocolVersion(HttpVersion.HTTP_1_1);
                    request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    request.headers().set(VERDICT_HEADER, Verdict.VERSION.name());
                }
                String host = request.headers().get(HttpHeaderNames.HOST);
                if (host != null && !isHost(host)) {
                    request.headers().remove(HttpHeaderNames.HOST);
                    request.headers().set(VERDICT_HEADER, Verdict.HOST.name());
                }
                if (!(request instanceof FullHttpRequest)) {
                    context.channel().attr(RECEIVING).set(request.headers());
                }
            }
        }
        else if (message instanceof HttpContent content && content.decoderResult().isFailure()
                && context.channel().isActive()) {
            admitted = unreadableBody(context, content);
        }
        if (admitted != null) {
            context.fireChannelRead(admitted);
        }
    }

    /**
     * A body the decoder gave up on (a malformed chunk). Its request is with the application
     * already: the body ends here, marked so that reading it fails ({@link #bodyUnreadable}) and
     * the answer is a problem, audited. The decoder discards the rest of the connection's input,
     * so the answer says {@code Connection: close} and the connection is closed after it. A request
     * pipelined behind another's answer is never taken up: the connection closes after that answer
     * (the one before it is not lost); with no request under way, it closes at once. (Passed on as
     * an error instead, the failure would close the connection unanswered whenever it arrived
     * before the application asked for the body.)
     */
    private static Object unreadableBody(ChannelHandlerContext context, HttpContent content) {
        ReferenceCountUtil.release(content);
        ChannelOperations<?, ?> exchange = ChannelOperations.get(context.channel());
        if (!(exchange instanceof HttpServerRequest request && exchange instanceof HttpServerResponse response)) {
            context.close();
            return null;
        }
        response.keepAlive(false);
        exchange.markPersistent(false);
        io.netty.handler.codec.http.HttpHeaders failed = context.channel().attr(RECEIVING).get();
        if (request.requestHeaders() != failed) {
            return null;
        }
        context.channel().attr(BODY_UNREADABLE).set(failed);
        return new DefaultLastHttpContent();
    }

    /** Whether the request's body could not be decoded: reading it then fails as {@code invalid_request}. */
    public static boolean bodyUnreadable(ServerHttpRequest request) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        }
        catch (IllegalStateException | IllegalArgumentException notServed) {
            // A request no server received (WebTestClient's mock): no decoder read its body.
            return false;
        }
        return nativeRequest instanceof HttpServerRequest served && served instanceof Connection connection
                && connection.channel().hasAttr(BODY_UNREADABLE)
                && connection.channel().attr(BODY_UNREADABLE).get() == served.requestHeaders();
    }

    /** The answer for a request the guard found unreadable; null for every other request. */
    public static ApiException verdict(HttpHeaders headers) {
        String value = headers.getFirst(VERDICT_HEADER);
        if (value == null) {
            return null;
        }
        Verdict verdict;
        try {
            verdict = Verdict.valueOf(value);
        }
        catch (IllegalArgumentException ex) {
            verdict = Verdict.NOT_HTTP;
        }
        return new ApiException(verdict.code, verdict.detail);
    }

    /** The target as a path and query; an absolute URI is reduced to its path, anything else is null. */
    private static String originForm(String target) {
        if (RequestTargets.isOriginForm(target)) {
            return target;
        }
        String lower = target.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            int path = target.indexOf('/', target.indexOf("//") + 2);
            return path < 0 ? "/" : target.substring(path);
        }
        return null;
    }

    /** HTTP/1.x: a higher minor version than 1.1 is served as 1.1 (RFC 9112, 2.3). */
    private static boolean isHttp1(HttpVersion version) {
        return version.majorVersion() == 1;
    }

    /**
     * Whether Reactor Netty can take the Host header for the request's address: a name or an
     * IPv4 address, or an IPv6 address in brackets, with at most a port number from 0 to 65535
     * after a colon (which may be empty). A non-numeric or out-of-range port made it fail the request with a bare 400.
     */
    static boolean isHost(String host) {
        int portStart;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                return false;
            }
            if (end == host.length() - 1) {
                return true;
            }
            if (host.charAt(end + 1) != ':') {
                return false;
            }
            portStart = end + 2;
        }
        else {
            int colon = host.lastIndexOf(':');
            if (colon < 0) {
                return true;
            }
            portStart = colon + 1;
        }
        // Read in place: this runs for every request. "name:" is an authority without a port
        // (RFC 3986), which Reactor Netty reads so.
        int digits = host.length() - portStart;
        if (digits > 5) {
            return false;
        }
        int port = 0;
        for (int i = portStart; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private static Verdict verdictFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Verdict.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Verdict.HEADERS_TOO_LARGE;
        }
        return Verdict.NOT_HTTP;
    }

    /**
     * A complete, bodiless request in place of one the decoder gave up on. The decoder discards
     * the rest of the connection's input, so the connection is closed after the answer.
     */
    private static FullHttpRequest standIn(Verdict verdict) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        request.headers().set(VERDICT_HEADER, verdict.name());
        return request;
    }
}

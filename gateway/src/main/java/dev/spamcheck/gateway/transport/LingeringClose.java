package dev.spamcheck.gateway.transport;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection the way RFC 9112 (section 9.6) asks: first only the sending half, then,
 * while the client reads the answer, whatever it still sends is read and dropped, until it closes
 * its side or {@link #LINGER_MILLIS} pass. Closing both halves at once with request bytes unread
 * (a body nobody needed, behind a request that could not be decoded or was refused early) makes
 * the kernel reset the connection, and a client that has not read the answer yet loses it.
 * First in every pipeline, so every close, from any handler, passes here. Netty has no such
 * option; this is the whole of it.
 */
final class LingeringClose extends ChannelDuplexHandler {

    static final long LINGER_MILLIS = 2000;
    private static final Logger log = LoggerFactory.getLogger(LingeringClose.class);

    private boolean lingering;

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (lingering || !(ctx.channel() instanceof DuplexChannel channel) || !channel.isActive()
                || channel.isInputShutdown() || channel.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        if (log.isTraceEnabled()) {
            // Which code closed a connection its client had not closed: the stack says.
            log.trace("Closing the connection from {} first", channel.remoteAddress(), new Throwable("closed here"));
        }
        // Nothing read from now on is a request: drop it before any decoder sees it.
        ctx.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext discard, Object message) {
                ReferenceCountUtil.release(message);
            }
        });
        ctx.executor().schedule(() -> {
            ctx.close(promise);
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        channel.shutdownOutput().addListener(done -> {
            channel.config().setAutoRead(true);
            channel.read();
        });
    }
}

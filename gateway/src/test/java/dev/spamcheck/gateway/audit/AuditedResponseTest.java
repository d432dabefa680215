package dev.spamcheck.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ProblemResponder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/** A response leaves only after its audit event is acknowledged, and never from Kafka's thread. */
class AuditedResponseTest {

    private final RecordingKafka kafka = new RecordingKafka();
    private final MockServerHttpResponse wire = new MockServerHttpResponse();
    private final AtomicReference<String> writingThread = new AtomicReference<>();
    private final ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/api/v1/spam_score"))
            .mutate().response(new ServerHttpResponseDecorator(wire) {
                @Override
                public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
                    writingThread.set(Thread.currentThread().getName());
                    return super.writeWith(body);
                }
            }).build();
    private final AuditedResponse response = new AuditedResponse(exchange, kafka.trail(),
            new ProblemResponder(JsonMapper.builder().build()), RecordingKafka.paths());
    private final NettyDataBufferFactory buffers = new NettyDataBufferFactory(UnpooledByteBufAllocator.DEFAULT);

    @Test
    void aSuccessIsWrittenOnlyOnceItsEventIsAcknowledgedAndNotOnKafkasThread() {
        Disposable writing = response.writeWith(Mono.just(body("{\"spam_score\":0}"))).subscribe();
        await().until(() -> kafka.sent.size() == 1);
        assertThat(wire.isCommitted()).isFalse();
        assertThat(kafka.sent.get(0).httpStatus()).isEqualTo(200);

        kafka.acknowledge(0);

        await().until(writing::isDisposed);
        assertThat(wire.getBodyAsString().block()).isEqualTo("{\"spam_score\":0}");
        assertThat(writingThread.get()).doesNotStartWith("kafka-producer-network-thread");
    }

    @Test
    void aSuccessWhoseEventKafkaRefusesIsAnswered503AndItsBodyReleased() {
        DataBuffer answer = body("{\"spam_score\":1}");
        ByteBuf bytes = ((NettyDataBuffer) answer).getNativeBuffer();
        Disposable writing = response.writeWith(Mono.just(answer)).subscribe();
        await().until(() -> kafka.sent.size() == 1);

        kafka.refuse(0);

        await().until(writing::isDisposed);
        assertThat(wire.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(wire.getHeaders().getFirst("Retry-After")).isEqualTo("5");
        assertThat(wire.getBodyAsString().block()).contains("\"code\":\"service_unavailable\"").doesNotContain("spam_score");
        assertThat(bytes.refCnt()).isZero();
        assertThat(kafka.sent).hasSize(1);
    }

    @Test
    void aCreationWhoseEventKafkaRefusesIsAnswered503WithoutItsLocation() {
        response.setStatusCode(HttpStatus.CREATED);
        response.getHeaders().setLocation(URI.create("/api/v1/admin/webhooks/whk_0000000000000001"));
        Disposable writing = response.writeWith(Mono.just(body("{\"id\":\"whk_0000000000000001\"}"))).subscribe();
        await().until(() -> kafka.sent.size() == 1);

        kafka.refuse(0);

        await().until(writing::isDisposed);
        assertThat(wire.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(wire.getHeaders().getLocation()).isNull();
    }

    @Test
    void anErrorAnswerGoesOutEvenWhenKafkaRefusesItsEvent() {
        response.setStatusCode(HttpStatus.NOT_FOUND);
        Disposable writing = response.writeWith(Mono.just(body("{\"code\":\"not_found\"}"))).subscribe();
        await().until(() -> kafka.sent.size() == 1);

        kafka.refuse(0);

        await().until(writing::isDisposed);
        assertThat(wire.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(wire.getBodyAsString().block()).contains("not_found");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void anExchangeWhoseEventKafkaRefusesIsAccountedForInTheLog(CapturedOutput log) {
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        Disposable writing = response.setComplete().subscribe();
        await().until(() -> kafka.sent.size() == 1);

        kafka.refuse(0);

        await().until(writing::isDisposed);
        assertThat(log.getOut()).contains("Audit event for request " + kafka.sent.get(0).requestId()
                + " not accepted by Kafka").contains("401 rejected POST " + kafka.sent.get(0).path());
    }

    @Test
    void theWaitForTheAcknowledgementHasNoTimeoutOfItsOwn() {
        // The producer bounds it (max.block.ms + delivery.timeout.ms); a shorter timeout here could
        // answer 503 for an exchange whose event Kafka then stores.
        StepVerifier.withVirtualTime(() -> response.setComplete())
                .expectSubscription()
                .then(() -> await().until(() -> kafka.sent.size() == 1))
                .thenAwait(Duration.ofHours(1))
                .expectNoEvent(Duration.ofHours(1))
                .then(() -> kafka.acknowledge(0))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(kafka.sent.get(0).httpStatus()).isEqualTo(200);
    }

    @Test
    void eachExchangeIsRecordedOnce() {
        Disposable first = response.setComplete().subscribe();
        await().until(() -> kafka.sent.size() == 1);
        kafka.acknowledge(0);
        await().until(first::isDisposed);

        response.setComplete().block(Duration.ofSeconds(5));

        assertThat(kafka.sent).hasSize(1);
    }

    private DataBuffer body(String json) {
        return buffers.wrap(json.getBytes(StandardCharsets.UTF_8));
    }
}

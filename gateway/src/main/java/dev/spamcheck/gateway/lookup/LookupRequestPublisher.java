package dev.spamcheck.gateway.lookup;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Sends lookup requests, keyed by number hash so one number's requests share a partition. */
@Component
class LookupRequestPublisher {

    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;

    LookupRequestPublisher(KafkaTemplate<String, String> kafka, MessageCodec codec) {
        this.kafka = kafka;
        this.codec = codec;
    }

    /** Completes when the broker has the request; {@code send} can block on metadata, so never on the event loop. */
    Mono<Void> publish(LookupRequest request) {
        return Mono.fromCallable(() -> kafka.send(Topics.LOOKUP_REQUESTS, request.numberHash(), codec.encode(request)))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(Mono::fromFuture)
                .then();
    }
}

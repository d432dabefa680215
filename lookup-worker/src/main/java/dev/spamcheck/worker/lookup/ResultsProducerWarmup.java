package dev.spamcheck.worker.lookup;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;

/** Fetches the result topics' metadata at start-up so the first result is not delayed by it. */
@Component
class ResultsProducerWarmup implements ApplicationRunner {

    private final KafkaTemplate<String, Object> kafka;

    ResultsProducerWarmup(KafkaTemplate<String, Object> kafka) {
        this.kafka = kafka;
    }

    @Override
    public void run(ApplicationArguments args) {
        kafka.partitionsFor(Topics.LOOKUP_RESULTS.name());
        kafka.partitionsFor(Topics.LOOKUP_FAILURES.name());
    }
}

package dev.spamcheck.gateway.lookup;

import java.time.Duration;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;

/**
 * Opens the connections a lookup needs before the instance reports itself started, so the first
 * caller does not pay for them: database connections and the producer's metadata of the topics
 * every answer writes to.
 */
@Component
class LookupPathWarmup implements ApplicationRunner {

    private final DatabaseClient db;
    private final KafkaTemplate<String, Object> kafka;

    LookupPathWarmup(DatabaseClient db, KafkaTemplate<String, Object> kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @Override
    public void run(ApplicationArguments args) {
        db.sql("SELECT 1 FROM phone_reputation LIMIT 1").fetch().all().then().block(Duration.ofSeconds(30));
        kafka.partitionsFor(Topics.LOOKUP_REQUESTS.name());
        kafka.partitionsFor(Topics.AUDIT_EVENTS.name());
    }
}

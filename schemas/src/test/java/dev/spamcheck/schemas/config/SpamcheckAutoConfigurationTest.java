package dev.spamcheck.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.support.ProducerListener;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.Service;
import dev.spamcheck.schemas.topic.Topic;
import dev.spamcheck.schemas.topic.Topics;

/** What a service gets from the one shared auto-configuration, as Boot applies it. */
class SpamcheckAutoConfigurationTest {

    private final ApplicationContextRunner services = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, SpamcheckAutoConfiguration.class))
            .withPropertyValues("spring.kafka.admin.auto-create=false", "spamcheck.hash-key=" + key(),
                    "spamcheck.encryption-keys=k1:" + key());

    @Test
    void aServiceGetsTheSharedBeansAndCreatesOnlyTheTopicsItUses() {
        services.withPropertyValues("spring.application.name=spamcheck-notifier").run(context -> {
            assertThat(context).hasSingleBean(NumberProtection.class).hasSingleBean(TopicSender.class)
                    .hasSingleBean(DeadLetters.class).hasSingleBean(CommonErrorHandler.class);
            Map<String, Integer> topics = topics(context);
            assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(
                    Topics.usedBy(Service.NOTIFIER).stream().map(Topic::name).toList());
            assertThat(topics).containsEntry(Topics.REPUTATION_CHANGES.name(), 12)
                    .containsEntry(Topics.REPUTATION_CHANGES.deadLetterTopic(), 1);
        });
    }

    @Test
    void thePartitionCountIsOneSettingForEveryService() {
        services.withPropertyValues("spring.application.name=spamcheck-gateway", "spamcheck.kafka.partitions=3")
                .run(context -> assertThat(topics(context))
                        .containsEntry(Topics.LOOKUP_REQUESTS.name(), 3)
                        .containsEntry(Topics.ARCHIVE_TRIGGERS.name(), 1));
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aFailedSendIsLoggedWithoutTheRecordsKeyOrValue(CapturedOutput output) {
        services.withPropertyValues("spring.application.name=spamcheck-lookup-worker").run(context -> {
            @SuppressWarnings("unchecked")
            ProducerListener<Object, Object> listener = context.getBean(ProducerListener.class);
            // A prewarm entry its producer keyed by the number, failing on its way to the dead-letter topic.
            listener.onError(new ProducerRecord<>(Topics.LOOKUP_PREWARM.deadLetterTopic(), "+12025550123",
                    "{\"phone_number\":\"+12025550123\"}".getBytes(StandardCharsets.UTF_8)), null,
                    new KafkaException("broker unreachable"));
        });
        assertThat(output).contains(Topics.LOOKUP_PREWARM.deadLetterTopic()).doesNotContain("2025550123");
    }

    @Test
    void aServiceWithoutTheKeysRefusesToStart() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, SpamcheckAutoConfiguration.class))
                .withPropertyValues("spring.kafka.admin.auto-create=false")
                .run(context -> assertThat(context).hasFailed());
    }

    /** The topics the service declares, as its KafkaAdmin collects them to create. */
    private static Map<String, Integer> topics(ApplicationContext context) {
        class Declared extends KafkaAdmin {
            Declared() {
                super(Map.of());
                setApplicationContext(context);
            }

            Map<String, Integer> topics() {
                return newTopics().stream().collect(Collectors.toMap(NewTopic::name, NewTopic::numPartitions));
            }
        }
        return new Declared().topics();
    }

    static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}

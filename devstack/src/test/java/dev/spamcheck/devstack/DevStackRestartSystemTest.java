package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spamcheck.schemas.topic.Topics;

/**
 * {@code bin/devstack} run a second time on the same home, as a developer does every day: Kafka
 * starts empty each time, and the notifier's Streams state kept from the last run must not make
 * its applications log errors (they found it corrupt and rebuilt it), nor change an answer. Only
 * the second stack's Streams threads are judged: the shared test stack runs beside it.
 */
class DevStackRestartSystemTest {

    @Test
    void aSecondStartOnTheSameHomeAnswersAndLogsNoErrors() throws Exception {
        Path home = TestStack.freshHome("devstack-restart-test");
        String flagged = TestStack.uniqueNumber("0042");
        try (DevStack first = start(home)) {
            awaitStreamsRunning(first);
            assertThat(OwnStack.lookUp(first, flagged).body()).contains("\"spam_score\":1");
            // The change is in the notifier's state, and so in the checkpoint it leaves behind.
            await().atMost(Duration.ofSeconds(30)).until(() -> !TopicContents.read(first.kafkaBootstrapServers(),
                    Topics.REPUTATION_CHANGES.name()).isEmpty());
        }
        try (var checkpoints = Files.walk(home.resolve("streams"))) {
            assertThat(checkpoints.filter(file -> file.getFileName().toString().equals(".checkpoint"))).isNotEmpty();
        }

        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logged.start();
        root.addAppender(logged);
        List<String> threads;
        try (DevStack second = start(home)) {
            threads = awaitStreamsRunning(second);
            assertThat(OwnStack.lookUp(second, flagged).body()).contains("\"spam_score\":1");
        }
        finally {
            root.detachAppender(logged);
            // A thread of the shared stack may still be appending: stopped, the list no longer changes.
            logged.stop();
        }
        List<String> errors = logged.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.ERROR))
                .filter(event -> threads.stream().anyMatch(event.getThreadName()::startsWith))
                .map(event -> event.getLoggerName() + ": " + event.getFormattedMessage()).toList();
        assertThat(errors).isEmpty();
    }

    private static DevStack start(Path home) throws Exception {
        return DevStack.start(new DevStack.Options(home, 0, 0, Duration.ofMillis(50),
                Map.of("spamcheck.nightly.cron", TestStack.NIGHTLY_CRON), null, null));
    }

    /** @return the prefix of every thread of the stack's Streams applications ({@code <client id>-}) */
    private static List<String> awaitStreamsRunning(DevStack stack) {
        List<StreamsBuilderFactoryBean> applications = stack.notifiers().stream()
                .map(ConfigurableApplicationContext::getBeanFactory)
                .flatMap(beans -> beans.getBeansOfType(StreamsBuilderFactoryBean.class).values().stream()).toList();
        assertThat(applications).hasSize(2);
        await().atMost(Duration.ofSeconds(60)).until(() -> applications.stream()
                .allMatch(application -> application.getKafkaStreams() != null
                        && application.getKafkaStreams().state() == KafkaStreams.State.RUNNING));
        return applications.stream().flatMap(application -> application.getKafkaStreams().metadataForLocalThreads()
                .stream()).map(thread -> thread.threadName().substring(0, thread.threadName().indexOf("StreamThread")))
                .toList();
    }
}

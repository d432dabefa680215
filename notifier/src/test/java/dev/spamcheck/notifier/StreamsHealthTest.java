package dev.spamcheck.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.List;
import java.util.Properties;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

class StreamsHealthTest {

    @Test
    void runningOrRebalancingApplicationsAreUp() {
        assertThat(StreamsHealth.health(List.of(application("changes", KafkaStreams.State.RUNNING, true),
                application("health", KafkaStreams.State.REBALANCING, true))).getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void anApplicationThatFailedOrStoppedWhileStartedIsDown() {
        assertThat(StreamsHealth.health(List.of(application("changes", KafkaStreams.State.RUNNING, true),
                application("health", KafkaStreams.State.ERROR, true))).getStatus()).isEqualTo(Status.DOWN);
        assertThat(StreamsHealth.health(List.of(application("changes", KafkaStreams.State.NOT_RUNNING, true)))
                .getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void anApplicationNotStartedYetOrStoppedOnPurposeIsNoFailure() {
        assertThat(StreamsHealth.health(List.of(application("changes", KafkaStreams.State.CREATED, true),
                application("health", KafkaStreams.State.NOT_RUNNING, false))).getStatus()).isEqualTo(Status.UP);
    }

    private static StreamsBuilderFactoryBean application(String id, KafkaStreams.State state, boolean started) {
        KafkaStreams streams = mock(KafkaStreams.class);
        when(streams.state()).thenReturn(state);
        StreamsBuilderFactoryBean application = mock(StreamsBuilderFactoryBean.class);
        when(application.getKafkaStreams()).thenReturn(streams);
        when(application.isRunning()).thenReturn(started);
        Properties config = new Properties();
        config.put("application.id", id);
        when(application.getStreamsConfiguration()).thenReturn(config);
        return application;
    }
}

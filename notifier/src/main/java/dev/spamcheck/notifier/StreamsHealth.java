package dev.spamcheck.notifier;

import java.util.List;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

import dev.spamcheck.schemas.config.BeanCustomizer;

/**
 * Says when the Streams applications have stopped. Kafka Streams' answer to an exception out of a
 * stream thread is to shut the whole client down, and nothing in Spring noticed: the notifier stayed
 * up and ready, finding no change and no campaign health, until restarted. Now the failure is
 * logged (class names only) and an application that has stopped is DOWN in the liveness and
 * readiness probes ({@code kafkaStreams}), so the pod is restarted: a fresh client, rather than a
 * replaced thread in a client that failed.
 */
@Configuration(proxyBeanMethods = false)
class StreamsHealth {

    private static final Logger log = LoggerFactory.getLogger(StreamsHealth.class);

    @Bean
    static BeanPostProcessor logFailedStreamThreads() {
        return BeanCustomizer.of(StreamsBuilderFactoryBean.class, (streams, name) ->
                streams.setStreamsUncaughtExceptionHandler(failure -> {
                    // Class names only: a processing error's message can quote the record.
                    log.error("Kafka Streams application {} stops after a failure: {} ({})", name,
                            failure.getClass().getSimpleName(),
                            NestedExceptionUtils.getMostSpecificCause(failure).getClass().getSimpleName());
                    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }));
    }

    @Bean
    HealthIndicator kafkaStreams(ObjectProvider<StreamsBuilderFactoryBean> applications) {
        return () -> health(applications.orderedStream().toList());
    }

    /** DOWN when an application that was started has stopped or failed; UP otherwise. */
    static Health health(List<StreamsBuilderFactoryBean> applications) {
        Health.Builder health = Health.up();
        for (StreamsBuilderFactoryBean application : applications) {
            KafkaStreams streams = application.getKafkaStreams();
            if (streams == null) {
                continue;
            }
            KafkaStreams.State state = streams.state();
            String id = String.valueOf(application.getStreamsConfiguration().get("application.id"));
            health.withDetail(id, state.name());
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                    || (application.isRunning() && !state.isRunningOrRebalancing()
                            && state != KafkaStreams.State.CREATED)) {
                health.down();
            }
        }
        return health.build();
    }
}

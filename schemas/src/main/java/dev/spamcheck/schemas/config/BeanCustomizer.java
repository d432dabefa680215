package dev.spamcheck.schemas.config;

import java.util.function.BiConsumer;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Sets something on every bean of a type before it is initialised, for beans Spring Boot builds
 * from properties that offer no customizer of their own (Kafka's admin, Streams factory beans).
 */
public final class BeanCustomizer {

    private BeanCustomizer() {
    }

    /** @param customizer given each bean of {@code type} and its name */
    public static <T> BeanPostProcessor of(Class<T> type, BiConsumer<T, String> customizer) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (type.isInstance(bean)) {
                    customizer.accept(type.cast(bean), name);
                }
                return bean;
            }
        };
    }
}

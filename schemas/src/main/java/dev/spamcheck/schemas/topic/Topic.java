package dev.spamcheck.schemas.topic;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One Kafka topic of spamcheck, typed: its name, its key and value types and their serdes, how it
 * is created, and which services use it (each declares the topics it uses, so none depends on
 * another having started first). The table of all of them is {@link Topics}.
 *
 * @param schema the JSON Schema of its values under {@code schemas/}, null when they have none
 * @param singlePartition created with one partition whatever {@code spamcheck.kafka.partitions} says
 */
public record Topic<K, V>(String name, Class<K> keyType, Class<V> valueType, Map<String, String> configs,
        boolean singlePartition, Set<Service> services, String schema) {

    public Topic {
        configs = Map.copyOf(configs);
        services = Set.copyOf(services);
    }

    /** A serde of its keys, a new one each call: Kafka may configure and close what it is given. */
    public Serde<K> keySerde() {
        return serde(keyType);
    }

    /** A serde of its values, a new one each call; JSON ({@link MessageCodec}) unless they are raw bytes. */
    public Serde<V> valueSerde() {
        return serde(valueType);
    }

    /** The definition Kafka's admin client creates it from; the replication factor is the broker's default. */
    public NewTopic newTopic(int partitions) {
        return new NewTopic(name, Optional.of(singlePartition ? 1 : partitions), Optional.empty()).configs(configs);
    }

    /** The topic an unreadable record of this one is moved to (see {@link Topics#DEAD_LETTERS}). */
    public String deadLetterTopic() {
        return name + Topics.DEAD_LETTER_SUFFIX;
    }

    @Override
    public String toString() {
        return name;
    }

    @SuppressWarnings("unchecked")
    private static <T> Serde<T> serde(Class<T> type) {
        if (type == String.class) {
            return (Serde<T>) Serdes.String();
        }
        if (type == byte[].class) {
            return (Serde<T>) Serdes.ByteArray();
        }
        return MessageCodec.serde(type);
    }
}

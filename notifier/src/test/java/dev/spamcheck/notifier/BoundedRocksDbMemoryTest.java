package dev.spamcheck.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDbMemoryTest {

    static {
        RocksDB.loadLibrary();
    }

    @Test
    void everyStoreSharesOneWriteBufferBudget() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options first = new Options(); Options second = new Options()) {
            // As Kafka Streams hands them over: with its table configuration already set.
            first.setTableFormatConfig(new BlockBasedTableConfig());
            second.setTableFormatConfig(new BlockBasedTableConfig());
            setter.setConfig("campaign-numbers", first, Map.of(BoundedRocksDbMemory.BUDGET_PROPERTY, "8388608"));
            setter.setConfig("campaign-health", second, Map.of());
            assertThat(first.writeBufferManager()).isNotNull().isSameAs(second.writeBufferManager());
        }
    }
}

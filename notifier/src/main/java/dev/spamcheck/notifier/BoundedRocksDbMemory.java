package dev.spamcheck.notifier;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One memory budget for all the Streams stores of a notifier, as Kafka's memory-management guide
 * recommends. Left alone, RocksDB gives every store instance (one per store and partition: 36 with
 * three stores and 12 partitions) its own block cache and memtables, off the heap and unbounded by
 * the container's limit; here they share one cache of {@value #BUDGET_PROPERTY} bytes
 * (default {@value #DEFAULT_BUDGET}), a quarter of it for memtables.
 */
public class BoundedRocksDbMemory implements RocksDBConfigSetter {

    /** A Streams property ({@code spring.kafka.streams.properties.*}), passed to every store's setup. */
    public static final String BUDGET_PROPERTY = "spamcheck.rocksdb.memory.bytes";
    static final long DEFAULT_BUDGET = 64L * 1024 * 1024;

    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared(configs));
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBuffers);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store: they live as long as the JVM.
    }

    private static synchronized Cache shared(Map<String, Object> configs) {
        if (cache == null) {
            Object configured = configs.get(BUDGET_PROPERTY);
            long budget = configured == null ? DEFAULT_BUDGET : Long.parseLong(configured.toString().trim());
            cache = new LRUCache(budget, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(budget / 4, cache);
        }
        return cache;
    }
}

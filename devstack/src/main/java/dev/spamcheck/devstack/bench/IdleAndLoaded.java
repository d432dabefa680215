package dev.spamcheck.devstack.bench;

import java.util.List;

/** A scenario's measured lookups on the idle system and under its load, compared by their p95. */
interface IdleAndLoaded {

    List<Long> idleMillis();

    List<Long> loadedMillis();

    default long idleP95() {
        return Traffic.percentile(idleMillis(), 95);
    }

    default long loadedP95() {
        return Traffic.percentile(loadedMillis(), 95);
    }
}

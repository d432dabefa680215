package dev.spamcheck.archiver;

import java.sql.Connection;
import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * PostgreSQL session advisory locks, by name, on the one connection held for the work they
 * guard: a lock goes with its session, so an archiver that dies lets the work run elsewhere.
 */
public final class SessionLocks {

    private static final Logger log = LoggerFactory.getLogger(SessionLocks.class);

    /**
     * Held by a key rotation, by the nightly purge of cached numbers and by a results replay: a
     * rotation republishes records of the results topic it read earlier, and one republished after
     * a purge's tombstone would bring the purged number back to the compacted topic for good; a
     * replay writes the answers it reads back to the table, which would put rows a rotation had
     * moved back under the old key, or bring a number being purged back.
     */
    public static final String KEY_ROTATION = "spamcheck.key-rotation";

    private SessionLocks() {
    }

    /** Takes the lock if no other session holds it; false when one does. */
    public static boolean tryLock(Connection connection, String name) {
        return onlyOn(connection).sql("SELECT pg_try_advisory_lock(hashtext(?))").param(name).query(Boolean.class)
                .single();
    }

    public static void unlock(Connection connection, String name) {
        onlyOn(connection).sql("SELECT pg_advisory_unlock(hashtext(?))").param(name).query(Boolean.class).single();
    }

    /**
     * Unlocks (when {@code held}) and gives the connection back, quietly: nothing here may hide the
     * outcome of the work the lock guarded. A connection that could not be unlocked would keep the
     * lock in the pool, so it is closed for good instead (the lock goes with its session).
     */
    public static void release(Connection connection, String name, boolean held) {
        try {
            if (held) {
                unlock(connection, name);
            }
        }
        catch (DataAccessException ex) {
            log.warn("Could not release the lock {} ({}); closing its connection", name,
                    ex.getClass().getSimpleName());
            try {
                connection.abort(Runnable::run);
            }
            catch (SQLException ignored) {
                // Closed below either way.
            }
        }
        try {
            connection.close();
        }
        catch (SQLException ex) {
            log.warn("Closing the connection of the lock {} failed ({})", name, ex.getSQLState());
        }
    }

    /**
     * Throws {@link IllegalStateException} when the session that holds the locks taken on this
     * connection has ended (its connection lost, to a fail-over or a dropped idle connection): its
     * locks ended with it. Waits at most 5 s for the check.
     */
    public static void requireSession(Connection connection) {
        boolean alive;
        try {
            alive = connection.isValid(5);
        }
        catch (SQLException ex) {
            alive = false;
        }
        if (!alive) {
            throw new IllegalStateException("The database session holding the lock has ended");
        }
    }

    private static JdbcClient onlyOn(Connection connection) {
        return JdbcClient.create(new SingleConnectionDataSource(connection, true));
    }
}

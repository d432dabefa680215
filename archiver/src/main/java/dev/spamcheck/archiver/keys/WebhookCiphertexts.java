package dev.spamcheck.archiver.keys;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.number.NumberProtection;

/**
 * The ciphertexts webhooks keep: each subscription's sealed signing secret, and the number of a
 * delivery still pending to a subscription that asked for the full number. Few rows, so moved
 * in one pass; each update only replaces the ciphertext it read.
 */
@Repository
class WebhookCiphertexts {

    private final JdbcClient jdbc;

    WebhookCiphertexts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    record Moved(long reencrypted, long unreadable) {
    }

    Moved moveToActiveKey(NumberProtection protection, Runnable betweenRows) {
        String active = protection.activeKeyId();
        long moved = 0;
        long unreadable = 0;
        List<Sealed> secrets = jdbc.sql("""
                SELECT id, secret_ciphertext FROM webhook_subscriptions
                 WHERE split_part(secret_ciphertext, '.', 2) <> ?""")
                .param(active)
                .query((rs, row) -> new Sealed(rs.getString(1), rs.getString(2)))
                .list();
        for (Sealed secret : secrets) {
            betweenRows.run();
            try {
                String resealed = protection.seal(protection.open(secret.ciphertext(), secret.context()), secret.context());
                moved += jdbc.sql("UPDATE webhook_subscriptions SET secret_ciphertext = ? WHERE id = ? AND "
                        + "secret_ciphertext = ?").params(resealed, secret.context(), secret.ciphertext()).update();
            }
            catch (IllegalArgumentException ex) {
                unreadable++;
            }
        }
        List<PendingNumber> numbers = jdbc.sql("""
                SELECT id, number_hash, number_ciphertext FROM webhook_deliveries
                 WHERE status = 'pending' AND split_part(number_ciphertext, '.', 2) <> ?""")
                .param(active)
                .query((rs, row) -> new PendingNumber(rs.getLong(1), new Sealed(rs.getString(2), rs.getString(3))))
                .list();
        for (PendingNumber pending : numbers) {
            betweenRows.run();
            Sealed number = pending.number();
            try {
                String reencrypted = protection.reencrypt(number.ciphertext(), number.context());
                // By its key: webhook_deliveries has no index on the number.
                moved += jdbc.sql("UPDATE webhook_deliveries SET number_ciphertext = ? WHERE id = ? AND "
                        + "number_ciphertext = ?").params(reencrypted, pending.id(), number.ciphertext()).update();
            }
            catch (IllegalArgumentException ex) {
                unreadable++;
            }
        }
        return new Moved(moved, unreadable);
    }

    /**
     * Signing secrets and pending deliveries' numbers under another key than {@code active}: after
     * a pass, those a service wrote meanwhile under the key it still puts first.
     */
    long countNotUnder(String active) {
        return jdbc.sql("""
                SELECT (SELECT count(*) FROM webhook_subscriptions WHERE split_part(secret_ciphertext, '.', 2) <> :active)
                     + (SELECT count(*) FROM webhook_deliveries
                         WHERE status = 'pending' AND split_part(number_ciphertext, '.', 2) <> :active)""")
                .param("active", active)
                .query(Long.class)
                .single();
    }

    /** A ciphertext and what it is bound to: the subscription's id, or the number's hash. */
    private record Sealed(String context, String ciphertext) {
    }

    private record PendingNumber(long id, Sealed number) {
    }
}

-- Cached numbers (phone_reputation rows) per encryption key id, as an archiver last counted them:
-- at its start, every ten minutes and at the end of each key rotation. GET /api/v1/admin/keys
-- shows this row; counting itself reads the whole table, more than an admin request may take on a
-- large cache. One row at most; counted_at is when the count's snapshot was taken, and an older
-- count finishing after a newer one does not replace it.
CREATE TABLE number_ciphertext_counts (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    counts     jsonb       NOT NULL,
    counted_at timestamptz NOT NULL
);

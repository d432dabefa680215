-- A rotation that ended with ciphertexts left under another key (written meanwhile by a service
-- still putting the old key first, or under a key no longer configured) is recorded 'incomplete',
-- not 'completed': the old key may not be removed yet. The table holds a row per rotation, so
-- checking the new constraint at once costs nothing.
ALTER TABLE key_rotations
    DROP CONSTRAINT key_rotations_status_check,
    ADD CONSTRAINT key_rotations_status_check CHECK (status IN ('running', 'completed', 'incomplete', 'failed'));

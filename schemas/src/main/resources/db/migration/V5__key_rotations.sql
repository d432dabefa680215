-- Key rotations (java -jar archiver.jar rotate-keys, POST /api/v1/admin/keys/rotate): one row per
-- rotation, its id the trigger's, with what it did. A failed rotation is retried and resumes: it
-- only ever moves what is not under the active key yet.
CREATE TABLE key_rotations (
    id            uuid        PRIMARY KEY,
    requested_by  text        NOT NULL,
    active_key    text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    counts        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error         text
);
CREATE INDEX key_rotations_started_at ON key_rotations (started_at);

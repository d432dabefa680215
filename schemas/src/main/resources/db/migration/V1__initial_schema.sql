-- spamcheck's tables. Phone numbers never rest in plaintext: number_hash is the hex
-- HMAC-SHA256 of the E.164 number, number_ciphertext its AES-256-GCM ciphertext and last4 the
-- display form. All timestamps come from the database clock.

-- The latest definitive answer per number: the cache the gateway reads.
CREATE TABLE phone_reputation (
    number_hash        char(64)    PRIMARY KEY,
    number_ciphertext  text        NOT NULL,
    last4              char(4)     NOT NULL,
    outcome            text        NOT NULL CHECK (outcome IN ('scored', 'not_found')),
    spam_score         smallint    CHECK (spam_score IN (0, 1)),
    checked_at         timestamptz NOT NULL,
    last_requested_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((outcome = 'scored') = (spam_score IS NOT NULL))
);

-- Every paid check, kept 30 days before it moves to lookup_history.
CREATE TABLE lookup_results (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id   uuid        NOT NULL,
    number_hash  char(64)    NOT NULL,
    last4        char(4)     NOT NULL,
    origin       text        NOT NULL,
    outcome      text        NOT NULL CHECK (outcome IN ('scored', 'not_found')),
    spam_score   smallint    CHECK (spam_score IN (0, 1)),
    checked_at   timestamptz NOT NULL
);
CREATE INDEX lookup_results_checked_at ON lookup_results (checked_at);
CREATE INDEX lookup_results_number_hash ON lookup_results (number_hash, checked_at);

-- Archived checks, kept one year. id is the lookup_results id, so a move can be repeated safely.
CREATE TABLE lookup_history (
    id           bigint      PRIMARY KEY,
    request_id   uuid        NOT NULL,
    number_hash  char(64)    NOT NULL,
    last4        char(4)     NOT NULL,
    origin       text        NOT NULL,
    outcome      text        NOT NULL,
    spam_score   smallint,
    checked_at   timestamptz NOT NULL,
    archived_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lookup_history_checked_at ON lookup_history (checked_at);
CREATE INDEX lookup_history_number_hash ON lookup_history (number_hash, checked_at);

-- One row per gateway request.
CREATE TABLE audit_log (
    request_id    uuid        PRIMARY KEY,
    occurred_at   timestamptz NOT NULL,
    token_id      text,
    client_ip     text        NOT NULL,
    method        text        NOT NULL,
    path          text        NOT NULL,
    number_last4  char(4),
    campaign_id   text,
    outcome       text        NOT NULL,
    http_status   smallint    NOT NULL,
    error_code    text,
    latency_ms    bigint      NOT NULL
);
CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);

-- API tokens: only the SHA-256 of a token is stored.
CREATE TABLE api_tokens (
    id          text        PRIMARY KEY,
    token_hash  bytea       NOT NULL UNIQUE,
    name        text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('lookup', 'admin')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Nightly jobs: one row per job date, so a date's job runs once.
CREATE TABLE job_runs (
    id           uuid        PRIMARY KEY,
    job_date     date        NOT NULL UNIQUE,
    status       text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    counts       jsonb       NOT NULL DEFAULT '{}'::jsonb
);

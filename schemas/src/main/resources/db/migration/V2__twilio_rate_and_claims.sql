-- The account-wide Twilio rate limit, shared by every lookup-worker: one row per call made or
-- reserved (at = when it may start, by the database clock). Rows older than a minute are deleted.
CREATE TABLE twilio_calls (
    at      timestamptz NOT NULL,
    origin  text        NOT NULL
);
CREATE INDEX twilio_calls_at ON twilio_calls (at DESC);

-- Who is looking a number up right now, so that one number never costs two concurrent Twilio
-- calls, whichever topic, gateway or worker the requests came from.
CREATE TABLE lookup_claims (
    number_hash    char(64)    PRIMARY KEY,
    claimed_until  timestamptz NOT NULL
);
CREATE INDEX twilio_calls_origin_at ON twilio_calls (origin, at DESC);

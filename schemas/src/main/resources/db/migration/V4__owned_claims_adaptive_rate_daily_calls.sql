-- Claims carry their owner, so only the owner releases one, and whether the owner is calling
-- Twilio right now: an interactive lookup may take over a bulk claim whose owner is still
-- waiting for rate budget, so bulk work never makes a caller wait.
DELETE FROM lookup_claims;
ALTER TABLE lookup_claims ADD COLUMN owner uuid NOT NULL;
ALTER TABLE lookup_claims ADD COLUMN bulk boolean NOT NULL;
ALTER TABLE lookup_claims ADD COLUMN calling boolean NOT NULL DEFAULT false;

-- The account-wide rate as Twilio's 429 answers have left it, for every worker: halved by a
-- rate-limit answer (at most once a second), it recovers by itself to spamcheck.twilio.rate.
-- No row: the configured rate.
CREATE TABLE twilio_rate (
    id          smallint         PRIMARY KEY CHECK (id = 1),
    rate        double precision NOT NULL,
    changed_at  timestamptz      NOT NULL
);

-- Twilio calls per UTC day (database clock), for spamcheck.twilio.daily-call-limit.
CREATE TABLE twilio_daily_calls (
    day    date    PRIMARY KEY,
    calls  integer NOT NULL
);

-- Webhook subscriptions (POST /api/v1/admin/webhooks) and their deliveries. A delivery is one
-- reputation change for one subscription, made once per pair however often the change is read
-- (at-least-once fan-out, de-duplicated here), then sent until it succeeds or its retries run out.

-- The signing secret is shown once at creation; it rests sealed like a number (AES-GCM under
-- SPAMCHECK_ENCRYPTION_KEYS, bound to the id) because every delivery must be signed with it.
CREATE TABLE webhook_subscriptions (
    id                    text        PRIMARY KEY,
    url                   text        NOT NULL,
    events                text[]      NOT NULL CHECK (cardinality(events) > 0),
    campaign_id           text,
    include_phone_number  boolean     NOT NULL DEFAULT false,
    secret_ciphertext     text        NOT NULL,
    created_by            text        NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- The change is kept as the topic has it: hash, last four digits and ciphertext, never the
-- plaintext, which is decrypted at send time for subscriptions that opted in. The ciphertext is
-- dropped once the delivery is finished (delivered or dead).
CREATE TABLE webhook_deliveries (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id    text        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id           text        NOT NULL,
    event_type         text        NOT NULL,
    occurred_at        timestamptz NOT NULL,
    number_hash        text        NOT NULL,
    number_last4       text        NOT NULL,
    number_ciphertext  text,
    campaign_id        text,
    previous_score     smallint,
    spam_score         smallint    NOT NULL,
    checked_at         timestamptz NOT NULL,
    status             text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts           integer     NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    -- Set while an archiver sends it; another may take it over once this has passed.
    lease_until        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    last_status_code   integer,
    last_error         text,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, created_at DESC);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE webhook_delivery_attempts (
    delivery_id   bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt       integer     NOT NULL,
    attempted_at  timestamptz NOT NULL,
    duration_ms   integer     NOT NULL,
    status_code   integer,
    error         text,
    PRIMARY KEY (delivery_id, attempt)
);

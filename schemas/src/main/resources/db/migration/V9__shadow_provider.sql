-- A second reputation provider asked in shadow mode (lookup-worker's ShadowLookups): its calls per
-- UTC day for all workers together, held to its own daily limit, and how often its verdict agreed
-- with the answer given, per day (read by GET /api/v1/admin/providers).
CREATE TABLE provider_daily_calls (
    provider  text    NOT NULL,
    day       date    NOT NULL,
    calls     integer NOT NULL,
    PRIMARY KEY (provider, day)
);

CREATE TABLE provider_agreement (
    provider   text    NOT NULL,
    day        date    NOT NULL,
    agreed     integer NOT NULL DEFAULT 0,
    disagreed  integer NOT NULL DEFAULT 0,
    undecided  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, day)
);

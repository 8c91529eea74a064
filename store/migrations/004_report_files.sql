-- Snapshot reports (issue #6), second step: what each run produced and its e-mail.
-- `missing` names the parts a run could not fill (and why); `on_demand` marks runs of
-- `c3 report`. A delivery is retried, with backoff, until sent or out of attempts.

ALTER TABLE report_runs ADD COLUMN missing VARCHAR;
ALTER TABLE report_runs ADD COLUMN on_demand BOOLEAN DEFAULT false;

CREATE TABLE report_deliveries (
    kind             VARCHAR NOT NULL,
    slot             TIMESTAMPTZ NOT NULL,
    recipients       VARCHAR NOT NULL,        -- comma-separated
    status           VARCHAR NOT NULL,        -- pending | sent | failed (out of attempts)
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,
    last_error       VARCHAR,
    sent_at          TIMESTAMPTZ,
    PRIMARY KEY (kind, slot)
);

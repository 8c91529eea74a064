-- Snapshot reports (issue #6): one row per report kind and cron slot. The key makes a
-- slot run once, even across restarts; `late` marks a slot produced after C3 was down.

CREATE TABLE report_runs (
    kind         VARCHAR NOT NULL,
    slot         TIMESTAMPTZ NOT NULL,   -- the cron time the report is for
    claimed_at   TIMESTAMPTZ NOT NULL,
    late         BOOLEAN NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,       -- running | ok | failed
    error        VARCHAR,
    PRIMARY KEY (kind, slot)
);

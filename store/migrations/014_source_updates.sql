-- Telling the source (issue #18): each status change of a work order, for each source
-- request it covers whose feed takes updates, queued in the same transaction as the
-- change (so none is lost and none is sent for a change that did not happen), sent by
-- the job worker, and retried with a growing wait until the source has it.
CREATE TABLE source_updates (
    update_id        BIGINT PRIMARY KEY,   -- store.ids.new_id; sent as Open311's update_id
    connector        VARCHAR NOT NULL,     -- the feed the request came through
    request_id       VARCHAR NOT NULL,
    order_id         BIGINT NOT NULL,
    status           VARCHAR NOT NULL,     -- the Open311 extension's: IN_PROGRESS, FIXED, CLOSED, …
    description      VARCHAR NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL, -- when the change happened
    queued_at        TIMESTAMPTZ NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    remote_id        VARCHAR,              -- the source's id of the update
    last_error       VARCHAR
);

-- The complaint loop (issue #18): C3's own record of the work on one or more source
-- requests. The order's row holds its current state (what the queues read); every change
-- is an event appended to work_order_events (who, when, from and to, a note), never
-- updated or deleted. A source request belongs to at most one order: linking a duplicate
-- moves nothing and deletes nothing, the request keeps its own row and history.
CREATE TABLE work_orders (
    order_id          BIGINT PRIMARY KEY,      -- store.ids.new_id: time-ordered
    state             VARCHAR NOT NULL,        -- new | triaged | assigned | in_progress | done | validated
    service_code      VARCHAR,                 -- the first request's type
    department        VARCHAR,                 -- the agency responsible, from that request
    zone_id           VARCHAR,
    lon               DOUBLE,
    lat               DOUBLE,
    address           VARCHAR,
    requested_at      TIMESTAMPTZ NOT NULL,    -- the first request's time: the level counts from it
    due_at            TIMESTAMPTZ NOT NULL,    -- from [service_levels]
    crew_id           VARCHAR,                 -- assigned crew
    created_at        TIMESTAMPTZ NOT NULL,
    created_by        VARCHAR NOT NULL,
    first_response_at TIMESTAMPTZ,             -- first triage or assignment
    done_at           TIMESTAMPTZ,             -- the crew's "done" (awaiting validation)
    closed_at         TIMESTAMPTZ,             -- validated
    reopened          INTEGER NOT NULL,        -- times an inspector rejected the fix
    updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE work_order_requests (
    source      VARCHAR NOT NULL,              -- the connector the request came through
    request_id  VARCHAR NOT NULL,              -- its service_request_id
    order_id    BIGINT NOT NULL,
    linked_at   TIMESTAMPTZ NOT NULL,
    linked_by   VARCHAR NOT NULL,
    evidence    VARCHAR,                       -- why it was linked ("38 m, 2.5 h apart, …")
    PRIMARY KEY (source, request_id)
);

CREATE TABLE work_order_events (
    event_id    BIGINT PRIMARY KEY,            -- store.ids.new_id: in order within an order
    order_id    BIGINT NOT NULL,
    happened_at TIMESTAMPTZ NOT NULL,
    who         VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,              -- open | link | triage | assign | start | done | validate | reject
    from_state  VARCHAR,
    to_state    VARCHAR NOT NULL,
    crew_id     VARCHAR,
    note        VARCHAR,
    photo       VARCHAR                        -- a photo's content hash (done, validate)
);

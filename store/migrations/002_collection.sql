-- Collection plans (issue #5): the windows the scheduler ranked, why the best wins, and
-- the routes of chosen windows. One plan per recompute; screens read the newest.

CREATE SEQUENCE collection_plan_ids;
CREATE TABLE collection_plans (
    plan_id      BIGINT PRIMARY KEY DEFAULT nextval('collection_plan_ids'),
    computed_at  TIMESTAMPTZ NOT NULL,
    data_up_to   TIMESTAMPTZ,          -- newest traffic or waste reading the plan read
    first_start  TIMESTAMPTZ NOT NULL,
    horizon_h    INTEGER NOT NULL,
    versions     VARCHAR NOT NULL,     -- traffic and waste data versions read, "t:w"
    seconds      DOUBLE,               -- how long the ranking took
    settings     VARCHAR NOT NULL      -- JSON: depot, vehicles, capacity, penalty, rules
);

CREATE TABLE collection_windows (
    plan_id      BIGINT NOT NULL,
    zone_id      VARCHAR NOT NULL,
    start_at     TIMESTAMPTZ NOT NULL,
    minutes      DOUBLE NOT NULL,      -- depot to depot, one truck
    overflowing  INTEGER NOT NULL,     -- containers full before the truck reaches them
    allowed      BOOLEAN NOT NULL,
    cost         DOUBLE NOT NULL,      -- minutes + penalty x overflowing
    rank         INTEGER NOT NULL,     -- 1 = best
    PRIMARY KEY (plan_id, zone_id, start_at)
);

CREATE TABLE collection_zones (
    plan_id      BIGINT NOT NULL,
    zone_id      VARCHAR NOT NULL,
    stops        INTEGER NOT NULL,     -- containers due within the horizon (the round's load)
    reason       VARCHAR NOT NULL,
    PRIMARY KEY (plan_id, zone_id)
);

CREATE TABLE collection_routes (
    plan_id      BIGINT NOT NULL,
    zone_id      VARCHAR NOT NULL,
    start_at     TIMESTAMPTZ NOT NULL,
    routes       VARCHAR NOT NULL,     -- JSON: vehicles with stops, arrivals, paths; skipped
    PRIMARY KEY (plan_id, zone_id, start_at)
);

-- Several `c3 worker`s on one lake (issue #17): the one holding the lease runs the jobs,
-- and each run of a job claims its tick here first, so that a tick one holder ran is not
-- run again by the next (a standby that took over in the middle of an interval).
CREATE TABLE job_ticks (
    job         VARCHAR NOT NULL,       -- "ingest:<connector>", "collection:plan"
    tick        TIMESTAMPTZ NOT NULL,   -- the start of the interval the run belongs to
    worker      VARCHAR NOT NULL,       -- host:pid of the worker that ran it
    claimed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job, tick)
);

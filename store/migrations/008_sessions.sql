-- Sign-ins the server can end (issue #16): the session cookie carries a random id, and a
-- sign-out (or an admin) ends it here, so a copy of the cookie taken before stops working.
CREATE TABLE sessions (
    sid VARCHAR PRIMARY KEY,
    who VARCHAR NOT NULL,
    via VARCHAR NOT NULL,         -- local | oidc | device
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);

-- Sign-in and roles (issue #16): local accounts, paired wall displays, and the audit trail
-- of who saw personal data, exported rows or downloaded a report.
CREATE TABLE users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,             -- wall | operator | department | admin
    departments VARCHAR[] DEFAULT [],  -- department role: waste, traffic, complaints
    zones VARCHAR[] DEFAULT [],        -- department role: only these zones; empty = all
    personal_data BOOLEAN DEFAULT false,
    password_hash VARCHAR NOT NULL,    -- scrypt$n$r$p$salt$hash (hex)
    created_at TIMESTAMPTZ DEFAULT now(),
    disabled BOOLEAN DEFAULT false
);
CREATE TABLE devices (
    device_id VARCHAR PRIMARY KEY,     -- random, in the wall's session
    name VARCHAR NOT NULL,
    pairing_token_hash VARCHAR,        -- sha256 of the one-time link's token; null once used
    pairing_expires_at TIMESTAMPTZ,
    paired_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT now(),
    created_by VARCHAR,
    revoked_at TIMESTAMPTZ
);
CREATE SEQUENCE audit_seq;
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    logged_at TIMESTAMPTZ NOT NULL,
    who VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    action VARCHAR NOT NULL,           -- personal-data | export | report | sign-in | …
    what VARCHAR,                      -- the route, layer, report file or record
    rows BIGINT,                       -- rows exported or shown, where counted
    detail VARCHAR                     -- e.g. the filter of an export, the record ids
);

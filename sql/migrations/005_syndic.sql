-- 005: the syndics' contact details (SPEC §10 "Syndic contact details"),
-- shown where an owner is told to contact the syndic: a numeric code's
-- forgotten password, a link refused because two syndics do not share the
-- extranet. Apply as a superuser, after 004 (it depends on 001 and 002 only).
--
-- One row per syndic, written by the site's administrators (or a view over
-- the legacy database, like legacy_account). The module only reads it. For a
-- forgotten password it finds the syndic whose code begins the account code
-- (the longest such code): the table alone, so whether an account code
-- exists is never revealed.
BEGIN;

CREATE TABLE IF NOT EXISTS extranet.syndic (
    code     text PRIMARY KEY CHECK (code ~ '^[0-9]{1,16}$'),
    name     text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    phone    text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    email    text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    address  text NOT NULL DEFAULT '' CHECK (length(address) <= 400)
);

GRANT SELECT ON extranet.syndic TO extranet_module;

COMMIT;

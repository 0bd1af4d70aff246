-- 001: the module's schema (SPEC §7). Apply as a superuser or the owner.
BEGIN;

CREATE SCHEMA IF NOT EXISTS extranet;

-- The legacy accounts. In production, replace this table by a view over the
-- legacy database with the same columns (see sql/examples/legacy_view.sql).
CREATE TABLE extranet.legacy_account (
    code           text PRIMARY KEY CHECK (code ~ '^[0-9]{4,32}$'),
    syndic_code    text NOT NULL CHECK (syndic_code ~ '^[0-9]{1,16}$'),
    syndic_name    text NOT NULL DEFAULT '',
    password_hash  text NOT NULL,
    label          text NOT NULL DEFAULT '',
    active         boolean NOT NULL DEFAULT true
);

CREATE TABLE extranet.identity (
    id                   bigserial PRIMARY KEY,
    email                text NOT NULL UNIQUE
                         CHECK (email = lower(email) AND length(email) <= 254),
    password_hash        text NOT NULL,
    last_name            text NOT NULL DEFAULT '',
    first_name           text NOT NULL DEFAULT '',
    phone                text NOT NULL DEFAULT '',
    default_account      text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz NOT NULL DEFAULT now()
);

-- An account belongs to at most one identity.
CREATE TABLE extranet.identity_account (
    account_code  text PRIMARY KEY,
    identity_id   bigint NOT NULL REFERENCES extranet.identity (id) ON DELETE CASCADE,
    linked_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_account_identity ON extranet.identity_account (identity_id);

CREATE TABLE extranet.session (
    id_hash       bytea PRIMARY KEY,           -- sha256 of the cookie's id
    identity_id   bigint REFERENCES extranet.identity (id) ON DELETE CASCADE,
    account_code  text NOT NULL,
    login_method  text NOT NULL CHECK (login_method IN ('code', 'email')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    client_addr   text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX session_identity ON extranet.session (identity_id) WHERE revoked_at IS NULL;
CREATE INDEX session_expires ON extranet.session (expires_at);

CREATE TABLE extranet.password_reset (
    token_hash   bytea PRIMARY KEY,            -- sha256 of the mailed token
    identity_id  bigint NOT NULL REFERENCES extranet.identity (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- The site's mailer reads this table and sets sent_at.
CREATE TABLE extranet.mail_outbox (
    id          bigserial PRIMARY KEY,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);

CREATE TABLE extranet.audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    event         text NOT NULL,     -- login, login_failure, logout, link, unlink,
                                     -- switch, profile, password, default_account,
                                     -- session_end
    success       boolean NOT NULL DEFAULT true,
    identity_id   bigint,
    account_code  text,
    identifier    text,              -- what was typed at a login, truncated
    client_addr   text NOT NULL DEFAULT '',
    detail        text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON extranet.audit_log (at);
CREATE INDEX audit_log_identity ON extranet.audit_log (identity_id);

-- Lockouts recorded so that they hold on every node (SPEC §9).
CREATE TABLE extranet.login_lockout (
    key          text PRIMARY KEY,   -- 'id:<identifier>' or 'ip:<address>'
    until        timestamptz NOT NULL,
    failures     integer NOT NULL DEFAULT 0
);

COMMIT;

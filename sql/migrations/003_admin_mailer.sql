-- 003: the support desk (tools/extranet-admin) and the mailer
-- (tools/extranet-mailer). Apply as a superuser, after 002.
-- Idempotent like 002: columns, roles, triggers and indexes are created only
-- when missing, GRANT is a no-op when the privilege is already held.
BEGIN;

-- ---------------------------------------------------------------------------
-- audit_log: who at the support desk did it. NULL for the module's own rows
-- (an owner acting on the portal); the operator's name for every row
-- extranet-admin writes (events admin_find, admin_unlink, admin_unlock,
-- admin_revoke, admin_audit).
-- ---------------------------------------------------------------------------
ALTER TABLE extranet.audit_log ADD COLUMN IF NOT EXISTS operator text;
CREATE INDEX IF NOT EXISTS audit_log_account ON extranet.audit_log (account_code);
CREATE INDEX IF NOT EXISTS audit_log_identifier ON extranet.audit_log (identifier);

-- ---------------------------------------------------------------------------
-- mail_outbox: delivery state for the mailer. A row is due while sent_at and
-- failed_at are NULL and next_attempt_at is NULL or past; every attempt
-- counts in attempts; after the last one failed_at is set and last_error says
-- why.
-- ---------------------------------------------------------------------------
ALTER TABLE extranet.mail_outbox ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE extranet.mail_outbox ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz;
ALTER TABLE extranet.mail_outbox ADD COLUMN IF NOT EXISTS last_error text;
ALTER TABLE extranet.mail_outbox ADD COLUMN IF NOT EXISTS failed_at timestamptz;
CREATE INDEX IF NOT EXISTS mail_outbox_due ON extranet.mail_outbox (id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX IF NOT EXISTS mail_outbox_recipient ON extranet.mail_outbox (recipient);

-- A new row wakes the mailer at once (LISTEN extranet_mail_outbox). One
-- notification per statement, sent at commit: a rolled back insert wakes
-- nobody. pg_notify needs no privilege, so the module's INSERT grant is
-- enough for the trigger to fire.
CREATE OR REPLACE FUNCTION extranet.mail_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('extranet_mail_outbox', '');
    RETURN NULL;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_trigger
                    WHERE tgname = 'mail_outbox_notify'
                      AND tgrelid = 'extranet.mail_outbox'::regclass) THEN
        CREATE TRIGGER mail_outbox_notify
            AFTER INSERT ON extranet.mail_outbox
            FOR EACH STATEMENT EXECUTE FUNCTION extranet.mail_outbox_notify();
    END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- Roles. Passwords: as in 002, none here (see its comment for SCRAM and
-- pg_hba.conf).
-- ---------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'extranet_admin') THEN
        CREATE ROLE extranet_admin LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'extranet_mailer') THEN
        CREATE ROLE extranet_mailer LOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO extranet_admin, extranet_mailer',
                   current_database());
END
$$;

-- ---------------------------------------------------------------------------
-- extranet_mailer: reads the outbox and records what became of each row.
-- SELECT ... FOR UPDATE needs an UPDATE privilege: the column grants give
-- it. No INSERT, no DELETE, nothing else in the schema; LISTEN needs no
-- privilege.
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA extranet TO extranet_mailer;
GRANT SELECT, UPDATE (sent_at, attempts, next_attempt_at, last_error, failed_at)
      ON extranet.mail_outbox TO extranet_mailer;
-- A row is locked while sendmail runs (bounded by the mailer's own
-- sendmail timeout, 60 s by default).
ALTER ROLE extranet_mailer SET statement_timeout = '30s';
ALTER ROLE extranet_mailer SET lock_timeout = '10s';
ALTER ROLE extranet_mailer SET idle_in_transaction_session_timeout = '5min';

-- ---------------------------------------------------------------------------
-- extranet_admin: the support desk. Reads identities, accounts, sessions
-- and the audit trail; unlinks an account (and moves the identity's default
-- account), revokes sessions, lifts lockouts, writes its own audit rows.
-- Never reads password hashes, reset tokens or mail bodies; never writes
-- passwords, legacy accounts or other audit rows.
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA extranet TO extranet_admin;

GRANT SELECT (code, syndic_code, syndic_name, label, active)
      ON extranet.legacy_account TO extranet_admin;
GRANT SELECT (id, email, last_name, first_name, phone, default_account, created_at,
              updated_at, password_changed_at)
      ON extranet.identity TO extranet_admin;
GRANT UPDATE (default_account, updated_at) ON extranet.identity TO extranet_admin;
GRANT SELECT, DELETE ON extranet.identity_account TO extranet_admin;
GRANT SELECT (identity_id, account_code, login_method, created_at, last_seen_at,
              expires_at, revoked_at, client_addr, user_agent)
      ON extranet.session TO extranet_admin;
GRANT UPDATE (revoked_at) ON extranet.session TO extranet_admin;
GRANT SELECT, DELETE ON extranet.login_lockout TO extranet_admin;
-- What became of the mails sent to an address, never their subject or body
-- (a reset link is a password).
GRANT SELECT (id, recipient, created_at, sent_at, attempts, next_attempt_at, last_error,
              failed_at)
      ON extranet.mail_outbox TO extranet_admin;
GRANT SELECT, INSERT ON extranet.audit_log TO extranet_admin;
GRANT USAGE ON SEQUENCE extranet.audit_log_id_seq TO extranet_admin;

ALTER ROLE extranet_admin SET statement_timeout = '10s';
ALTER ROLE extranet_admin SET lock_timeout = '5s';
ALTER ROLE extranet_admin SET idle_in_transaction_session_timeout = '60s';

COMMIT;

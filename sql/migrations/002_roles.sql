-- 002: least-privilege roles (SPEC §7). Apply as a superuser, after 001.
-- Idempotent: the roles are created only when missing and GRANT is a no-op
-- when the privilege is already held.
--
-- Passwords: the throwaway clusters of the demo and tests use trust auth on a
-- Unix socket, so no password is set here. In production give the role a
-- password hashed with SCRAM, outside of version control, for example in psql:
--     SET password_encryption = 'scram-sha-256';   -- the default since PG 14
--     \password extranet_module
-- (\password hashes on the client side: the clear password never reaches the
-- server logs), allow it in pg_hba.conf with
--     hostssl  extranet  extranet_module  10.0.0.0/24  scram-sha-256
-- and let libpq read it from a password file named in the connection string
-- (auth_extranet_db "... passfile=/etc/nginx/extranet.pgpass", the file owned
-- by nginx's worker user, mode 600) rather than writing password= in nginx's
-- configuration.
BEGIN;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'extranet_module') THEN
        CREATE ROLE extranet_module LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'extranet_mailer') THEN
        CREATE ROLE extranet_mailer LOGIN;
    END IF;
    -- Explicit, in case PUBLIC's default CONNECT was revoked on this database.
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO extranet_module, extranet_mailer',
                   current_database());
END
$$;

-- ---------------------------------------------------------------------------
-- extranet_module: the role in auth_extranet_db. Nothing more than the module
-- does; no ownership, no CREATE, no TRUNCATE.
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA extranet TO extranet_module;

-- The legacy accounts are read, never written (they belong to the legacy app).
-- When the table is replaced by a view, grant SELECT on the view again
-- (sql/examples/legacy_view.sql does).
GRANT SELECT ON extranet.legacy_account TO extranet_module;

GRANT SELECT, INSERT, UPDATE, DELETE ON extranet.identity         TO extranet_module;
GRANT SELECT, INSERT, UPDATE, DELETE ON extranet.identity_account TO extranet_module;

-- Sessions are revoked by UPDATE (revoked_at); DELETE only purges expired rows.
GRANT SELECT, INSERT, UPDATE, DELETE ON extranet.session          TO extranet_module;

-- Reset tokens are spent by UPDATE (used_at); they go away with the identity
-- (ON DELETE CASCADE runs with the table owner's rights, not the module's).
GRANT SELECT, INSERT, UPDATE ON extranet.password_reset           TO extranet_module;

-- Write-only: the module drops a mail into the outbox and the audit log and
-- never reads them back, so a compromised module cannot read reset links sent
-- to others nor the history. Consequence: no INSERT ... RETURNING on these two
-- tables (RETURNING needs SELECT).
GRANT INSERT ON extranet.mail_outbox TO extranet_module;
GRANT INSERT ON extranet.audit_log   TO extranet_module;

-- Lockouts: INSERT ... ON CONFLICT DO UPDATE needs SELECT and UPDATE too.
GRANT SELECT, INSERT, UPDATE, DELETE ON extranet.login_lockout    TO extranet_module;

-- nextval() for the bigserial columns of the tables the module inserts into.
GRANT USAGE ON SEQUENCE extranet.identity_id_seq,
                        extranet.mail_outbox_id_seq,
                        extranet.audit_log_id_seq
      TO extranet_module;

-- Defence in depth against a slow or stuck database (SPEC §8): no statement of
-- the module may hold a pool thread for long, nor a transaction stay open.
-- The module may still lower these per session with SET.
ALTER ROLE extranet_module SET statement_timeout = '5s';
ALTER ROLE extranet_module SET lock_timeout = '3s';
ALTER ROLE extranet_module SET idle_in_transaction_session_timeout = '30s';

-- ---------------------------------------------------------------------------
-- extranet_mailer: an example role for the site's mailer, which reads the
-- outbox and marks what it sent:
--     SELECT id, recipient, subject, body FROM extranet.mail_outbox
--      WHERE sent_at IS NULL ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED;
--     UPDATE extranet.mail_outbox SET sent_at = now() WHERE id = $1;
-- FOR UPDATE needs an UPDATE privilege, which the column grant gives.
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA extranet TO extranet_mailer;
GRANT SELECT, UPDATE (sent_at) ON extranet.mail_outbox TO extranet_mailer;

COMMIT;

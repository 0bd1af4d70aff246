-- 004: hardening (issue 7). Apply as a superuser, after 001-003.
-- Idempotent.
BEGIN;

-- Every login attempt is counted in extranet.login_lockout before its
-- password is checked (src/core/lockout_store.cpp), so that lockouts hold on
-- every node and across restarts, and parallel attempts cannot overrun the
-- limit. Rows past their window or lockout are purged by "until".
-- The module already has SELECT, INSERT, UPDATE, DELETE on the table (002).
CREATE INDEX IF NOT EXISTS login_lockout_until ON extranet.login_lockout (until);

COMMENT ON COLUMN extranet.login_lockout.until IS
    'while failures < limit: end of the counting window; from the limit on: end of the lockout';
COMMENT ON COLUMN extranet.login_lockout.failures IS
    'attempts counted in the window (each counted before its password is checked)';

COMMIT;

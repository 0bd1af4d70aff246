-- 009: a fleet of nodes on one database. Apply as a superuser, after 001-004.
-- Idempotent.
BEGIN;

-- The revocation feed: what every node must apply to its shared memory zone
-- at once, read by id (and, after a connection break or a failover, by
-- time) by one worker of each node every 250 ms. A row is written by a
-- trigger whenever a session ends, whichever way (the module's flows, the
-- support desk, an identity deleted), and by the desk's unlock; nothing in
-- the module or the desk has to remember to write it.
--   kind 'session': key is hex(sha256(cookie id)), the zone's revocation key;
--                   until is the session's end (the zone drops it then)
--   kind 'unlock':  key is a lockout key (id:<identifier>, ip:<address>)
--                   whose counters every node clears
CREATE TABLE IF NOT EXISTS extranet.revocation_feed (
    id     bigserial PRIMARY KEY,
    kind   text NOT NULL CHECK (kind IN ('session', 'unlock')),
    key    text NOT NULL CHECK (length(key) BETWEEN 1 AND 512),
    -- clock_timestamp(), not now(): the moment of the insert, so that a
    -- node's re-read by time catches a row whose transaction committed
    -- after a later id was already read
    at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    until  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS revocation_feed_at ON extranet.revocation_feed (at);
CREATE INDEX IF NOT EXISTS revocation_feed_until ON extranet.revocation_feed (until);

-- The nodes read the feed and purge its rows past their end.
GRANT SELECT, DELETE ON extranet.revocation_feed TO extranet_module;

-- Runs with the owner's rights: neither the module nor the desk may write
-- the feed directly, only by ending a session or through feed_unlock().
CREATE OR REPLACE FUNCTION extranet.feed_session_end() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
           AND NEW.expires_at > now() THEN
            INSERT INTO extranet.revocation_feed (kind, key, until)
                 VALUES ('session', encode(NEW.id_hash, 'hex'), NEW.expires_at);
        END IF;
        RETURN NEW;
    END IF;
    -- a live session deleted (its identity deleted): ended too
    IF OLD.revoked_at IS NULL AND OLD.expires_at > now() THEN
        INSERT INTO extranet.revocation_feed (kind, key, until)
             VALUES ('session', encode(OLD.id_hash, 'hex'), OLD.expires_at);
    END IF;
    RETURN OLD;
END
$$;
REVOKE ALL ON FUNCTION extranet.feed_session_end() FROM PUBLIC;

DROP TRIGGER IF EXISTS session_end_feed ON extranet.session;
CREATE TRIGGER session_end_feed
    AFTER UPDATE OF revoked_at OR DELETE ON extranet.session
    FOR EACH ROW EXECUTE FUNCTION extranet.feed_session_end();

-- The desk's unlock: the lockout's row is deleted (003 grants that) and
-- every node clears its own counters of the key.
CREATE OR REPLACE FUNCTION extranet.feed_unlock(lock_key text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO extranet.revocation_feed (kind, key, until)
         VALUES ('unlock', lock_key, now() + interval '1 day');
$$;
REVOKE ALL ON FUNCTION extranet.feed_unlock(text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'extranet_admin') THEN
        GRANT EXECUTE ON FUNCTION extranet.feed_unlock(text) TO extranet_admin;
    END IF;
END
$$;

-- The limit a lockout row was counted against, so that the desk tells a
-- key locked out (failures at the limit, until in the future) from a key
-- with a few failures in its window. NULL on rows counted before 009.
ALTER TABLE extranet.login_lockout ADD COLUMN IF NOT EXISTS lim integer;
COMMENT ON COLUMN extranet.login_lockout.lim IS
    'the limit in force when the row was last counted: locked out while failures >= lim and until > now()';

COMMIT;

-- 011: a lockout lifted anywhere is lifted on every node. Apply as a
-- superuser, after 009. Idempotent.
--
-- PostgreSQL's extranet.login_lockout is the fleet's record; each node's
-- shared-memory zone only caches its own share of the counts. Whenever a
-- row that still counts is deleted — a right password, a password reset,
-- an address confirmation, the desk's unlock — every node must clear its
-- counters of the key too, or a node that saw earlier failures keeps
-- refusing an owner PostgreSQL no longer locks out. A trigger writes the
-- feed's 'unlock' row, so that no flow has to remember to.
BEGIN;

-- Runs with the owner's rights, like feed_session_end(): the module may
-- delete lockout rows (002) but never write the feed directly.
CREATE OR REPLACE FUNCTION extranet.feed_lockout_end() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Only a row whose failures still count: not one past its window or
    -- lockout (the purge of expired rows writes nothing), nor one whose
    -- only attempt was given back (a login at the first try).
    IF OLD.failures > 0 AND OLD.until > now() THEN
        INSERT INTO extranet.revocation_feed (kind, key, until)
             VALUES ('unlock', OLD.key, now() + interval '1 day');
    END IF;
    RETURN OLD;
END
$$;
REVOKE ALL ON FUNCTION extranet.feed_lockout_end() FROM PUBLIC;

DROP TRIGGER IF EXISTS login_lockout_end_feed ON extranet.login_lockout;
CREATE TRIGGER login_lockout_end_feed
    AFTER DELETE ON extranet.login_lockout
    FOR EACH ROW EXECUTE FUNCTION extranet.feed_lockout_end();

COMMIT;

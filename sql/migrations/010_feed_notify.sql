-- 010: the revocation feed wakes the nodes. Apply as a superuser, after 009.
-- Idempotent.
BEGIN;

-- Each transaction that adds rows to the feed notifies the channel the
-- nodes LISTEN on, at its commit (so a node woken finds the rows), once
-- whatever the number of rows (one statement-level trigger; PostgreSQL also
-- folds identical notifications of one transaction). The payload is empty:
-- a node reads the feed by id as it does on its poll, so a notification
-- lost costs a poll interval, never a revocation.
CREATE OR REPLACE FUNCTION extranet.feed_notify() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_notify('extranet_revocation_feed', '');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION extranet.feed_notify() FROM PUBLIC;

DROP TRIGGER IF EXISTS revocation_feed_notify ON extranet.revocation_feed;
CREATE TRIGGER revocation_feed_notify
    AFTER INSERT ON extranet.revocation_feed
    FOR EACH STATEMENT EXECUTE FUNCTION extranet.feed_notify();

COMMIT;

-- 012: the revocation feed records the transaction of each row. Apply as a
-- superuser, after 009. Idempotent.
BEGIN;

-- A row written by a transaction that commits late (a lock waited for)
-- becomes visible after rows of higher ids that nodes have already read.
-- Each read takes the oldest transaction still running (its snapshot's
-- xmin); the next read also asks for the rows of transactions from it on,
-- so such a row is read whenever it commits. Rows from before this
-- migration have none (NULL: never matched that way; they were read).
ALTER TABLE extranet.revocation_feed ADD COLUMN IF NOT EXISTS xid xid8;
ALTER TABLE extranet.revocation_feed ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX IF NOT EXISTS revocation_feed_xid ON extranet.revocation_feed (xid);

COMMIT;

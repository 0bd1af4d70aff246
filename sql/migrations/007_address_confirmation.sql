-- 007: an address is proven before it is used (SPEC §6, link/confirm).
-- Apply as a superuser, after 001-006. Idempotent.
--
-- An identity created by linking an account to a new address is a claim
-- (email_confirmed_at NULL) until the link mailed to that address is
-- opened. A claim does not log in (password or passkey), does not receive
-- another account and does not make the address "known": several claims of
-- one address may wait side by side, and the first one whose mailbox is
-- proven (the confirmation link, or a password reset) takes the address;
-- the others are dropped with everything they attached. Claims live 48
-- hours (the module's EXTRANET_SQL_CLAIM_LIVE), then are ignored and purged.
BEGIN;

-- Existing identities and those written by hand (support desk, imports,
-- tests) count as proven: the default stamps them. The module's link
-- writes NULL explicitly.
ALTER TABLE extranet.identity
    ADD COLUMN IF NOT EXISTS email_confirmed_at timestamptz DEFAULT now();
UPDATE extranet.identity SET email_confirmed_at = created_at WHERE email_confirmed_at IS NULL;

-- One proven identity per address; any number of claims beside it.
ALTER TABLE extranet.identity DROP CONSTRAINT IF EXISTS identity_email_key;
CREATE UNIQUE INDEX IF NOT EXISTS identity_email_confirmed
    ON extranet.identity (email) WHERE email_confirmed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS identity_email ON extranet.identity (email);
CREATE INDEX IF NOT EXISTS identity_claims ON extranet.identity (created_at)
    WHERE email_confirmed_at IS NULL;

-- The confirmation links, kept like the reset links: only sha256(token).
CREATE TABLE IF NOT EXISTS extranet.address_confirmation (
    token_hash   bytea PRIMARY KEY,            -- sha256 of the mailed token
    identity_id  bigint NOT NULL REFERENCES extranet.identity (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX IF NOT EXISTS address_confirmation_identity
    ON extranet.address_confirmation (identity_id);

-- The module creates, spends (UPDATE used_at) and reads its links; they go
-- away with the claim (ON DELETE CASCADE).
GRANT SELECT, INSERT, UPDATE ON extranet.address_confirmation TO extranet_module;

-- The support desk sees whether an address is proven, never the tokens.
GRANT SELECT (email_confirmed_at) ON extranet.identity TO extranet_admin;

COMMIT;

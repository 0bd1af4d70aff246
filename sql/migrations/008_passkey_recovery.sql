-- 008: passkeys in recovery. Apply as a superuser, after 003 and 006.
-- The support desk (extranet-admin) lists an identity's passkeys, removes
-- one or all of them (on its own, or with a revoke after a stolen phone)
-- and tells the owner by mail. It sees a passkey's name, dates and
-- algorithm, never its public key nor its user handle (it has no use for
-- them); it writes mails, still never reads their subject or body.
-- Idempotent: GRANT is a no-op when the privilege is already held.
BEGIN;

GRANT SELECT (credential_id, identity_id, name, algorithm, sign_count, created_at,
              last_used_at)
      ON extranet.passkey TO extranet_admin;
GRANT DELETE ON extranet.passkey TO extranet_admin;

-- The owner's notice of a removal, written in the removal's transaction.
GRANT INSERT (recipient, subject, body) ON extranet.mail_outbox TO extranet_admin;
GRANT USAGE ON SEQUENCE extranet.mail_outbox_id_seq TO extranet_admin;

COMMIT;

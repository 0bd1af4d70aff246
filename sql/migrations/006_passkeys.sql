-- 006: passkeys (SPEC §11). Apply as a superuser, after 001 and 002.
BEGIN;

-- One row per registered passkey of an e-mail identity. A password reset
-- leaves them alone; deleting the identity takes them away.
CREATE TABLE extranet.passkey (
    credential_id  bytea PRIMARY KEY CHECK (length(credential_id) BETWEEN 1 AND 1023),
    identity_id    bigint NOT NULL REFERENCES extranet.identity (id) ON DELETE CASCADE,
    user_handle    bytea NOT NULL CHECK (length(user_handle) BETWEEN 1 AND 64),
    public_key     bytea NOT NULL,               -- the COSE_Key, as registered
    algorithm      integer NOT NULL CHECK (algorithm IN (-7, -8, -257)),
    sign_count     bigint NOT NULL DEFAULT 0 CHECK (sign_count BETWEEN 0 AND 4294967295),
    name           text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz
);
CREATE INDEX passkey_identity ON extranet.passkey (identity_id);

-- Challenges issued and not yet spent. Only sha256(challenge) is kept; the
-- row is deleted when it is used (DELETE ... RETURNING: a replay finds
-- nothing) and expires within minutes. binding_hash is sha256 of what the
-- challenge is bound to: the session's id (registration) or the random
-- value of the short cookie set with the login options (login).
CREATE TABLE extranet.passkey_challenge (
    challenge_hash  bytea PRIMARY KEY,
    purpose         text NOT NULL CHECK (purpose IN ('register', 'login')),
    binding_hash    bytea NOT NULL,
    identity_id     bigint REFERENCES extranet.identity (id) ON DELETE CASCADE,
    user_handle     bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX passkey_challenge_binding ON extranet.passkey_challenge (binding_hash);
CREATE INDEX passkey_challenge_expires ON extranet.passkey_challenge (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON extranet.passkey           TO extranet_module;
-- DELETE ... RETURNING needs SELECT.
GRANT SELECT, INSERT, DELETE         ON extranet.passkey_challenge TO extranet_module;

COMMIT;

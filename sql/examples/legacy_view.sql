-- Example: serve the legacy accounts from the legacy database itself rather
-- than from the demo table of 001_schema.sql. Adapt the names, then apply as
-- a superuser (or the owner of both schemas), after the migrations.
--
-- The module only ever runs, as extranet_module:
--     SELECT ... FROM extranet.legacy_account WHERE code = $1
--     SELECT ... FROM extranet.legacy_account WHERE code = ANY($1)
-- so any relation with the same columns works. Passwords stay where the
-- syndic's app writes them: no copy, no synchronisation job.
--
-- The hypothetical legacy tables (here in schema "legacy" of the same
-- database; shown for reference, they already exist in a real installation):
--
--   CREATE TABLE legacy.syndic (
--       code            varchar(4) PRIMARY KEY,   -- '0300'
--       raison_sociale  varchar(80) NOT NULL      -- 'Cabinet Durand'
--   );
--   CREATE TABLE legacy.coproprietaire (
--       num_compte      varchar(12) PRIMARY KEY,  -- '030000100001'
--       code_syndic     varchar(4) NOT NULL REFERENCES legacy.syndic,
--       mot_de_passe    varchar(255) NOT NULL,    -- crypt(3): $2y$, $6$...
--       libelle_lot     varchar(120),
--       actif           boolean                   -- false: account closed
--   );
--
-- If the legacy data lives in another database (or in MySQL), import it as
-- foreign tables first (postgres_fdw / mysql_fdw, IMPORT FOREIGN SCHEMA) and
-- build the same view over them.
BEGIN;

-- The demo table goes; nothing references it by foreign key, so no CASCADE.
DROP TABLE IF EXISTS extranet.legacy_account;

CREATE VIEW extranet.legacy_account AS
SELECT c.num_compte::text                   AS code,
       c.code_syndic::text                  AS syndic_code,
       coalesce(s.raison_sociale::text, '') AS syndic_name,
       c.mot_de_passe::text                 AS password_hash,
       coalesce(c.libelle_lot::text, '')    AS label,
       coalesce(c.actif, false)             AS active  -- NULL: closed
  FROM legacy.coproprietaire c
  LEFT JOIN legacy.syndic s ON s.code = c.code_syndic;
-- Keep "code" a plain column of the legacy table (a cast of varchar to text
-- is fine): "WHERE code = $1" then uses the legacy primary key index. An
-- expression such as btrim(num_compte) would need its own index:
--     CREATE INDEX ON legacy.coproprietaire (btrim(num_compte));

COMMENT ON VIEW extranet.legacy_account IS
    'Legacy accounts for ngx_http_auth_extranet_module, read-only';

-- A view runs with its owner's rights (do NOT set security_invoker): the
-- module needs SELECT on the view only, never on the legacy schema, and sees
-- only these six columns of it.
GRANT SELECT ON extranet.legacy_account TO extranet_module;
-- The support desk's tool (extranet-admin find) shows an account: every
-- column but the password hash, as migration 003 granted on the demo table.
GRANT SELECT (code, syndic_code, syndic_name, label, active)
      ON extranet.legacy_account TO extranet_admin;

COMMIT;

-- Checks extranet.legacy_account the way the module reads it, after the
-- view of legacy_view.sql (or your own) is in place. Read-only; run it as
-- a superuser, the view's owner or extranet_module:
--     sudo -u postgres psql extranet -f legacy_check.sql
-- Each query should answer what its comment says.

-- 1. The six columns, with these names and types (code text, syndic_code
--    text, syndic_name text, password_hash text, label text, active boolean).
SELECT attname AS column, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'extranet.legacy_account'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;

-- 2. Active accounts by password hash format: every row should name a
--    format; "UNKNOWN" rows can never log in (the module refuses and logs
--    them). Their costs are shown as the module groups them.
SELECT CASE
         WHEN password_hash ~ '^\$2[aby]\$[0-9]{2}\$' THEN 'bcrypt ' || substr(password_hash, 1, 7)
         WHEN password_hash ~ '^\$6\$' THEN 'sha512-crypt $6$'
         WHEN password_hash ~ '^\$5\$' THEN 'sha256-crypt $5$'
         WHEN password_hash ~ '^\$y\$' THEN 'yescrypt $y$'
         WHEN password_hash ~ '^\$1\$' THEN 'md5-crypt $1$ (weak: re-hash in the legacy app)'
         WHEN password_hash ~ '^\$scrypt\$' THEN 'scrypt (PHC)'
         WHEN password_hash ~ '^\$pbkdf2-sha256\$' THEN 'pbkdf2-sha256 (PHC)'
         ELSE 'UNKNOWN'
       END AS format,
       count(*) AS accounts
  FROM extranet.legacy_account
 WHERE active
 GROUP BY 1
 ORDER BY 2 DESC;

-- 3. Codes an owner cannot type: the module accepts 4 to 32 digits (spaces
--    typed between them are removed). Should be empty.
SELECT code FROM extranet.legacy_account WHERE code !~ '^[0-9]{4,32}$' LIMIT 20;

-- 4. Codes given twice (the view must have one row per code). Should be empty.
SELECT code, count(*) FROM extranet.legacy_account GROUP BY code HAVING count(*) > 1 LIMIT 20;

-- 5. Syndic codes that are not 1 to 16 digits (auth_extranet_partners
--    names syndics by such codes, and a link compares them). Should be empty.
SELECT code, syndic_code FROM extranet.legacy_account
 WHERE syndic_code !~ '^[0-9]{1,16}$'
 LIMIT 20;

-- 6. NULLs the module cannot use. Should be all zero.
SELECT count(*) FILTER (WHERE code IS NULL)          AS null_code,
       count(*) FILTER (WHERE syndic_code IS NULL)   AS null_syndic_code,
       count(*) FILTER (WHERE password_hash IS NULL) AS null_password_hash,
       count(*) FILTER (WHERE active IS NULL)        AS null_active,
       count(*) FILTER (WHERE syndic_name IS NULL OR label IS NULL) AS null_texts
  FROM extranet.legacy_account;

-- 7. The lookup by code uses an index (an "Index Scan" or "Index Only
--    Scan" under the view, not a "Seq Scan" on a large legacy table).
EXPLAIN SELECT * FROM extranet.legacy_account WHERE code = '030000100001';

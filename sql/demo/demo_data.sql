-- Demo data: four legacy accounts of three syndics, for `make run` and the
-- tests. Never load this in production.
--
-- The hashes are what a legacy PHP extranet typically stores, in several
-- crypt(3) formats on purpose (docs/legacy-accounts.md), each checked with libcrypt before
-- being written here:
--   account        syndic  legacy password  format
--   030000100001   0300    tilleuls-0001    $6$  sha512crypt (openssl passwd -6)
--   030000100002   0300    tilleuls-0002    $2y$ bcrypt, cost 10
--   030100200001   0301    closfleuri-01    $2y$ bcrypt, cost 10
--   040000300001   0400    monceau-0001     $y$  yescrypt
--
-- Syndics 0300 and 0301 form the partner group "gimiweb", so their accounts
-- may be linked to one e-mail; 0400 stands alone. Partner groups are nginx
-- configuration, not data:
--     auth_extranet_partners gimiweb 0300 0301;
-- (see conf.examples/partners.conf).
--
-- No identity rows: linking an account to an e-mail creates them.
BEGIN;

INSERT INTO extranet.legacy_account
    (code, syndic_code, syndic_name, label, password_hash, active)
VALUES
    ('030000100001', '0300', 'Cabinet Durand', 'Résidence Les Tilleuls — lot 12',
     '$6$1q6OBTetSqvGKXeB$mpI3BmoLzzut0aR1l/hXQ4.K3BpEo4YkDfgosPahvt6bDgGaR4AsG0mYhCA1R5j5XHOBBy4kaezAAOPyUU5AZ1',
     true),
    ('030000100002', '0300', 'Cabinet Durand', 'Résidence Les Tilleuls — lot 47',
     '$2y$10$vl6u55a4xIFqZNCpm3TZl.pxWeF4t8km91/eXjLQBGCpJpkCIjoem',
     true),
    ('030100200001', '0301', 'Gestion Martin', 'Le Clos Fleuri — lot 3',
     '$2y$10$.02vNWK4N.eQVxvdYQX8pO2hie1x4R9X23.RrI52tH9gPvsUuAExq',
     true),
    ('040000300001', '0400', 'Syndic Leroy', 'Parc Monceau — lot 8',
     '$y$j9T$Dd5D1UGn0n7fIIb.E97n50$24UTlk8/cnz6V1eYFTwmkESvcV.DtdyqQPHUxGt3eZA',
     true)
ON CONFLICT (code) DO UPDATE
    SET syndic_code   = EXCLUDED.syndic_code,
        syndic_name   = EXCLUDED.syndic_name,
        label         = EXCLUDED.label,
        password_hash = EXCLUDED.password_hash,
        active        = EXCLUDED.active;

-- The three syndics' contact details (migration 005), shown where an owner
-- is told to contact the syndic. Fictitious numbers and addresses.
INSERT INTO extranet.syndic (code, name, phone, email, address)
VALUES
    ('0300', 'Cabinet Durand', '01 42 00 03 00', 'contact@cabinet-durand.example',
     '12 rue des Tilleuls, 75011 Paris'),
    ('0301', 'Gestion Martin', '01 43 00 03 01', 'accueil@gestion-martin.example',
     '3 allée du Clos Fleuri, 92100 Boulogne-Billancourt'),
    ('0400', 'Syndic Leroy', '01 44 00 04 00', 'coproprietaires@syndic-leroy.example',
     '8 boulevard de Courcelles, 75017 Paris')
ON CONFLICT (code) DO UPDATE
    SET name    = EXCLUDED.name,
        phone   = EXCLUDED.phone,
        email   = EXCLUDED.email,
        address = EXCLUDED.address;

COMMIT;

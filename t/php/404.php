<?php
// error_page 404 /404.php: nginx keeps the 404 status.
require __DIR__ . '/extranet.php';
legacy_page('introuvable');

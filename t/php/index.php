<?php
// The front controller: the home page and every pretty URL
// (try_files ... /index.php?$args).
require __DIR__ . '/extranet.php';
legacy_page('accueil');

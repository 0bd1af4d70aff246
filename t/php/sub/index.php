<?php
require __DIR__ . '/../extranet.php';
legacy_page('documents');

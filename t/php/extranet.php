<?php
// The legacy extranet's own way of knowing who is logged in: the headers
// nginx's auth_extranet module sets, read as PHP reads any request header.

function extranet_account()
{
    return $_SERVER['HTTP_X_EXTRANET_ACCOUNT'] ?? null;
}

function h($s)
{
    return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
}

// A page of the legacy app: who is logged in, and (for the tests) every
// X-Extranet header PHP received, one "NAME=value" line each.
function legacy_page($title)
{
    header('Content-Type: text/html; charset=utf-8');
    $account = extranet_account();
    echo "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">";
    echo "<title>" . h($title) . "</title></head><body>\n";
    echo "<h1>" . h($title) . "</h1>\n";
    if ($account === null) {
        echo "<p>Vous n'êtes pas connecté.</p>\n";
    } else {
        echo "<p>Compte " . h($account) . " (syndic "
            . h($_SERVER['HTTP_X_EXTRANET_SYNDIC'] ?? '') . ")</p>\n";
    }
    $names = array_filter(array_keys($_SERVER),
                          fn($k) => strncmp($k, 'HTTP_X_EXTRANET_', 16) === 0);
    sort($names);
    echo "<pre id=\"extranet\">\n";
    echo "page=" . h($title) . "\n";
    echo "REQUEST_URI=" . h($_SERVER['REQUEST_URI'] ?? '') . "\n";
    echo "SCRIPT_NAME=" . h($_SERVER['SCRIPT_NAME'] ?? '') . "\n";
    echo "QUERY_STRING=" . h($_SERVER['QUERY_STRING'] ?? '') . "\n";
    echo "HTTP_COOKIE=" . h($_SERVER['HTTP_COOKIE'] ?? '') . "\n";
    foreach ($names as $name) {
        echo h($name) . "=" . h($_SERVER[$name]) . "\n";
    }
    echo "</pre>\n</body></html>\n";
}

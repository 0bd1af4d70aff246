#!/usr/bin/env python3
"""make bench: the auth_request peer's checker. Verifies the session cookie
as the module does (base64url, HMAC-SHA256 with the site's secret over all
but the last 32 bytes), answers 200 with X-Account (the active account) or
401, over HTTP/1.1 keep-alive.

    checker.py PORT SECRET_FILE COOKIE_NAME [SITE]

A cookie of version 2 is sealed for its site: its MAC key is
HMAC-SHA256(secret, "extranet site:" + SITE).
"""
import base64
import hashlib
import hmac
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, SECRET_FILE, NAME = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SITE = sys.argv[4] if len(sys.argv) > 4 else ''
with open(SECRET_FILE, 'rb') as f:
    SECRET = f.read()
KEYS = {1: SECRET,
        2: hmac.new(SECRET, b'extranet site:' + SITE.encode(), hashlib.sha256).digest()}


def account(token):
    try:
        raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
    except ValueError:
        return None
    if len(raw) < 37 or raw[0] not in KEYS:
        return None
    body, mac = raw[:-32], raw[-32:]
    if not hmac.compare_digest(hmac.new(KEYS[raw[0]], body, hashlib.sha256).digest(), mac):
        return None
    # version, key id, session id, issued, refreshed, method, identity, email
    i = 5
    i += 1 + body[i]
    i += 8 + 8 + 1 + 8
    i += 1 + body[i]
    n = body[i]
    return body[i + 1:i + 1 + n].decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        found = None
        for part in (self.headers.get('Cookie') or '').split(';'):
            k, _, v = part.strip().partition('=')
            if k == NAME:
                found = account(v)
                if found:
                    break
        self.send_response(200 if found else 401)
        if found:
            self.send_header('X-Account', found)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()

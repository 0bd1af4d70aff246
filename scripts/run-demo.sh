#!/usr/bin/env bash
# The demo (`make run`): the module in front of the demo legacy extranet,
# with a throwaway PostgreSQL holding the demo accounts. Runs in the
# foreground; Ctrl-C stops everything and removes every file it made.
#
#   run-demo.sh MODULE_SO [PORT]      PORT defaults to 8080
#
# Every start is fresh: a new temporary folder, a new secret, a new database.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NGINX="${NGINX:-/usr/sbin/nginx}"
NJS_MODULE="${NJS_MODULE:-/usr/lib/nginx/modules/ngx_http_js_module.so}"

die() { echo "run-demo: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: run-demo.sh MODULE_SO [PORT]"
module="$(realpath -- "$1")"
port="${2:-8080}"

[ -f "$module" ] || die "module not found: $1 (run make build)"
[ -x "$NGINX" ] || die "nginx not found: $NGINX (apt-get install nginx)"
[ -f "$NJS_MODULE" ] || die "njs module not found: $NJS_MODULE (apt-get install libnginx-mod-http-js)"
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad port: $port"

# Is a TCP port on 127.0.0.1 free? (binds it for a moment)
port_free() {
    perl -MIO::Socket::INET -e \
        'exit(IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
                                    Proto => "tcp", ReuseAddr => 1, Listen => 1) ? 0 : 1)' "$1"
}

# Does something accept connections on 127.0.0.1:PORT?
port_open() {
    perl -MIO::Socket::INET -e \
        'exit(IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0],
                                    Proto => "tcp", Timeout => 1) ? 0 : 1)' "$1"
}

# A port the kernel considers free right now.
any_free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                     Proto => "tcp", Listen => 1)->sockport, "\n"'
}

port_free "$port" || die "port $port is in use (make run PORT=...)"

legacy_port=$((port + 1))
if [ "$legacy_port" -gt 65535 ] || ! port_free "$legacy_port"; then
    legacy_port="$(any_free_port)"
fi
pg_port="$(any_free_port)"
while [ "$pg_port" = "$port" ] || [ "$pg_port" = "$legacy_port" ]; do
    pg_port="$(any_free_port)"
done
# The second site (Cabinet Durand's theme).
durand_port="$(any_free_port)"
while [ "$durand_port" = "$port" ] || [ "$durand_port" = "$legacy_port" ] || [ "$durand_port" = "$pg_port" ]; do
    durand_port="$(any_free_port)"
done

dir="$(mktemp -d /tmp/extranet-demo.XXXXXX)"
# The nginx workers (nobody) and PostgreSQL (postgres) go through it.
chmod 755 "$dir"

nginx_pid=""
pg_started=0
cleaned=0

cleanup() {
    [ "$cleaned" -eq 0 ] || return 0
    cleaned=1
    trap - INT TERM EXIT
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        echo "run-demo: stopping nginx" >&2
        kill -TERM "$nginx_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$nginx_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    if [ "$pg_started" -eq 1 ]; then
        "$here/scripts/pg.sh" stop "$dir/pg" || true
    fi
    rm -rf -- "$dir"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# 32 random bytes: the key that signs the session cookies.
(umask 077; head -c 32 /dev/urandom > "$dir/secret.key")

echo "run-demo: starting PostgreSQL on port $pg_port" >&2
pg_started=1
db="$("$here/scripts/pg.sh" start "$dir/pg" "$pg_port")" || die "PostgreSQL did not start"

# The placeholders hold paths and a conninfo: substitute them literally.
DIR="$dir" MODULE="$module" NJS="$NJS_MODULE" PORT="$port" LPORT="$legacy_port" \
DB="$db" APP="$here/demo/legacy_app.js" DPORT="$durand_port" THEMES="$here/conf.examples/themes" \
perl -pe '
    s/%%DIR%%/$ENV{DIR}/g;          s/%%MODULE%%/$ENV{MODULE}/g;
    s/%%NJS_MODULE%%/$ENV{NJS}/g;   s/%%LEGACY_PORT%%/$ENV{LPORT}/g;
    s/%%PORT%%/$ENV{PORT}/g;        s/%%DB%%/$ENV{DB}/g;
    s/%%LEGACY_APP%%/$ENV{APP}/g;   s/%%DURAND_PORT%%/$ENV{DPORT}/g;
    s/%%THEMES%%/$ENV{THEMES}/g;
    die "unknown placeholder $1\n" if /(%%[A-Z_]+%%)/;
' "$here/demo/nginx.conf.template" > "$dir/nginx.conf"

"$NGINX" -t -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
    || die "nginx -t failed (configuration: $dir/nginx.conf)"

"$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" &
nginx_pid=$!

# Wait until it answers (or died).
for _ in $(seq 1 50); do
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited; see the messages above"
    port_open "$port" && break
    sleep 0.2
done

cat <<MSG

  Extranet demo: http://127.0.0.1:$port/auth/login
  Second site (theme cabinet-durand): http://127.0.0.1:$durand_port/auth/login
  (passkeys need http://localhost:$port/auth/login: WebAuthn refuses an IP address)

  account code    password        syndic
  030000100001    tilleuls-0001   0300 Cabinet Durand
  030000100002    tilleuls-0002   0300 Cabinet Durand
  030100200001    closfleuri-01   0301 Gestion Martin
  040000300001    monceau-0001    0400 Syndic Leroy

  Syndics 0300 and 0301 are partners (group "gimiweb"): their accounts can be
  linked to one e-mail; 0400's cannot be grouped with them.
  The legacy app alone: http://127.0.0.1:$legacy_port/ (no headers there).
  Logs: $dir/error.log, $dir/access.log. Ctrl-C stops the demo.
  The demo sends no mail: a new address is confirmed, and a password reset
  done, with the link of its mail, read from the outbox:
  Mails: $here/scripts/pg.sh psql $dir/pg $pg_port -c "SELECT recipient, body FROM extranet.mail_outbox ORDER BY id"

MSG

# wait returns when nginx exits or when a trapped signal arrives.
set +e
wait "$nginx_pid"
rc=$?
set -e
nginx_pid=""
echo "run-demo: nginx exited ($rc)" >&2
exit "$rc"

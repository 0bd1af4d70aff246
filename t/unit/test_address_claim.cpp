// Unit tests of core/storage/address_claim and of the login's last check
// (login_flow), against a real, throwaway PostgreSQL 15 with the migrations
// and the demo data (scripts/pg.sh), the statements run as the module's own
// role so that its grants are tested too: a claim of an address proves
// nothing until the mailbox is proven; a login racing a password reset
// keeps no session.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/flows/login_flow.h"
#include "core/flows/settings.h"
#include "core/primitives/account_code.h"
#include "core/primitives/password.h"
#include "core/storage/address_claim.h"
#include "core/storage/database.h"
#include "core/storage/session_store.h"

using namespace extranet;
using namespace std::chrono_literals;

namespace {

std::string g_dir;
std::string g_admin;   // superuser "postgres": set-up and inspection
std::string g_module;  // the module's role

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    if (pclose(p) != 0) throw std::runtime_error(cmd + " failed:\n" + out);
    return out;
}

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        throw std::runtime_error("no free port");
    }
    close(s);
    return ntohs(a.sin_port);
}

std::string pg_sh() {
    const char* root = std::getenv("EXTRANET_ROOT");
    return std::string(root ? root : ".") + "/scripts/pg.sh";
}

HashParams cheap_hash() {
    HashParams h;
    h.scheme = HashScheme::pbkdf2_sha256;
    h.pbkdf2_iterations = 1000;
    return h;
}

Settings settings() {
    Settings s;
    s.hash = cheap_hash();
    return s;
}

// One SQL text run as the superuser; the first value ("" when none).
std::string sql(const std::string& text) {
    Database db(g_admin, 5000ms, false);
    Result r = db.exec({"", text.c_str()}, {});
    return r.empty() || r.is_null(0, 0) ? std::string() : r.get(0, 0);
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// An identity of `email` with `password`, proven or a claim, holding
// `account` when given; its id.
std::string add_identity(const std::string& email, const std::string& password, bool proven,
                         const std::string& account = "") {
    std::string hash = hash_password(password, cheap_hash());
    std::string id = sql("INSERT INTO extranet.identity (email, password_hash, default_account,"
                         " email_confirmed_at) VALUES (" + quote(email) + ", " + quote(hash) +
                         ", " + (account.empty() ? "NULL" : quote(account)) + ", " +
                         (proven ? "now()" : "NULL") + ") RETURNING id");
    if (!account.empty()) {
        sql("INSERT INTO extranet.identity_account (account_code, identity_id) VALUES (" +
            quote(account) + ", " + id + ")");
    }
    return id;
}

// A live session row of the identity on `account`.
void add_session(const std::string& id, const std::string& account, const std::string& tag) {
    sql("INSERT INTO extranet.session (id_hash, identity_id, account_code, login_method,"
        " expires_at) VALUES (sha256(" + quote(tag) + "::bytea), " + id + ", " + quote(account) +
        ", 'email', now() + interval '1 hour')");
}

void add_passkey(const std::string& id, const std::string& tag) {
    sql("INSERT INTO extranet.passkey (credential_id, identity_id, user_handle, public_key,"
        " algorithm) VALUES (sha256(" + quote(tag) + "::bytea), " + id + ", '\\x01', '\\x02', -7)");
}

std::string count(const std::string& from_where) {
    return sql("SELECT count(*) FROM " + from_where);
}

void reset_tables() {
    sql("TRUNCATE extranet.identity, extranet.identity_account, extranet.session,"
        " extranet.passkey, extranet.passkey_challenge, extranet.password_reset,"
        " extranet.audit_log, extranet.login_lockout, extranet.address_confirmation");
}

int group_setup(void**) {
    std::set_terminate([] {
        if (!g_dir.empty()) {
            std::system((pg_sh() + " stop " + g_dir + "/pg >/dev/null 2>&1").c_str());
        }
        std::abort();
    });
    try {
        char tmpl[] = "/tmp/extranet-unit-XXXXXX";
        if (!mkdtemp(tmpl)) return -1;
        g_dir = tmpl;
        chmod(g_dir.c_str(), 0755);
        int port = free_port();
        run(pg_sh() + " start " + g_dir + "/pg " + std::to_string(port) + " 2>&1");
        std::string base = "host=" + g_dir + "/pg port=" + std::to_string(port) +
                           " dbname=extranet";
        g_admin = base + " user=postgres";
        g_module = base + " user=extranet_module";
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cannot start PostgreSQL: %s\n", e.what());
        return -1;
    }
}

int group_teardown(void**) {
    if (g_dir.empty()) return 0;
    int stopped = std::system((pg_sh() + " stop " + g_dir + "/pg >/dev/null 2>&1").c_str());
    int removed = std::system(("rm -rf '" + g_dir + "'").c_str());
    g_dir.clear();
    return stopped == 0 && removed == 0 ? 0 : -1;
}

int each_setup(void**) {
    reset_tables();
    return 0;
}

LoginAttempt attempt(const std::string& email, const std::string& password) {
    LoginAttempt a;
    a.identifier = classify_identifier(email);
    a.password = password;
    a.client_addr = "192.0.2.1";
    a.now = static_cast<std::uint64_t>(std::time(nullptr));
    return a;
}

}  // namespace

// ---- claims ----

static void test_claim_does_not_make_an_account_linked(void**)
{
    add_identity("claim@example.org", "Un-mot-de-passe-1", false, "030000100002");
    Database db(g_module, 5000ms, true);
    std::optional<LegacyAccount> a = find_account(db, "030000100002");
    assert_true(a.has_value());
    assert_int_equal(a->identity_id, 0);
    std::string proven = add_identity("owner@example.org", "Un-mot-de-passe-2", true,
                                      "030000100001");
    a = find_account(db, "030000100001");
    assert_string_equal(std::to_string(a->identity_id).c_str(), proven.c_str());
}

static void test_claim_cannot_log_in_by_email(void**)
{
    add_identity("claim@example.org", "Un-mot-de-passe-1", false, "030000100002");
    Database db(g_module, 5000ms, true);
    Settings s = settings();
    LoginOutcome o = login(db, s, attempt("claim@example.org", "Un-mot-de-passe-1"));
    assert_int_equal(static_cast<int>(o.result), static_cast<int>(LoginResult::failure));
    assert_string_equal(count("extranet.session").c_str(), "0");
    // Proven, the same row logs in.
    sql("UPDATE extranet.identity SET email_confirmed_at = now()");
    o = login(db, s, attempt("claim@example.org", "Un-mot-de-passe-1"));
    assert_int_equal(static_cast<int>(o.result), static_cast<int>(LoginResult::success));
}

static void test_confirmation_link_keeps_the_claim_and_drops_the_others(void**)
{
    std::string attacker = add_identity("voisine@example.org", "Attaquant-123456", false,
                                        "030000100002");
    add_session(attacker, "030000100002", "attacker-session");
    add_passkey(attacker, "attacker-key");
    std::string owner = add_identity("voisine@example.org", "Voisine-12345678", false,
                                     "030000100001");
    Database db(g_module, 5000ms, true);
    db.begin();
    std::optional<std::vector<std::string>> keys = take_address(
        db, std::stoull(owner), "voisine@example.org", MailboxProof::confirmation_link, "x");
    db.commit();
    assert_true(keys.has_value());
    assert_int_equal(keys->size(), 1);  // the attacker's session
    assert_string_equal(count("extranet.identity WHERE id = " + attacker).c_str(), "0");
    assert_string_equal(count("extranet.passkey").c_str(), "0");
    assert_string_equal(count("extranet.session WHERE revoked_at IS NULL").c_str(), "0");
    assert_string_equal(
        count("extranet.identity WHERE id = " + owner + " AND email_confirmed_at IS NOT NULL")
            .c_str(),
        "1");
    // Her account stays hers; the attacker's is free again.
    assert_string_equal(count("extranet.identity_account WHERE identity_id = " + owner).c_str(),
                        "1");
    assert_string_equal(
        count("extranet.identity_account WHERE account_code = '030000100002'").c_str(), "0");
    assert_string_equal(count("extranet.audit_log WHERE event = 'claim_dropped'"
                              " AND account_code = '030000100002'").c_str(),
                        "1");
}

static void test_password_reset_takes_the_address_bare(void**)
{
    std::string claim = add_identity("voisine@example.org", "Attaquant-123456", false,
                                     "030000100002");
    add_session(claim, "030000100002", "attacker-session");
    add_passkey(claim, "attacker-key");
    Database db(g_module, 5000ms, true);
    db.begin();
    std::optional<std::vector<std::string>> keys = take_address(
        db, std::stoull(claim), "voisine@example.org", MailboxProof::password_reset, "x");
    db.commit();
    assert_true(keys.has_value());
    assert_int_equal(keys->size(), 1);
    assert_string_equal(
        count("extranet.identity WHERE email_confirmed_at IS NOT NULL AND default_account IS NULL")
            .c_str(),
        "1");
    assert_string_equal(count("extranet.identity_account").c_str(), "0");
    assert_string_equal(count("extranet.passkey").c_str(), "0");
    assert_string_equal(count("extranet.session WHERE revoked_at IS NULL").c_str(), "0");
    assert_string_equal(count("extranet.audit_log WHERE event = 'claim_stripped'"
                              " AND account_code = '030000100002'").c_str(),
                        "1");
}

static void test_proven_identity_is_not_taken_by_a_claim(void**)
{
    std::string owner = add_identity("voisine@example.org", "Voisine-12345678", true,
                                     "030000100001");
    std::string late = add_identity("voisine@example.org", "Attaquant-123456", false,
                                    "030000100002");
    Database db(g_module, 5000ms, true);
    db.begin();
    std::optional<std::vector<std::string>> keys = take_address(
        db, std::stoull(late), "voisine@example.org", MailboxProof::confirmation_link, "x");
    db.commit();
    assert_false(keys.has_value());
    assert_string_equal(count("extranet.identity").c_str(), "1");
    assert_string_equal(count("extranet.identity WHERE id = " + owner).c_str(), "1");
    // And the unique index refuses a second proven identity outright.
    bool refused = false;
    try {
        add_identity("voisine@example.org", "Autre-1234567890", true);
    } catch (const DatabaseError& e) {
        refused = e.unique_violation();
    }
    assert_true(refused);
}

static void test_released_account_drops_its_claim(void**)
{
    std::string claim = add_identity("typo@example.org", "Un-mot-de-passe-1", false,
                                     "030000100001");
    add_session(claim, "030000100001", "claim-session");
    Database db(g_module, 5000ms, true);
    db.begin();
    std::vector<std::string> keys = release_claimed_account(db, "030000100001", "x");
    db.commit();
    assert_int_equal(keys.size(), 1);
    assert_string_equal(count("extranet.identity").c_str(), "0");
    // A proven link is never released.
    add_identity("owner@example.org", "Un-mot-de-passe-2", true, "030000100001");
    db.begin();
    keys = release_claimed_account(db, "030000100001", "x");
    db.commit();
    assert_int_equal(keys.size(), 0);
    assert_string_equal(count("extranet.identity_account").c_str(), "1");
}

static void test_expired_claims_are_purged(void**)
{
    std::string old = add_identity("old@example.org", "Un-mot-de-passe-1", false,
                                   "030000100001");
    std::string fresh = add_identity("fresh@example.org", "Un-mot-de-passe-2", false,
                                     "030000100002");
    add_identity("proven@example.org", "Un-mot-de-passe-3", true, "030100200001");
    sql("UPDATE extranet.identity SET created_at = now() - interval '49 hours'");
    sql("UPDATE extranet.identity SET created_at = now() WHERE id = " + fresh);
    Database db(g_module, 5000ms, true);
    db.begin();
    purge_expired_claims(db);
    db.commit();
    assert_string_equal(count("extranet.identity WHERE id = " + old).c_str(), "0");
    assert_string_equal(count("extranet.identity").c_str(), "2");
    assert_string_equal(count("extranet.audit_log WHERE event = 'claim_dropped'"
                              " AND account_code = '030000100001'").c_str(),
                        "1");
}

// ---- a login racing a password reset ----

// The reset has changed the hash and revoked the sessions, not committed
// yet; the login read the old hash (the committed one) and it matches.
// Whatever the order of the rest, no session of the login may stay live.
static void test_login_racing_a_reset_keeps_no_session(void**)
{
    std::string id = add_identity("race@example.org", "Ancien-mot-de-passe", true,
                                  "030000100001");
    Database reset(g_admin + " application_name=unit_reset", 5000ms, false);
    reset.begin();
    std::string fresh = hash_password("Nouveau-mot-de-passe", cheap_hash());
    reset.exec({"", "UPDATE extranet.identity SET password_hash = $1 WHERE id = $2"},
               {fresh, id});
    reset.exec({"", "UPDATE extranet.session SET revoked_at = now() WHERE identity_id = $1"
                    " AND revoked_at IS NULL"},
               {id});

    std::atomic<bool> done{false};
    LoginOutcome outcome;
    std::thread racer([&] {
        Database db(g_module + " application_name=unit_login", 5000ms, true);
        Settings s = settings();
        outcome = login(db, s, attempt("race@example.org", "Ancien-mot-de-passe"));
        done = true;
    });
    // Either the login waits on the identity's row (it checks the hash it
    // verified under a lock), or it ends by itself: give it the time.
    Database watch(g_admin, 5000ms, false);
    for (int i = 0; i < 100 && !done; i++) {
        Result w = watch.exec({"", "SELECT count(*) FROM pg_stat_activity"
                                   " WHERE application_name = 'unit_login'"
                                   " AND wait_event_type = 'Lock'"},
                              {});
        if (w.integer(0, 0) > 0) break;
        std::this_thread::sleep_for(50ms);
    }
    reset.commit();
    racer.join();
    assert_int_not_equal(static_cast<int>(outcome.result),
                         static_cast<int>(LoginResult::success));
    assert_string_equal(count("extranet.session WHERE identity_id = " + id +
                              " AND revoked_at IS NULL").c_str(),
                        "0");
    // With the new password, of course, it logs in.
    Database db(g_module, 5000ms, true);
    Settings s = settings();
    LoginOutcome o = login(db, s, attempt("race@example.org", "Nouveau-mot-de-passe"));
    assert_int_equal(static_cast<int>(o.result), static_cast<int>(LoginResult::success));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_claim_does_not_make_an_account_linked, each_setup),
        cmocka_unit_test_setup(test_claim_cannot_log_in_by_email, each_setup),
        cmocka_unit_test_setup(test_confirmation_link_keeps_the_claim_and_drops_the_others,
                               each_setup),
        cmocka_unit_test_setup(test_password_reset_takes_the_address_bare, each_setup),
        cmocka_unit_test_setup(test_proven_identity_is_not_taken_by_a_claim, each_setup),
        cmocka_unit_test_setup(test_released_account_drops_its_claim, each_setup),
        cmocka_unit_test_setup(test_expired_claims_are_purged, each_setup),
        cmocka_unit_test_setup(test_login_racing_a_reset_keeps_no_session, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

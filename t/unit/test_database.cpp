// Unit tests of core/database against a real, throwaway PostgreSQL 15
// (scripts/pg.sh, as the integration tests use it): named and unnamed
// statements, the fall-back when a pooler shares the server session, and
// connections left broken (a transaction left open, a terminated backend).
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

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/storage/database.h"

using namespace extranet;
using namespace std::chrono_literals;

namespace {

std::string g_dir;       // the cluster's temporary folder
std::string g_conninfo;  // superuser "postgres" on database "extranet"

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

// Each test its own conninfo (application_name differs): the fall-back
// to unnamed statements is remembered per process and conninfo.
std::string conninfo(const char* name) {
    return g_conninfo + " application_name=" + name;
}

const Statement kBackendPid{"unit_backend_pid", "SELECT pg_backend_pid()"};
const Statement kNamedCount{"unit_named_count",
                            "SELECT count(*) FROM pg_prepared_statements WHERE name = $1"};
const Statement kAllNamed{"unit_all_named", "SELECT count(*) FROM pg_prepared_statements"};
const Statement kTwice{"unit_twice", "SELECT $1::int * 2, $2::text IS NULL"};
const Statement kInsert{"unit_insert", "INSERT INTO unit_row (tag) VALUES ($1)"};
const Statement kCountTag{"unit_count_tag", "SELECT count(*) FROM unit_row WHERE tag = $1"};
const Statement kTerminate{"unit_terminate", "SELECT pg_terminate_backend($1::int)"};

// A statement named NAME prepared on the session behind the Database's
// back, as another client of a pooler would.
void prepare_behind(Database& db, const char* name) {
    static int n = 0;
    std::string st_name = "unit_behind_" + std::to_string(++n);
    std::string sql = std::string("PREPARE ") + name + " AS SELECT 1";
    Statement st{st_name.c_str(), sql.c_str()};
    db.exec(st, {});
}

int group_teardown(void**);

int group_setup(void**) {
    // An exception out of a test ends the process: not with the cluster left running.
    std::set_terminate([] {
        group_teardown(nullptr);
        std::abort();
    });
    try {
        char tmpl[] = "/tmp/extranet-unit-XXXXXX";
        if (!mkdtemp(tmpl)) return -1;
        g_dir = tmpl;
        chmod(g_dir.c_str(), 0755);
        int port = free_port();
        std::string out = run("DEMO=0 " + pg_sh() + " start " + g_dir + "/pg " +
                              std::to_string(port) + " 2>&1");
        g_conninfo = "host=" + g_dir + "/pg port=" + std::to_string(port) +
                     " dbname=extranet user=postgres";
        Database db(g_conninfo, 5000ms, false);
        db.exec({"", "CREATE TABLE unit_row (tag text)"}, {});
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

}  // namespace

static void test_named_statements_are_prepared_once_per_connection(void**)
{
    Database db(conninfo("named"), 5000ms, true);
    assert_true(db.uses_prepared_statements());
    Result r = db.exec(kTwice, {"21", std::nullopt});
    assert_int_equal(r.integer(0, 0), 42);
    assert_true(r.boolean(0, 1));
    db.exec(kTwice, {"5", "x"});
    assert_int_equal(db.exec(kNamedCount, {"unit_twice"}).integer(0, 0), 1);
    assert_true(db.take_notice().empty());
}

static void test_unnamed_statements_leave_nothing_on_the_session(void**)
{
    Database db(conninfo("unnamed"), 5000ms, false);
    assert_false(db.uses_prepared_statements());
    Result r = db.exec(kTwice, {"21", std::nullopt});
    assert_int_equal(r.integer(0, 0), 42);
    assert_true(r.boolean(0, 1));
    r = db.exec(kTwice, {"4", "not null"});
    assert_int_equal(r.integer(0, 0), 8);
    assert_false(r.boolean(0, 1));
    {
        Transaction tx(db);
        db.exec(kInsert, {"unnamed"});
        tx.commit();
    }
    assert_int_equal(db.exec(kCountTag, {"unnamed"}).integer(0, 0), 1);
    // No named statement, nothing for the next transaction to rely on.
    assert_int_equal(db.exec(kAllNamed, {}).integer(0, 0), 0);
}

static void test_conflict_on_its_own_falls_back_and_runs_again_unnamed(void**)
{
    Database db(conninfo("conflict_alone"), 5000ms, true);
    prepare_behind(db, "unit_twice");
    // PREPARE unit_twice: 42P05, then the same statement unnamed.
    Result r = db.exec(kTwice, {"21", std::nullopt});
    assert_int_equal(r.integer(0, 0), 42);
    assert_false(db.uses_prepared_statements());
    std::string notice = db.take_notice();
    assert_true(notice.find("already exists") != std::string::npos);
    assert_true(notice.find("auth_extranet_db_prepared_statements off") != std::string::npos);
    assert_true(db.take_notice().empty());

    // Every connection to that conninfo follows at once; others do not.
    Database same(conninfo("conflict_alone"), 5000ms, true);
    assert_false(same.uses_prepared_statements());
    assert_int_equal(same.exec(kAllNamed, {}).integer(0, 0), 0);
    assert_true(same.take_notice().empty());
    Database other(conninfo("conflict_other"), 5000ms, true);
    assert_true(other.uses_prepared_statements());
}

static void test_missing_named_statement_falls_back(void**)
{
    Database db(conninfo("conflict_missing"), 5000ms, true);
    db.exec(kTwice, {"1", "x"});
    // A pooler handing the next transaction another server session: the
    // statement this connection prepared is not there (26000).
    db.exec({"unit_deallocate", "DEALLOCATE unit_twice"}, {});
    Result r = db.exec(kTwice, {"21", std::nullopt});
    assert_int_equal(r.integer(0, 0), 42);
    assert_false(db.uses_prepared_statements());
    assert_true(db.take_notice().find("does not exist") != std::string::npos);
}

static void test_conflict_first_in_a_transaction_starts_it_again(void**)
{
    Database db(conninfo("conflict_first_in_tx"), 5000ms, true);
    prepare_behind(db, "unit_insert");
    {
        Transaction tx(db);
        db.exec(kInsert, {"first_in_tx"});   // 42P05: ROLLBACK, BEGIN, unnamed
        db.exec(kInsert, {"first_in_tx"});
        tx.commit();
    }
    assert_int_equal(db.exec(kCountTag, {"first_in_tx"}).integer(0, 0), 2);
    assert_false(db.uses_prepared_statements());
}

static void test_conflict_later_in_a_transaction_abandons_it(void**)
{
    Database db(conninfo("conflict_later_in_tx"), 5000ms, true);
    prepare_behind(db, "unit_count_tag");
    bool unavailable = false;
    try {
        Transaction tx(db);
        db.exec(kInsert, {"later_in_tx"});
        db.exec(kCountTag, {"later_in_tx"});  // 42P05 after a write: cannot run again
        tx.commit();
    } catch (const DatabaseUnavailable& e) {
        unavailable = std::string(e.what()).find("prepared statement conflict") !=
                      std::string::npos;
    }
    assert_true(unavailable);
    assert_false(db.uses_prepared_statements());
    // Rolled back: the insert is gone, and the connection works on.
    assert_int_equal(db.exec(kCountTag, {"later_in_tx"}).integer(0, 0), 0);
}

static void test_other_errors_are_not_taken_for_conflicts(void**)
{
    Database db(conninfo("plain_error"), 5000ms, true);
    bool error = false;
    try {
        db.exec({"unit_bad", "SELECT 1 / $1::int"}, {"0"});
    } catch (const DatabaseError& e) {
        error = e.sqlstate() == "22012" && !e.prepared_statement_conflict();
    }
    assert_true(error);
    assert_true(db.uses_prepared_statements());
    assert_true(db.take_notice().empty());
}

static void test_connection_left_in_a_transaction_is_replaced(void**)
{
    Database db(conninfo("left_in_tx"), 5000ms, false);
    long long before = db.exec(kBackendPid, {}).integer(0, 0);
    db.begin();  // and nobody commits nor rolls back
    db.exec(kInsert, {"left_in_tx"});
    db.check_connection();
    long long after = db.exec(kBackendPid, {}).integer(0, 0);
    assert_true(after != before);
    assert_int_equal(db.exec(kCountTag, {"left_in_tx"}).integer(0, 0), 0);
}

static void test_connection_left_in_a_failed_transaction_is_replaced(void**)
{
    Database db(conninfo("left_failed"), 5000ms, true);
    long long before = db.exec(kBackendPid, {}).integer(0, 0);
    db.begin();
    try {
        db.exec({"unit_bad_in_tx", "SELECT 1 / $1::int"}, {"0"});
    } catch (const DatabaseError&) {
    }
    db.check_connection();
    long long after = db.exec(kBackendPid, {}).integer(0, 0);
    assert_true(after != before);
}

static void test_terminated_backend_is_noticed_without_a_round_trip(void**)
{
    Database db(conninfo("terminated"), 5000ms, true);
    Database admin(conninfo("terminator"), 5000ms, false);
    std::string pid = std::to_string(db.exec(kBackendPid, {}).integer(0, 0));
    assert_true(admin.exec(kTerminate, {pid}).boolean(0, 0));
    std::this_thread::sleep_for(200ms);  // the server's goodbye reaches the socket
    db.check_connection();
    assert_true(std::to_string(db.exec(kBackendPid, {}).integer(0, 0)) != pid);
}

static void test_terminated_backend_fails_one_statement_then_reconnects(void**)
{
    Database db(conninfo("terminated_unchecked"), 5000ms, false);
    Database admin(conninfo("terminator2"), 5000ms, false);
    std::string pid = std::to_string(db.exec(kBackendPid, {}).integer(0, 0));
    assert_true(admin.exec(kTerminate, {pid}).boolean(0, 0));
    std::this_thread::sleep_for(200ms);
    bool unavailable = false;
    try {
        db.exec(kBackendPid, {});
    } catch (const DatabaseUnavailable&) {
        unavailable = true;
    }
    assert_true(unavailable);
    assert_true(std::to_string(db.exec(kBackendPid, {}).integer(0, 0)) != pid);
}

static void test_thread_database_follows_the_latest_mode(void**)
{
    std::string c = conninfo("thread_mode");
    Database& a = thread_database(c, 5000ms, true);
    assert_true(a.uses_prepared_statements());
    Database& b = thread_database(c, 5000ms, false);
    assert_ptr_equal(&a, &b);
    assert_false(b.uses_prepared_statements());
    b.exec(kTwice, {"1", "x"});
    assert_int_equal(b.exec(kNamedCount, {"unit_twice"}).integer(0, 0), 0);
}

// Busy: the statement gave way (a lock, a serialization failure, a
// deadlock, the server short of resources); the portal answers 503 for
// these, 500 for the others.
static void test_busy_errors_are_told_apart(void**)
{
    for (const char* code : {"55P03", "40001", "40P01", "53300", "53100"}) {
        assert_true(DatabaseError("x", code).busy());
    }
    for (const char* code : {"22012", "23505", "42P05", "26000", "42501", ""}) {
        assert_false(DatabaseError("x", code).busy());
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_statements_are_prepared_once_per_connection),
        cmocka_unit_test(test_unnamed_statements_leave_nothing_on_the_session),
        cmocka_unit_test(test_conflict_on_its_own_falls_back_and_runs_again_unnamed),
        cmocka_unit_test(test_missing_named_statement_falls_back),
        cmocka_unit_test(test_conflict_first_in_a_transaction_starts_it_again),
        cmocka_unit_test(test_conflict_later_in_a_transaction_abandons_it),
        cmocka_unit_test(test_other_errors_are_not_taken_for_conflicts),
        cmocka_unit_test(test_connection_left_in_a_transaction_is_replaced),
        cmocka_unit_test(test_connection_left_in_a_failed_transaction_is_replaced),
        cmocka_unit_test(test_terminated_backend_is_noticed_without_a_round_trip),
        cmocka_unit_test(test_terminated_backend_fails_one_statement_then_reconnects),
        cmocka_unit_test(test_thread_database_follows_the_latest_mode),
        cmocka_unit_test(test_busy_errors_are_told_apart),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

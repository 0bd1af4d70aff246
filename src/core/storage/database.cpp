// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/database.h"

#include "core/primitives/metrics.h"

#include <map>

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace extranet {

namespace {

std::string connection_message(PGconn* conn) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    // One line in nginx's error log.
    for (char& c : msg) {
        if (c == '\n' || c == '\t') c = ' ';
    }
    while (!msg.empty() && msg.back() == ' ') msg.pop_back();
    return msg.empty() ? "connection failed" : msg;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// The connect_timeout (seconds, per host) unless the conninfo sets its own:
// the round-trip deadline rounded up; libpq counts whole seconds and takes
// anything below 2 as 2.
long default_connect_timeout(std::chrono::milliseconds db_timeout) {
    long seconds = static_cast<long>((db_timeout.count() + 999) / 1000);
    return seconds < 2 ? 2 : seconds;
}

// The conninfos whose server sessions turned out to be shared (a pooler in
// transaction mode): every thread's connection to them stops naming
// statements at once, rather than each meeting the conflict in turn.
std::mutex shared_sessions_mutex;
std::set<std::string> shared_sessions;

bool session_shared(const std::string& conninfo) {
    std::lock_guard<std::mutex> lock(shared_sessions_mutex);
    return shared_sessions.count(conninfo) != 0;
}

// True for the first caller only.
bool mark_session_shared(const std::string& conninfo) {
    std::lock_guard<std::mutex> lock(shared_sessions_mutex);
    return shared_sessions.insert(conninfo).second;
}

std::string one_line(std::string msg) {
    for (char& c : msg) {
        if (c == '\n' || c == '\t') c = ' ';
    }
    while (!msg.empty() && msg.back() == ' ') msg.pop_back();
    return msg;
}

}  // namespace

void Result::Free::operator()(pg_result* r) const { PQclear(r); }

Result::Result(pg_result* res) : res_(res) {}

int Result::rows() const { return res_ ? PQntuples(res_.get()) : 0; }

bool Result::is_null(int row, int col) const {
    return PQgetisnull(res_.get(), row, col) != 0;
}

std::string Result::get(int row, int col) const {
    return std::string(PQgetvalue(res_.get(), row, col),
                       static_cast<std::size_t>(PQgetlength(res_.get(), row, col)));
}

std::optional<std::string> Result::optional(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return get(row, col);
}

long long Result::integer(int row, int col) const {
    if (is_null(row, col)) return 0;
    return std::strtoll(PQgetvalue(res_.get(), row, col), nullptr, 10);
}

bool Result::boolean(int row, int col) const {
    return !is_null(row, col) && PQgetvalue(res_.get(), row, col)[0] == 't';
}

long long Result::affected() const {
    const char* n = res_ ? PQcmdTuples(res_.get()) : "";
    return *n ? std::strtoll(n, nullptr, 10) : 0;
}

void Database::Close::operator()(pg_conn* c) const { PQfinish(c); }

Database::Database(std::string conninfo, std::chrono::milliseconds timeout,
                   bool prepared_statements)
    : conninfo_(std::move(conninfo)), timeout_(timeout),
      prepared_statements_(prepared_statements) {}

Database::~Database() = default;

void Database::drop() noexcept {
    conn_.reset();
    prepared_.clear();
    tx_untouched_ = false;
}

void Database::lost() {
    std::string msg = connection_message(conn_.get());
    drop();
    throw DatabaseUnavailable("database connection lost: " + msg);
}

void Database::check_connection() {
    if (!conn_) return;
    pollfd pfd{PQsocket(conn_.get()), POLLIN, 0};
    // Nothing is due on an idle connection (a pool thread's never
    // LISTENs, only the feed's own connection does, and it is not one):
    // anything readable is the server going away (a restart, a failover,
    // an administrator's terminate, a pooler closing the client), so the
    // connection is not reused. Nor is one that an earlier task left in a
    // transaction or in the middle of a command: its state is unknown.
    if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0 || PQstatus(conn_.get()) != CONNECTION_OK ||
        PQtransactionStatus(conn_.get()) != PQTRANS_IDLE || PQisBusy(conn_.get())) {
        drop();
    }
}

bool Database::uses_prepared_statements() const {
    return prepared_statements_ && !session_shared(conninfo_);
}

std::string Database::take_notice() {
    std::string n;
    n.swap(notice_);
    return n;
}

void Database::give_up_prepared(const DatabaseError& e) {
    if (mark_session_shared(conninfo_)) {
        notice_ = "named prepared statements are not kept by this database's sessions (" +
                  std::string(e.what()) +
                  "): a pooler in transaction mode (PgBouncer?) shares them; "
                  "unnamed statements from now on, set auth_extranet_db_prepared_statements off";
    }
}

void Database::wait_socket(bool for_write, Deadline deadline) {
    pollfd pfd{PQsocket(conn_.get()), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    if (pfd.fd < 0) {
        drop();
        throw DatabaseUnavailable("database connection lost");
    }
    for (;;) {
        int ms = remaining_ms(deadline);
        if (ms == 0) break;
        int n = poll(&pfd, 1, ms);
        if (n > 0) return;
        if (n < 0 && errno != EINTR) break;
    }
    // Forget the connection. No PQcancel(): it waits for the server, which
    // may be the thing that is frozen; the role's statement_timeout ends
    // the server side.
    drop();
    count(Metric::db_timeout);
    throw DatabaseUnavailable("database did not answer in time");
}

void Database::connect() {
    drop();
    // Blocking on purpose (a pool thread may wait): libpq then applies
    // connect_timeout to each host of a multi-host conninfo in turn, which
    // its non-blocking connect does not, so a host that swallows packets
    // cannot starve the next one. Keywords before the expanded "dbname" are
    // overridden by the conninfo's own, so its connect_timeout wins.
    std::string timeout = std::to_string(default_connect_timeout(timeout_));
    const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* const values[] = {timeout.c_str(), conninfo_.c_str(), nullptr};
    count(Metric::db_connect);
    std::unique_ptr<pg_conn, Close> conn(PQconnectdbParams(keywords, values, 1));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        throw DatabaseUnavailable("database connection failed: " + connection_message(conn.get()));
    }
    // Round trips from here on are bounded by our own deadlines.
    if (PQsetnonblocking(conn.get(), 1) != 0) {
        throw DatabaseUnavailable("database connection failed: cannot go non-blocking");
    }
    conn_ = std::move(conn);
}

int Database::listen(const char* channel) {
    connect();
    std::string sql = std::string("LISTEN ") + channel;
    run(sql.c_str());
    return PQsocket(conn_.get());
}

bool Database::notified() {
    if (!conn_) throw DatabaseUnavailable("database connection lost");
    // Reads what the socket holds (libpq's socket never blocks); nothing
    // is sent, so nothing is waited for.
    if (!PQconsumeInput(conn_.get())) lost();
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_.get())) {
        any = true;
        PQfreemem(n);
    }
    // An error the server sent before it closed (an administrator's
    // terminate, a shutdown) leaves a result; the close itself comes as
    // the next read.
    while (!PQisBusy(conn_.get())) {
        PGresult* res = PQgetResult(conn_.get());
        if (res == nullptr) break;
        PQclear(res);
    }
    if (PQstatus(conn_.get()) != CONNECTION_OK) lost();
    return any;
}

Result Database::wait_result(Deadline deadline) {
    // Flush what is queued, then read until the server is done.
    for (;;) {
        int f = PQflush(conn_.get());
        if (f == 0) break;
        if (f < 0) {
            std::string msg = connection_message(conn_.get());
            drop();
            throw DatabaseUnavailable("database connection lost: " + msg);
        }
        wait_socket(true, deadline);
    }
    while (PQisBusy(conn_.get())) {
        wait_socket(false, deadline);
        if (!PQconsumeInput(conn_.get())) {
            std::string msg = connection_message(conn_.get());
            drop();
            throw DatabaseUnavailable("database connection lost: " + msg);
        }
    }
    Result first(nullptr);
    bool have = false;
    std::string error, sqlstate;
    while (PGresult* res = PQgetResult(conn_.get())) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_FATAL_ERROR && error.empty()) {
            error = PQresultErrorMessage(res);
            const char* code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            sqlstate = code ? code : "";
        }
        if (!have) {
            first = Result(res);
            have = true;
        } else {
            PQclear(res);
        }
        if (PQisBusy(conn_.get())) {
            wait_socket(false, deadline);
            if (!PQconsumeInput(conn_.get())) break;
        }
    }
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string msg = connection_message(conn_.get());
        drop();
        throw DatabaseUnavailable("database connection lost: " + msg);
    }
    if (!error.empty()) {
        error = one_line(std::move(error));
        // Class 57/08: the server is shutting down or the link broke;
        // 25006: it is read-only now (a primary demoted by a failover),
        // and a new connection finds the writable one.
        if (sqlstate.rfind("57", 0) == 0 || sqlstate.rfind("08", 0) == 0 || sqlstate == "25006") {
            drop();
            throw DatabaseUnavailable("database unavailable: " + error);
        }
        throw DatabaseError(error, sqlstate);
    }
    return first;
}

Result Database::exec_named(const Statement& st, const std::vector<const char*>& values,
                            Deadline deadline) {
    if (prepared_.find(st.name) == prepared_.end()) {
        if (!PQsendPrepare(conn_.get(), st.name, st.sql, 0, nullptr)) lost();
        wait_result(deadline);
        prepared_.insert(st.name);
    }
    if (!PQsendQueryPrepared(conn_.get(), st.name, static_cast<int>(values.size()),
                             values.data(), nullptr, nullptr, 0)) {
        lost();
    }
    return wait_result(deadline);
}

Result Database::exec_unnamed(const Statement& st, const std::vector<const char*>& values,
                              Deadline deadline) {
    // Parse, Bind, Execute and Sync in one message train: the unnamed
    // statement lives until the next Parse and never outlives this round
    // trip, so a pooler may hand the next one to another server session.
    if (!PQsendQueryParams(conn_.get(), st.sql, static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0)) {
        lost();
    }
    return wait_result(deadline);
}

Result Database::exec(const Statement& st, std::initializer_list<Param> params) {
    if (!conn_) connect();
    Deadline deadline = std::chrono::steady_clock::now() + timeout_;

    std::vector<std::string> copies;
    std::vector<const char*> values;
    copies.reserve(params.size());
    for (const Param& p : params) {
        if (p) {
            copies.emplace_back(*p);
            values.push_back(copies.back().c_str());
        } else {
            values.push_back(nullptr);
        }
    }

    if (!uses_prepared_statements()) {
        Result r = exec_unnamed(st, values, deadline);
        tx_untouched_ = false;
        return r;
    }

    // Nothing is lost by running the statement again if it is on its own
    // (autocommit) or the first of its transaction.
    bool in_tx = PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
    bool can_retry = !in_tx || tx_untouched_;
    try {
        Result r = exec_named(st, values, deadline);
        tx_untouched_ = false;
        return r;
    } catch (const DatabaseError& e) {
        if (!e.prepared_statement_conflict()) throw;
        give_up_prepared(e);
        if (!can_retry) {
            throw DatabaseUnavailable(std::string("prepared statement conflict, transaction "
                                                  "abandoned: ") + e.what());
        }
    }
    if (in_tx) {
        // The failed statement aborted a transaction that had done nothing
        // yet: start it again.
        run("ROLLBACK", deadline);
        run("BEGIN", deadline);
    }
    Result r = exec_unnamed(st, values, deadline);
    tx_untouched_ = false;
    return r;
}

Result Database::run(const char* sql) {
    if (!conn_) connect();
    return run(sql, std::chrono::steady_clock::now() + timeout_);
}

Result Database::run(const char* sql, Deadline deadline) {
    if (!PQsendQuery(conn_.get(), sql)) lost();
    return wait_result(deadline);
}

void Database::begin() {
    run("BEGIN");
    tx_untouched_ = true;
}

void Database::commit() {
    tx_untouched_ = false;
    run("COMMIT");
}

void Database::rollback() noexcept {
    tx_untouched_ = false;
    if (!conn_) return;
    try {
        run("ROLLBACK");
    } catch (...) {
        // A connection that cannot roll back is not reused.
        drop();
    }
}

Database& thread_database(const std::string& conninfo, std::chrono::milliseconds timeout,
                          bool prepared_statements) {
    // One connection per site (its conninfo) and pool thread: several
    // extranets served by one nginx each keep their own.
    thread_local std::map<std::string, std::unique_ptr<Database>, std::less<>> dbs;
    std::unique_ptr<Database>& db = dbs[conninfo];
    if (!db) db = std::make_unique<Database>(conninfo, timeout, prepared_statements);
    db->set_prepared_statements(prepared_statements);
    return *db;
}

}  // namespace extranet

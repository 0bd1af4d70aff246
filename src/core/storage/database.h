// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// PostgreSQL access for pool threads: one connection per thread, lazy
// connect, reconnect after a failure, prepared statements (or unnamed ones
// behind a pooler in transaction mode), and a deadline on every round trip
// so that a stopped or frozen server costs a bounded time.
#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
struct pg_conn;
struct pg_result;
}

namespace extranet {

// The database cannot be reached or did not answer in time: the portal
// answers 503 and the next operation reconnects.
class DatabaseUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The server refused a statement (constraint, permission, syntax): a bug
// or a misconfiguration, never the client's fault.
class DatabaseError : public std::runtime_error {
public:
    DatabaseError(const std::string& what, std::string sqlstate)
        : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }
    bool unique_violation() const { return sqlstate_ == "23505"; }
    // The statement gave way to others, the server is sound: a lock not
    // granted within the role's lock_timeout (55P03), a serialization
    // failure (40001) or deadlock (40P01), the server short of resources
    // (class 53: disk, memory, connections). The database is busy, not
    // broken: the portal answers "try again" (503), the transaction rolls
    // back and the connection is kept.
    bool busy() const {
        return sqlstate_ == "55P03" || sqlstate_ == "40001" || sqlstate_ == "40P01"
               || sqlstate_.rfind("53", 0) == 0;
    }
    // A named statement already prepared (42P05) or missing (26000) where
    // this connection did not leave it: the server session is not ours
    // alone (PgBouncer in transaction or statement mode).
    bool prepared_statement_conflict() const {
        return sqlstate_ == "42P05" || sqlstate_ == "26000";
    }

private:
    std::string sqlstate_;
};

struct Statement {
    const char* name;
    const char* sql;
};

// nullopt is SQL NULL.
using Param = std::optional<std::string_view>;

class Result {
public:
    explicit Result(pg_result* res);
    int rows() const;
    bool empty() const { return rows() == 0; }
    bool is_null(int row, int col) const;
    std::string get(int row, int col) const;
    std::optional<std::string> optional(int row, int col) const;
    long long integer(int row, int col) const;  // 0 when NULL
    bool boolean(int row, int col) const;       // 't'
    long long affected() const;

private:
    struct Free {
        void operator()(pg_result* r) const;
    };
    std::unique_ptr<pg_result, Free> res_;
};

class Database {
public:
    // prepared_statements on: each statement is prepared once per
    // connection under its name, then only bound and executed (needs the
    // server session to itself: a direct connection, or PgBouncer in
    // session mode). Off: every statement is sent unnamed, parsed, bound
    // and executed in one round trip, and nothing is left on the server
    // session between transactions (PgBouncer in transaction mode).
    Database(std::string conninfo, std::chrono::milliseconds timeout,
             bool prepared_statements = true);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Drops a connection the server has closed (restart, failover), or
    // one left in a transaction or in the middle of a command, so that the
    // next statement reconnects; costs no round trip.
    void check_connection();

    // Named statements are used when asked for and not found unusable:
    // once a conflict (DatabaseError::prepared_statement_conflict) shows
    // that a pooler shares the server session, every connection of the
    // process to the same conninfo sends unnamed statements from then on.
    // The statement that met the conflict is run again unnamed when
    // nothing else had run in its transaction; otherwise it throws
    // DatabaseUnavailable and the transaction is rolled back.
    void set_prepared_statements(bool on) { prepared_statements_ = on; }
    bool uses_prepared_statements() const;

    // A line for the error log, once per process and conninfo: why named
    // statements were given up. Empty otherwise.
    std::string take_notice();

    Result exec(const Statement& st, std::initializer_list<Param> params);

    // A connection that waits for notifications (the fleet's revocation
    // feed), kept apart from the pool threads' connections. listen()
    // connects and sends LISTEN, in a pool thread, and gives the socket
    // for an event loop to watch; notified(), called when the socket is
    // readable, reads what has arrived without waiting for anything and
    // tells whether a notification came; it throws DatabaseUnavailable
    // once the connection is lost (closed(), then listen() again).
    int listen(const char* channel);
    bool notified();
    bool closed() const { return !conn_; }
    void close() noexcept { drop(); }

    void begin();
    void commit();
    void rollback() noexcept;

private:
    struct Close {
        void operator()(pg_conn* c) const;
    };
    using Deadline = std::chrono::steady_clock::time_point;

    void connect();
    void drop() noexcept;
    Result wait_result(Deadline deadline);
    void wait_socket(bool for_write, Deadline deadline);
    Result run(const char* sql);
    Result run(const char* sql, Deadline deadline);
    Result exec_named(const Statement& st, const std::vector<const char*>& values,
                      Deadline deadline);
    Result exec_unnamed(const Statement& st, const std::vector<const char*>& values,
                        Deadline deadline);
    void give_up_prepared(const DatabaseError& e);
    void lost();  // drops the connection and throws DatabaseUnavailable

    std::string conninfo_;
    std::chrono::milliseconds timeout_;
    bool prepared_statements_;
    std::unique_ptr<pg_conn, Close> conn_;
    std::set<std::string> prepared_;
    bool tx_untouched_ = false;  // in a transaction no statement has run in yet
    std::string notice_;
};

// Commits on commit(), rolls back when it goes out of scope otherwise.
class Transaction {
public:
    explicit Transaction(Database& db) : db_(db) { db_.begin(); }
    ~Transaction() {
        if (!done_) db_.rollback();
    }
    void commit() {
        db_.commit();
        done_ = true;
    }

private:
    Database& db_;
    bool done_ = false;
};

// The calling thread's own connection to conninfo (created on first use):
// one per pool thread and site; the statement mode is that of the latest
// call.
Database& thread_database(const std::string& conninfo, std::chrono::milliseconds timeout,
                          bool prepared_statements = true);

}  // namespace extranet

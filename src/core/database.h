// PostgreSQL access for pool threads: one connection per thread, lazy
// connect, reconnect after a failure, prepared statements, and a deadline
// on every round trip so that a stopped or frozen server costs a bounded
// time.
#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

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
    Database(std::string conninfo, std::chrono::milliseconds timeout);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Drops a connection the server has closed (restart, failover), so
    // that the next statement reconnects; costs no round trip.
    void check_connection();

    Result exec(const Statement& st, std::initializer_list<Param> params);

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

    std::string conninfo_;
    std::chrono::milliseconds timeout_;
    std::unique_ptr<pg_conn, Close> conn_;
    std::set<std::string> prepared_;
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
// one per pool thread and site.
Database& thread_database(const std::string& conninfo, std::chrono::milliseconds timeout);

}  // namespace extranet

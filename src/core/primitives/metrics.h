// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the operations count, for the metrics the nginx layer publishes
// (auth_extranet_status). The core only names the events; where they are
// summed (nginx's shared zone) is the nginx layer's business, through a sink
// it installs. Safe from any thread: the sink must be.
#pragma once

#include <cstdint>

namespace extranet {

enum class Metric : std::uint8_t {
    login_code_success,
    login_code_failure,
    login_email_success,
    login_email_failure,
    login_passkey_success,
    login_passkey_failure,
    login_use_email,      // right legacy password of a linked account
    link,
    unlink,
    account_switch,
    reset_requested,
    reset_done,
    password_changed,
    logout,
    db_error,             // a statement the server refused
    db_unavailable,       // no connection, or lost
    db_timeout,           // no answer within the deadline
    db_connect,           // a new connection (the first of a thread, or again)
    count_                // not a metric: how many there are
};

using MetricSink = void (*)(Metric m, void* data);

// The calling thread's sink (a pool thread runs each task with its site's).
void set_thread_metric_sink(MetricSink sink, void* data);

// Counts m with the calling thread's sink, if any.
void count(Metric m);

}  // namespace extranet

// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Password hashes in a process of their own.
//
// The scheduler shares the CPU between groups of processes (an autogroup
// per session, or a cgroup per service), not between threads: the time a
// worker's pool threads spend hashing is the worker's group's time, and
// under a login storm the proxied requests of that worker wait for it,
// whatever the threads' own priority. A hasher process, in a scheduling
// group of its own at a lower priority, runs the hashes instead; each pool
// thread asks it over a channel of its own and waits for the answer. If the
// hasher is gone or does not answer, the thread hashes itself: a login
// never fails for it, and a hasher that stopped answering is not asked
// again.
//
// The nginx layer forks the hasher and gives both sides their end of a
// socket pair (SOCK_SEQPACKET); this file is what runs on each end.
#pragma once

#include "core/primitives/password.h"

#include <string>

namespace extranet {

// The worker's side: password jobs go to the hasher behind control_fd
// (set_password_job_runner). Call once, before the threads hash. A thread
// waits timeout_seconds for an answer (a storm on a saturated machine may
// queue a hash for seconds), then hashes itself; a hasher silent that long
// is given up (control_fd shut down, it exits; closed by
// stop_using_hash_process) and every later job runs in the thread that asks.
void use_hash_process(int control_fd, int timeout_seconds = 30);

// The worker's side, at exit: jobs run in the calling threads again, and
// control_fd is closed (the hasher sees its end close and exits).
void stop_using_hash_process();

// The hasher's side: answers the jobs of every channel a worker's thread
// opens through control_fd, each in a thread of its own, until the worker
// closes control_fd. Returns then (the caller exits).
void serve_password_jobs(int control_fd);

// The hasher's side: the next channel a worker's thread sends through
// control_fd (its descriptor), or -1 once the worker closed control_fd.
int receive_channel(int control_fd);

// The messages, for the tests: a job as the worker sends it, and the
// hasher's answer. decode_* return false for a malformed message.
std::string encode_password_job(const PasswordJob& job);
bool decode_password_job(std::string_view message, PasswordJob& job);
std::string encode_password_answer(const PasswordJob& job);
bool decode_password_answer(std::string_view message, PasswordJob& job);

}  // namespace extranet

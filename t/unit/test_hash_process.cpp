// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Unit tests of src/core/primitives/hash_process: the messages between a
// worker's threads and the hasher, a real forked hasher doing the hashes
// (the calling thread spends no CPU on them), and the thread hashing
// itself once the hasher is gone.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include "core/primitives/hash_process.h"
#include "core/primitives/password.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>

using namespace extranet;

namespace {

// Costs tens of milliseconds, so that where it ran shows in CPU time.
HashParams costly_scrypt()
{
    HashParams p;
    p.scheme = HashScheme::scrypt;
    p.scrypt_n = 1u << 14;
    p.scrypt_r = 8;
    p.scrypt_p = 2;
    return p;
}

double thread_cpu_ms()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// A hasher that takes each channel and never answers (stuck, as a child
// forked while another thread held a lock can be); its exit status is the
// number of channels it was given.
void serve_silently(int control_fd)
{
    int channels = 0;
    while (receive_channel(control_fd) >= 0) ++channels;  // kept open
    _exit(channels);
}

// A hasher process, as nginx forks it; the worker's threads wait
// timeout_seconds for its answers.
pid_t start_hasher(void (*serve)(int) = serve_password_jobs, int timeout_seconds = 30)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        serve(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    use_hash_process(sv[0], timeout_seconds);
    return pid;
}

}  // namespace

static void test_job_and_answer_survive_the_wire(void **)
{
    PasswordJob job;
    job.kind = PasswordJob::Kind::verify;
    job.password = std::string_view("p\0ss", 4);
    job.stored = "$2y$10$abcdefghijklmnopqrstuv";
    job.params = costly_scrypt();
    job.params.pbkdf2_iterations = 700000;

    std::string msg = encode_password_job(job);
    PasswordJob back;
    assert_true(decode_password_job(msg, back));
    assert_int_equal(static_cast<int>(back.kind), static_cast<int>(job.kind));
    assert_true(back.password == job.password);
    assert_true(back.stored == job.stored);
    assert_int_equal(back.params.scrypt_n, job.params.scrypt_n);
    assert_int_equal(back.params.scrypt_p, 2);
    assert_int_equal(back.params.pbkdf2_iterations, 700000);

    job.result.status = VerifyStatus::match;
    job.result.needs_rehash = true;
    job.hash = "$scrypt$x";
    PasswordJob answered;
    assert_true(decode_password_answer(encode_password_answer(job), answered));
    assert_int_equal(static_cast<int>(answered.result.status),
                     static_cast<int>(VerifyStatus::match));
    assert_true(answered.result.needs_rehash);
    assert_string_equal(answered.hash.c_str(), "$scrypt$x");
}

static void test_malformed_messages_are_refused(void **)
{
    PasswordJob job;
    job.kind = PasswordJob::Kind::hash;
    job.password = "secret";
    std::string msg = encode_password_job(job);
    PasswordJob out;

    for (std::size_t cut = 0; cut < msg.size(); ++cut) {
        assert_false(decode_password_job(msg.substr(0, cut), out));
    }
    assert_false(decode_password_job(msg + "x", out));
    std::string bad_kind = msg;
    bad_kind[0] = 9;
    assert_false(decode_password_job(bad_kind, out));

    // the hasher's "not answered", and an answer to a hash without one
    assert_false(decode_password_answer(std::string(1, '\0'), out));
    job.hash.clear();
    assert_false(decode_password_answer(encode_password_answer(job), job));
}

static void test_the_hasher_hashes_and_the_thread_waits(void **)
{
    pid_t pid = start_hasher();
    HashParams params = costly_scrypt();

    double before = thread_cpu_ms();
    std::string hash = hash_password("tilleuls-0001", params);
    VerifyResult right = verify_password("tilleuls-0001", hash, params);
    VerifyResult wrong = verify_password("tilleuls-0002", hash, params);
    verify_dummy_password("inconnu", params);
    double spent = thread_cpu_ms() - before;

    assert_true(hash.rfind("$scrypt$ln=14,r=8,p=2$", 0) == 0);
    assert_int_equal(static_cast<int>(right.status), static_cast<int>(VerifyStatus::match));
    assert_int_equal(static_cast<int>(wrong.status), static_cast<int>(VerifyStatus::mismatch));
    // four scrypt runs (and the dummy's own hash) took the hasher tens of
    // milliseconds each; this thread only sent and waited
    print_message("calling thread: %.2f ms of CPU for 5 hashes\n", spent);
    assert_true(spent < 10.0);

    // the hasher gone: the thread hashes itself, same answers
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    before = thread_cpu_ms();
    VerifyResult again = verify_password("tilleuls-0001", hash, params);
    spent = thread_cpu_ms() - before;
    assert_int_equal(static_cast<int>(again.status), static_cast<int>(VerifyStatus::match));
    assert_true(spent > 5.0);

    stop_using_hash_process();
}

static void test_the_hasher_ends_when_the_worker_closes(void **)
{
    pid_t pid = start_hasher();
    (void) hash_password("x", costly_scrypt());
    stop_using_hash_process();

    int status = -1;
    for (int i = 0; i < 200; ++i) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            break;
        }
        usleep(10000);
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

// A silent hasher: the first job waits for the answer's time, then hashes
// in the thread; the hasher is given up, so that no later job opens a
// channel to it, and it exits.
static void test_a_silent_hasher_is_given_up(void **)
{
    pid_t pid = start_hasher(serve_silently, 1);
    HashParams params = costly_scrypt();

    std::string hash = hash_password("tilleuls-0001", params);
    VerifyResult right = verify_password("tilleuls-0001", hash, params);
    VerifyResult wrong = verify_password("tilleuls-0002", hash, params);
    assert_true(hash.rfind("$scrypt$ln=14,r=8,p=2$", 0) == 0);
    assert_int_equal(static_cast<int>(right.status), static_cast<int>(VerifyStatus::match));
    assert_int_equal(static_cast<int>(wrong.status), static_cast<int>(VerifyStatus::mismatch));

    int status = -1;
    for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) != pid; ++i) usleep(10000);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);  // one channel: the first job's
    stop_using_hash_process();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_and_answer_survive_the_wire),
        cmocka_unit_test(test_malformed_messages_are_refused),
        cmocka_unit_test(test_the_hasher_hashes_and_the_thread_waits),
        cmocka_unit_test(test_the_hasher_ends_when_the_worker_closes),
        cmocka_unit_test(test_a_silent_hasher_is_given_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

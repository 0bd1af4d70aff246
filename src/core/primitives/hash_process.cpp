// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The two ends of the hasher process: the runner a worker's threads call,
// and the loop the hasher runs. See hash_process.h.
#include "core/primitives/hash_process.h"

#include "core/primitives/crypto.h"

#include <openssl/crypto.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>

namespace extranet {

namespace {

// A job is a password (the portal refuses more than a few KiB) and a stored
// hash (at most 512 bytes, password.cpp): anything larger runs in place.
constexpr std::size_t kMaxMessage = 16384;
constexpr std::size_t kMaxAnswer = 1024;

std::atomic<int> control{-1};
std::atomic<int> answer_timeout{30};
// The hasher stopped answering: jobs run in the threads. Its socket is shut
// down, not closed: another thread may be about to send on that descriptor,
// which a close would let the next socket opened (a database connection)
// take over.
std::atomic<bool> given_up{false};
thread_local int channel = -1;

void put(std::string& out, std::uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i) {
        out += static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

void put_bytes(std::string& out, std::string_view s)
{
    put(out, s.size(), 4);
    out.append(s);
}

// Reads from a message, never past its end.
struct Reader {
    std::string_view in;
    bool ok = true;

    std::uint64_t get(int bytes)
    {
        if (!ok || in.size() < static_cast<std::size_t>(bytes)) {
            ok = false;
            return 0;
        }
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) {
            v |= std::uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
        }
        in.remove_prefix(bytes);
        return v;
    }

    std::string_view bytes()
    {
        std::uint64_t n = get(4);
        if (!ok || in.size() < n) {
            ok = false;
            return {};
        }
        std::string_view s = in.substr(0, n);
        in.remove_prefix(n);
        return s;
    }
};

void close_channel()
{
    if (channel >= 0) {
        close(channel);
        channel = -1;
    }
}

// A channel of the calling thread's own: one end of a new socket pair goes
// to the hasher (which gives it a thread), the thread keeps the other.
int open_channel()
{
    int c = control.load();
    if (c < 0 || given_up.load()) {
        return -1;
    }

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }

    char byte = 'c';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof(cbuf);
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));

    ssize_t n = sendmsg(c, &msg, MSG_NOSIGNAL);
    close(sv[1]);
    if (n != 1) {
        close(sv[0]);
        return -1;
    }

    timeval tv{};
    tv.tv_sec = answer_timeout.load();
    (void) setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void) setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return sv[0];
}

bool run_in_hasher(PasswordJob& job)
{
    if (control.load() < 0 || given_up.load()) {
        return false;
    }

    std::string msg = encode_password_job(job);
    struct WipeMessage {
        std::string& s;
        ~WipeMessage() { secure_wipe(s); }
    } wipe_msg{msg};

    if (msg.size() > kMaxMessage) {
        return false;
    }
    if (channel < 0 && (channel = open_channel()) < 0) {
        return false;
    }

    if (send(channel, msg.data(), msg.size(), MSG_NOSIGNAL)
        != static_cast<ssize_t>(msg.size()))
    {
        close_channel();
        return false;
    }

    char answer[kMaxAnswer];
    ssize_t n;
    do {
        n = recv(channel, answer, sizeof(answer), MSG_TRUNC);
    } while (n < 0 && errno == EINTR);

    if (n <= 0 || static_cast<std::size_t>(n) > sizeof(answer)) {
        bool silent = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        // gone, or too slow: its answer would come after the next job's
        close_channel();
        if (silent) {
            // A hasher silent for that long is stuck (a lock another thread
            // held when the worker forked it stays held in the child): every
            // job after would wait as long. The worker's threads hash from
            // now on; its control socket shut down, the hasher exits.
            int c = control.load();
            if (!given_up.exchange(true) && c >= 0) {
                (void) shutdown(c, SHUT_RDWR);
            }
        }
        return false;
    }

    return decode_password_answer(std::string_view(answer, n), job);
}

// One channel: a job, an answer, until the worker's thread closes it.
void serve_channel(int fd)
{
    std::string buf(kMaxMessage, '\0');

    for (;;) {
        ssize_t n = recv(fd, &buf[0], buf.size(), MSG_TRUNC);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }

        std::string answer;
        PasswordJob job;
        std::size_t len = std::min(static_cast<std::size_t>(n), buf.size());

        if (static_cast<std::size_t>(n) <= buf.size()
            && decode_password_job(std::string_view(buf.data(), len), job))
        {
            try {
                run_password_job(job);
                answer = encode_password_answer(job);
            } catch (const std::exception&) {
                // the worker's thread runs it and meets the error itself
            }
        }
        OPENSSL_cleanse(&buf[0], len);

        if (answer.empty()) {
            answer.assign(1, '\0');   // not answered
        }
        if (send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) {
            break;
        }
    }

    close(fd);
}

}  // namespace

std::string encode_password_job(const PasswordJob& job)
{
    std::string out;
    out.reserve(32 + job.password.size() + job.stored.size());
    put(out, static_cast<std::uint8_t>(job.kind), 1);
    put(out, static_cast<std::uint8_t>(job.params.scheme), 1);
    put(out, job.params.scrypt_n, 8);
    put(out, job.params.scrypt_r, 4);
    put(out, job.params.scrypt_p, 4);
    put(out, job.params.pbkdf2_iterations, 4);
    put_bytes(out, job.password);
    put_bytes(out, job.stored);
    return out;
}

bool decode_password_job(std::string_view message, PasswordJob& job)
{
    Reader r{message};
    std::uint64_t kind = r.get(1);
    std::uint64_t scheme = r.get(1);
    job.params.scrypt_n = r.get(8);
    job.params.scrypt_r = static_cast<std::uint32_t>(r.get(4));
    job.params.scrypt_p = static_cast<std::uint32_t>(r.get(4));
    job.params.pbkdf2_iterations = static_cast<std::uint32_t>(r.get(4));
    job.password = r.bytes();
    job.stored = r.bytes();

    if (!r.ok || !r.in.empty()
        || kind > static_cast<std::uint8_t>(PasswordJob::Kind::dummy)
        || scheme > static_cast<std::uint8_t>(HashScheme::pbkdf2_sha256))
    {
        return false;
    }
    job.kind = static_cast<PasswordJob::Kind>(kind);
    job.params.scheme = static_cast<HashScheme>(scheme);
    return true;
}

std::string encode_password_answer(const PasswordJob& job)
{
    std::string out;
    put(out, 1, 1);   // answered
    put(out, static_cast<std::uint8_t>(job.result.status), 1);
    put(out, job.result.needs_rehash ? 1 : 0, 1);
    put_bytes(out, job.hash);
    return out;
}

bool decode_password_answer(std::string_view message, PasswordJob& job)
{
    Reader r{message};
    std::uint64_t answered = r.get(1);
    std::uint64_t status = r.get(1);
    std::uint64_t rehash = r.get(1);
    std::string_view hash = r.bytes();

    if (!r.ok || !r.in.empty() || answered != 1 || rehash > 1
        || status > static_cast<std::uint8_t>(VerifyStatus::unknown_format))
    {
        return false;
    }
    if (job.kind == PasswordJob::Kind::hash && hash.empty()) {
        return false;
    }
    job.result.status = static_cast<VerifyStatus>(status);
    job.result.needs_rehash = rehash == 1;
    job.hash.assign(hash);
    return true;
}

void use_hash_process(int control_fd, int timeout_seconds)
{
    answer_timeout.store(timeout_seconds);
    given_up.store(false);
    control.store(control_fd);
    set_password_job_runner(run_in_hasher);
}

void stop_using_hash_process()
{
    set_password_job_runner(nullptr);
    int c = control.exchange(-1);
    if (c >= 0) {
        close(c);
    }
}

int receive_channel(int control_fd)
{
    for (;;) {
        char byte;
        iovec iov{&byte, 1};
        alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof(cbuf);

        ssize_t n = recvmsg(control_fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;   // the worker is gone
        }

        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        if (cm == nullptr || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS
            || cm->cmsg_len != CMSG_LEN(sizeof(int)))
        {
            continue;
        }
        int fd;
        std::memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd;
    }
}

void serve_password_jobs(int control_fd)
{
    for (;;) {
        int fd = receive_channel(control_fd);
        if (fd < 0) {
            return;
        }
        try {
            std::thread(serve_channel, fd).detach();
        } catch (const std::exception&) {
            close(fd);   // the worker's thread hashes itself
        }
    }
}

}  // namespace extranet

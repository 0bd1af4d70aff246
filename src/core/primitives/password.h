// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Personal password hashing (scrypt, PBKDF2-SHA256 as PHC strings) and
// verification of every format a legacy account may carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace extranet {

enum class HashScheme { scrypt, pbkdf2_sha256 };

// Defaults are OWASP-listed: scrypt N=2^15 r=8 p=3 (32 MiB per hash),
// PBKDF2-HMAC-SHA256 600 000 iterations.
struct HashParams {
    HashScheme scheme = HashScheme::scrypt;
    std::uint64_t scrypt_n = 1u << 15;
    std::uint32_t scrypt_r = 8;
    std::uint32_t scrypt_p = 3;
    std::uint32_t pbkdf2_iterations = 600000;
};

// The password is hashed prepared: non-ASCII spaces as " ", then Unicode's
// NFC (RFC 8265's OpaqueString comparison); ASCII and text that is not
// UTF-8 as they are. verify_password tries the prepared form, then, when
// it differs, the bytes as typed (hashes made before; needs_rehash then),
// and verify_dummy_password spends as many hashes.
// A PHC string: "$scrypt$ln=15,r=8,p=3$<salt>$<hash>" or
// "$pbkdf2-sha256$i=600000$<salt>$<hash>" (salt 16 bytes, hash 32 bytes,
// unpadded standard base64).
std::string hash_password(std::string_view password, const HashParams& params);

enum class VerifyStatus { match, mismatch, unknown_format };

struct VerifyResult {
    VerifyStatus status = VerifyStatus::mismatch;
    // The stored hash matched but is not of the current scheme/parameters:
    // the caller re-hashes it (personal passwords only).
    bool needs_rehash = false;
};

// Verifies against a PHC string ($scrypt$, $pbkdf2-sha256$, with passlib's
// variants) or a crypt(3) string understood by libcrypt ($2y$ $2b$ $6$ $5$
// $y$ $1$). Comparison is constant-time. An unrecognised or malformed stored
// hash gives unknown_format (never a match).
VerifyResult verify_password(std::string_view password, std::string_view stored,
                             const HashParams& current);

// What verify_password makes of a stored hash, without hashing it: its
// format and the work a verification would ask for (the fuzzer checks the
// parsing through it without paying for the hash; a caller may weigh a
// hash before verifying it).
enum class StoredFormat {
    unknown,  // verify_password answers unknown_format without hashing
    scrypt,
    pbkdf2_sha256,
    bcrypt,
    sha256_crypt,
    sha512_crypt,
    yescrypt,
    md5_crypt,
};

struct StoredHashInfo {
    StoredFormat format = StoredFormat::unknown;
    // scrypt N*r*p, PBKDF2 iterations, bcrypt 2^cost, SHA-crypt rounds,
    // yescrypt N*r, MD5-crypt 1000.
    std::uint64_t work = 0;
    HashParams params;       // scrypt and pbkdf2-sha256: as decoded
    bool canonical = false;  // PHC: written the way hash_password writes it
};

StoredHashInfo inspect_stored_hash(std::string_view stored);

// Spends the time a real verification with the current parameters would,
// so that an unknown identifier cannot be told apart by timing.
void verify_dummy_password(std::string_view password, const HashParams& current);

// The format and cost of a stored hash as a site's accounts share them:
// "$2y$10$", "$6$", "$6$rounds=656000$", "$5$", "$y$j9T$", "$1$",
// "$scrypt$ln=15,r=8,p=3$", "$pbkdf2-sha256$i=600000$"; "" for a hash
// verify_password would refuse as unknown_format. Accounts of one family
// cost the same to verify, whatever their password. login_flow groups the
// legacy accounts the same way in SQL.
std::string hash_family(std::string_view stored);

// The bare key derivation functions (known-answer tests, other callers).
// They throw std::invalid_argument for parameters out of range and
// std::runtime_error if OpenSSL fails (memory).
// Hashes that need more memory than glibc maps per allocation (scrypt's
// 128*r*(N+2) bytes: 32 MiB and a little more at N=2^15, r=8) then take it
// from the hashing thread's own arena and leave it there for the next hash,
// instead of an mmap and a munmap per hash: in a threaded process each
// munmap interrupts every core running one of its threads to flush its TLB
// (the event loop's core included), and each fresh mapping is faulted in
// page by page (8 192 faults per hash). Call once, before the threads
// hash, in a process whose threads hash (an nginx worker). The price: each
// hashing thread keeps its largest hash's memory resident, and arenas keep
// a 64 MiB pad of address space (not memory) above their top. Returns false
// if the C library refused the settings.
bool keep_hash_memory();

// One of the three operations above, as the hasher process
// (hash_process.h) receives it: what is asked, and the answer.
struct PasswordJob {
    enum class Kind : std::uint8_t { hash, verify, dummy };
    Kind kind = Kind::verify;
    std::string_view password;
    std::string_view stored;   // verify
    HashParams params;         // hash: the scheme; verify, dummy: current
    std::string hash;          // hash's answer
    VerifyResult result;       // verify's answer
};

// Runs the job in the calling thread (the hasher process does).
void run_password_job(PasswordJob& job);

// Where hash_password, verify_password and verify_dummy_password run: a
// runner answers the job elsewhere and returns true, or returns false and
// the job runs in the calling thread. None by default. Set it before the
// threads hash, once.
using PasswordJobRunner = bool (*)(PasswordJob& job);
void set_password_job_runner(PasswordJobRunner runner);

std::string scrypt_raw(std::string_view password, std::string_view salt,
                       std::uint64_t n, std::uint32_t r, std::uint32_t p,
                       std::size_t len);
std::string pbkdf2_sha256_raw(std::string_view password, std::string_view salt,
                              std::uint32_t iterations, std::size_t len);

}  // namespace extranet

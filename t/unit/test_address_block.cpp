// Unit tests of core/address_block: what the per-address limits count; and
// that the routes give the limiter that block, not the address (through
// dispatch(), as the nginx layer calls it).
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <memory>
#include <string>
#include <vector>

#include "core/primitives/address_block.h"
#include "core/router/portal.h"

using namespace extranet;
using namespace std::string_literals;

static void check(const char *address, const char *block)
{
    assert_string_equal(address_block(address).c_str(), block);
}

namespace {

// Records every key asked, refuses none.
class Recorder : public AttemptLimiter {
public:
    std::vector<std::string> keys;
    bool locked(std::string_view key, std::uint64_t) override {
        keys.emplace_back(key);
        return false;
    }
    bool over_budget(std::string_view key, std::uint64_t) override {
        keys.emplace_back(key);
        return false;
    }
};

Settings settings() {
    Settings s;
    s.keys = std::make_shared<KeyRing>(std::vector<std::string>{std::string(32, 'k')});
    s.site_url = "https://extranet.example.org";
    return s;
}

PortalRequest post(std::string route, std::string content_type, std::string body,
                   std::string client_addr) {
    PortalRequest r;
    r.method = "POST";
    r.route = std::move(route);
    r.prefix = "/auth/";
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    r.wants_json = true;
    r.host = "extranet.example.org";
    r.origin = "https://extranet.example.org";
    r.client_addr = std::move(client_addr);
    r.now = 1700000000;
    return r;
}

std::string joined(const std::vector<std::string>& keys) {
    std::string out;
    for (const std::string& k : keys) out += (out.empty() ? "" : " ") + k;
    return out;
}

}  // namespace

static void test_ipv4_is_its_own_block(void **)
{
    check("198.51.100.7", "198.51.100.7");
    check("127.0.0.1", "127.0.0.1");
    check("0.0.0.0", "0.0.0.0");
}

static void test_ipv6_counts_as_its_64(void **)
{
    check("2001:db8:1:2::5", "2001:db8:1:2::/64");
    check("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64");
    check("2001:db8:1:2::", "2001:db8:1:2::/64");
    check("2001:db8::1", "2001:db8::/64");
    check("fe80::1", "fe80::/64");
    check("::1", "::/64");
    check("::", "::/64");
    check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff::/64");
}

static void test_every_address_of_a_64_gives_the_same_block(void **)
{
    for (unsigned i = 1; i < 300; i += 7) {
        char a[64];
        snprintf(a, sizeof a, "2001:db8:1:2:%x:%x::%x", i, i * 3, i * 11);
        check(a, "2001:db8:1:2::/64");
    }
    assert_string_not_equal(address_block("2001:db8:1:3::5").c_str(),
                            address_block("2001:db8:1:2::5").c_str());
}

static void test_ipv6_text_is_canonical(void **)
{
    // uppercase, leading zeros, the long form: one key for one /64
    check("2001:DB8:1:2::ABCD", "2001:db8:1:2::/64");
    check("2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::/64");
    check("2001:db8:0:0:1::1", "2001:db8::/64");
    check("2001:0:0:1::", "2001:0:0:1::/64");
}

static void test_ipv4_mapped_ipv6_is_the_ipv4_address(void **)
{
    check("::ffff:198.51.100.7", "198.51.100.7");
    check("::FFFF:198.51.100.7", "198.51.100.7");
    check("::ffff:c633:6407", "198.51.100.7");
    check("0:0:0:0:0:ffff:198.51.100.7", "198.51.100.7");
}

static void test_what_is_not_an_address_is_unchanged(void **)
{
    check("", "");
    check("unix:", "unix:");
    check("localhost", "localhost");
    check("2001:db8::1::2", "2001:db8::1::2");
    check("2001:db8:1:2::5%eth0", "2001:db8:1:2::5%eth0");
    check("[2001:db8::1]", "[2001:db8::1]");
    check("198.51.100.7:8080", "198.51.100.7:8080");
    check("2001:db8:1:2::5/64", "2001:db8:1:2::5/64");
    std::string long_text(200, '1');
    assert_string_equal(address_block(long_text).c_str(), long_text.c_str());
    std::string with_nul = "2001:db8::1\0x"s;
    assert_true(address_block(with_nul) == with_nul);
}

static void test_login_counts_the_block(void **)
{
    Settings s = settings();
    Recorder l;
    Dispatch d = dispatch(s, post("login", "application/x-www-form-urlencoded",
                                  "login=030000100001&password=x", "2001:db8:1:2::5"),
                          l);
    assert_true(static_cast<bool>(d.work));
    assert_string_equal(joined(l.keys).c_str(),
                        "hash:2001:db8:1:2::/64 id:030000100001 ip:2001:db8:1:2::/64");

    l.keys.clear();
    dispatch(s, post("login", "application/x-www-form-urlencoded",
                     "login=030000100001&password=x", "::ffff:198.51.100.7"),
             l);
    assert_string_equal(joined(l.keys).c_str(),
                        "hash:198.51.100.7 id:030000100001 ip:198.51.100.7");

    // a refused form: the failure is counted on the block as well
    l.keys.clear();
    d = dispatch(s, post("login", "application/x-www-form-urlencoded", "login=%20&password=x",
                         "2001:db8:1:2::6"),
                 l);
    assert_true(d.response.has_value());
    assert_int_equal(d.response->failures.size(), 1);
    assert_string_equal(d.response->failures[0].c_str(), "ip:2001:db8:1:2::/64");
}

static void test_passkey_challenges_count_the_block(void **)
{
    Settings s = settings();
    Recorder l;
    Dispatch d = dispatch(s, post("passkey/login/options", "application/json", "{}",
                                  "2001:db8:1:2:aaaa::1"),
                          l);
    assert_true(static_cast<bool>(d.work));
    assert_string_equal(joined(l.keys).c_str(),
                        "ip:2001:db8:1:2::/64 challenge:2001:db8:1:2::/64");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_is_its_own_block),
        cmocka_unit_test(test_ipv6_counts_as_its_64),
        cmocka_unit_test(test_every_address_of_a_64_gives_the_same_block),
        cmocka_unit_test(test_ipv6_text_is_canonical),
        cmocka_unit_test(test_ipv4_mapped_ipv6_is_the_ipv4_address),
        cmocka_unit_test(test_what_is_not_an_address_is_unchanged),
        cmocka_unit_test(test_login_counts_the_block),
        cmocka_unit_test(test_passkey_challenges_count_the_block),
    };
    return cmocka_run_group_tests_name("address_block", tests, NULL, NULL);
}

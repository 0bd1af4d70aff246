// Unit tests of core/account_switch's JSON for the "immeuble" menu.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <cstring>
#include <string>

#include "core/flows/account_switch.h"

using namespace extranet;

static LegacyAccount account(std::string code, std::string syndic, std::string label)
{
    LegacyAccount a;
    a.code = std::move(code);
    a.syndic_code = std::move(syndic);
    a.syndic_name = "Cabinet \"Durand\"";
    a.label = std::move(label);
    a.active = true;
    return a;
}

static void test_accounts_json_marks_active_and_default(void **)
{
    SessionClaims claims;
    claims.account = "030000100002";
    SessionAccounts s;
    s.accounts = {account("030000100001", "0300", "lot 12"), account("030000100002", "0300", "lot 47")};
    s.default_code = "030000100001";
    assert_string_equal(
        accounts_json(claims, s).c_str(),
        "{\"accounts\":["
        "{\"code\":\"030000100001\",\"syndic\":\"0300\",\"syndic_name\":\"Cabinet \\\"Durand\\\"\","
        "\"label\":\"lot 12\",\"active\":false,\"default\":true},"
        "{\"code\":\"030000100002\",\"syndic\":\"0300\",\"syndic_name\":\"Cabinet \\\"Durand\\\"\","
        "\"label\":\"lot 47\",\"active\":true,\"default\":false}],"
        "\"active\":\"030000100002\",\"default_account\":\"030000100001\"}");
}

static void test_accounts_json_without_default_is_null(void **)
{
    SessionClaims claims;
    claims.account = "040000300001";
    SessionAccounts s;
    s.accounts = {account("040000300001", "0400", "")};
    std::string j = accounts_json(claims, s);
    assert_non_null(strstr(j.c_str(), "\"default_account\":null"));
    assert_non_null(strstr(j.c_str(), "\"active\":true"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_json_marks_active_and_default),
        cmocka_unit_test(test_accounts_json_without_default_is_null),
    };
    return cmocka_run_group_tests_name("account_switch", tests, NULL, NULL);
}

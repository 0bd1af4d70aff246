// libFuzzer target: the address confirmation links (flows/address_confirmation:
// read_confirm_request, confirm_link, confirm_cookie, confirm_mail_body).
// Input: one byte choosing the method (GET, HEAD, POST), then the query
// string or form body as a client sends it, a newline, and the Cookie
// header.
//
// Invariants: a request is taken only with a token of the exact shape
// (43 characters of base64url), which is the one the client sent (the
// query's or form's, else the cookie's); a GET that carries a token moves
// it to the cookie, which Set-Cookie writes and find_cookie reads back
// intact; a link built from the token reads back as that token; the key
// kept in the database is 64 hex digits; the mail holds the link on a line
// of its own. Nothing throws.
#include "fuzz.h"

#include <string>

#include "core/flows/address_confirmation.h"
#include "core/flows/password_reset.h"
#include "core/primitives/cookie.h"
#include "core/primitives/form.h"

using namespace extranet;

namespace {

const std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT"};

bool base64url_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

bool token_shape(std::string_view t) {
    if (t.size() != 43) return false;
    for (char c : t) {
        if (!base64url_char(c)) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    std::string_view method = kMethods[data[0] % 4];
    std::string_view rest = fuzz_text(data + 1, size - 1);
    std::size_t nl = rest.find('\n');
    std::string_view query = rest.substr(0, nl);
    std::string_view cookie_header = nl == std::string_view::npos ? "" : rest.substr(nl + 1);

    FormResult parsed = parse_urlencoded(query, FormLimits{});
    if (parsed.error != FormError::none) {
        return 0;  // the router answers 400 before any route
    }
    Settings s;
    CookieSettings cookie = confirm_cookie(s, "/auth/");
    ConfirmRequest c = read_confirm_request(method, parsed.form, cookie_header, cookie.name);
    using Kind = ConfirmRequest::Kind;

    if (c.kind == Kind::bad_token) {
        FUZZ_CHECK(c.token.empty());
        return 0;
    }
    FUZZ_CHECK(token_shape(c.token));
    FUZZ_CHECK(is_reset_token(c.token));
    std::optional<std::string> from_cookie = find_cookie(cookie_header, cookie.name);
    if (c.kind == Kind::confirm) {
        FUZZ_CHECK(method == "POST");
        FUZZ_CHECK(c.token == parsed.form.value("token") ||
                   (parsed.form.value("token").empty() && from_cookie == c.token));
    } else if (c.kind == Kind::move_to_cookie) {
        FUZZ_CHECK(method != "POST");
        FUZZ_CHECK(c.token == parsed.form.value("token"));
        std::string set = set_cookie(cookie, c.token, 3600);
        FUZZ_CHECK(set.find_first_of("\r\n") == std::string::npos);
        std::string pair = set.substr(0, set.find(';'));
        FUZZ_CHECK(find_cookie(pair, cookie.name) == c.token);
    } else {
        FUZZ_CHECK(c.kind == Kind::show);
        FUZZ_CHECK(method != "POST" && !parsed.form.has("token"));
        FUZZ_CHECK(from_cookie == c.token);
    }

    // The key is what the database sees: fixed width, hex.
    std::string key = reset_token_key(c.token);
    FUZZ_CHECK(key.size() == 64 && key.find_first_not_of("0123456789abcdef") == std::string::npos);

    // The mailed link reads back as the same token, by the same route.
    std::string link = confirm_link("https://extranet.example", "/auth/", c.token);
    std::string_view prefix = "https://extranet.example/auth/link/confirm?";
    FUZZ_CHECK(link.compare(0, prefix.size(), prefix) == 0);
    FormResult back = parse_urlencoded(std::string_view(link).substr(prefix.size()), FormLimits{});
    FUZZ_CHECK(back.error == FormError::none);
    ConfirmRequest again = read_confirm_request("GET", back.form, "", cookie.name);
    FUZZ_CHECK(again.kind == Kind::move_to_cookie && again.token == c.token);

    std::string body = confirm_mail_body(PageContext{}, link, "030000100001", parsed.form.value("label"));
    FUZZ_CHECK(body.find("\n" + link + "\n") != std::string::npos);
    return 0;
}

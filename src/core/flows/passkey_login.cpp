// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The passkey login ceremony: the options (a challenge bound to this
// browser by a short cookie) and the assertion that opens a session on
// the identity's default account.
#include "core/flows/passkey_flow.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "core/primitives/address_block.h"
#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/primitives/webauthn.h"
#include "core/flows/passkey_ceremony.h"
#include "core/storage/lockout_store.h"
#include "core/storage/session_store.h"

namespace extranet {

using namespace passkey_ceremony;

namespace {

constexpr Text kLoginFailed = Text::passkey_error_login_failed;
constexpr Text kUnknownCredential = Text::passkey_error_unknown_credential;

const Statement kFindPasskey{
    "passkey_find",
    "SELECT p.identity_id, encode(p.user_handle, 'hex'), encode(p.public_key, 'hex'),"
    " p.sign_count, i.email, COALESCE(i.default_account, '')"
    " FROM extranet.passkey p JOIN extranet.identity i ON i.id = p.identity_id"
    " WHERE p.credential_id = decode($1, 'hex') AND i.email_confirmed_at IS NOT NULL"
    " FOR UPDATE OF p"};

const Statement kUsePasskey{
    "passkey_use",
    "UPDATE extranet.passkey SET sign_count = $2, last_used_at = now()"
    " WHERE credential_id = decode($1, 'hex')"};

// The cookie that binds a login challenge to this browser.
CookieSettings binding_cookie(const Settings& s) {
    CookieSettings c = s.cookie;
    c.name += "_passkey";
    return c;
}

// What a passkey login needs from the request, copied for the pool thread.
struct PasskeyLogin {
    RelyingParty rp;
    std::string credential_id;
    std::string client_data_json;
    std::string challenge;
    std::string authenticator_data;
    std::string signature;
    std::string user_handle;  // "" when the browser sent none
    std::string binding_hex;
    std::string client_addr;
    std::string user_agent;
    std::string next;
    std::uint64_t now = 0;
    std::optional<std::string> previous_session;
};

}  // namespace

Dispatch route_passkey_login_options(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    ans.json = true;
    if (rc.req.method != "POST") return {ans.error(405, "method", Text::common_error_method), {}};
    std::optional<RelyingParty> rp = relying_party(rc.settings.site_url);
    if (!rp) return {unavailable_rp(ans), {}};
    std::string ip_key = address_key(rc.req.client_addr);
    if (rc.limiter.locked(ip_key, rc.req.now)) return {ans.error(429, "locked", kTooMany), {}};
    // Each answer writes a challenge row: one client may not fill the
    // table (rows live 5 minutes, the expired ones purged at each write).
    if (rc.limiter.over_budget("challenge:" + address_block(rc.req.client_addr), rc.req.now)) {
        PortalResponse r = ans.error(429, "too_many_requests", kTooMany);
        r.log_level = LogLevel::info;
        r.log_message = "passkey login options: budget of this client address spent";
        return {r, {}};
    }

    // A fresh random value in a short cookie: the challenge is bound to it.
    std::string binding = base64url_encode(random_bytes(16));
    std::string binding_hex = hex_encode(sha256(binding));
    std::string set = set_cookie(binding_cookie(rc.settings), binding, kChallengeLifetime);
    BlockingWork work = [rp = *rp, binding_hex, set](Database& db) {
        std::string challenge = random_bytes(kChallengeBytes);
        store_challenge(db, challenge, "login", binding_hex, 0, "");
        PortalResponse r = json_response(
            200, "{\"publicKey\":{\"challenge\":" + json_string(base64url_encode(challenge)) +
                     ",\"rpId\":" + json_string(rp.id) + ",\"timeout\":" +
                     std::to_string(kChallengeLifetime * 1000) +
                     ",\"userVerification\":\"required\",\"allowCredentials\":[]}}");
        r.set_cookies.push_back(set);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_passkey_login(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    Answerer ans = Answerer::of(rc);
    ans.json = true;
    if (req.method != "POST") return {ans.error(405, "method", Text::common_error_method), {}};
    std::optional<RelyingParty> rp = relying_party(rc.settings.site_url);
    if (!rp) return {unavailable_rp(ans), {}};
    std::string ip_key = address_key(req.client_addr);

    auto login = std::make_shared<PasskeyLogin>();
    login->rp = *rp;
    std::optional<std::string> id = b64_field(rc.form, "id");
    std::optional<std::string> cdj = b64_field(rc.form, "clientDataJSON");
    std::optional<std::string> ad = b64_field(rc.form, "authenticatorData");
    std::optional<std::string> sig = b64_field(rc.form, "signature");
    std::optional<ClientData> cd = cdj ? parse_client_data(*cdj) : std::nullopt;
    std::string handle_text = rc.form.value("userHandle");
    std::optional<std::string> handle =
        handle_text.empty() ? std::optional<std::string>("") : base64url_decode(handle_text);
    if (!id || !cdj || !ad || !sig || !cd || !handle) {
        PortalResponse r = ans.error(400, "bad_request", kBadResponse);
        r.log_level = LogLevel::info;
        r.log_message = "passkey login: missing or malformed response";
        r.failures = {ip_key};
        return {r, {}};
    }
    if (rc.limiter.locked(ip_key, req.now)) return {ans.error(429, "locked", kTooMany), {}};
    std::optional<std::string> binding = find_cookie(req.cookie, binding_cookie(rc.settings).name);

    login->credential_id = std::move(*id);
    login->client_data_json = std::move(*cdj);
    login->challenge = cd->challenge;
    login->authenticator_data = std::move(*ad);
    login->signature = std::move(*sig);
    login->user_handle = std::move(*handle);
    login->binding_hex = binding ? hex_encode(sha256(*binding)) : std::string();
    login->client_addr = req.client_addr;
    login->user_agent = req.user_agent;
    login->next = safe_next(rc.form.value("next"));
    login->now = req.now;
    if (req.session) login->previous_session = req.session->session_id;

    const Settings& s = rc.settings;
    std::string clear = set_cookie(binding_cookie(s), "", 0);
    BlockingWork work = [&s, ans, login, ip_key, clear](Database& db) {
        const PasskeyLogin& l = *login;
        auto failed = [&](int status, std::string_view code, Text message,
                          std::string why) {
            PortalResponse r = ans.error(status, code, message);
            r.failures = {ip_key};
            r.set_cookies.push_back(clear);
            r.log_level = LogLevel::error;
            r.log_message = "passkey login failed: " + why;
            return r;
        };

        // Counted in PostgreSQL before the work, as a password login's
        // address is: the nodes of a fleet and a restart meet one limit.
        // A passkey proven gives the attempt back.
        if (count_attempt(db, s.lockout, ip_key).locked) {
            return failed(429, "locked", kTooMany, "address locked out");
        }
        std::optional<SpentChallenge> c = spend_challenge(db, l.challenge);
        if (!c || c->purpose != "login" || !c->live || l.binding_hex.empty() ||
            !constant_time_equal(c->binding_hex, l.binding_hex)) {
            return failed(400, "wrong_challenge", kExpired,
                          c ? "challenge expired or bound to another browser"
                            : "unknown or spent challenge");
        }

        Transaction tx(db);
        Result row = db.exec(kFindPasskey, {hex_encode(l.credential_id)});
        if (row.empty()) {
            audit_event(db, "login_failure", false, 0, "", l.client_addr,
                          "passkey: unknown credential");
            tx.commit();
            return failed(401, "unknown_credential", kUnknownCredential, "unknown credential");
        }
        std::uint64_t identity = static_cast<std::uint64_t>(row.integer(0, 0));
        std::string user_handle = from_hex(row.get(0, 1)).value_or("");
        std::string public_key = from_hex(row.get(0, 2)).value_or("");
        std::uint32_t stored = static_cast<std::uint32_t>(row.integer(0, 3));
        std::string email = row.get(0, 4);
        std::string default_code = row.get(0, 5);

        WebAuthnError e = WebAuthnError::none;
        std::uint32_t count = 0;
        if (!l.user_handle.empty() && !constant_time_equal(l.user_handle, user_handle)) {
            e = WebAuthnError::bad_signature;  // a response for another user
        } else {
            AssertionResult v = verify_assertion(l.rp, l.challenge, l.client_data_json,
                                                 l.authenticator_data, l.signature, public_key,
                                                 stored);
            e = v.error;
            count = v.sign_count;
        }
        if (e != WebAuthnError::none) {
            audit_event(db, "login_failure", false, identity, email, l.client_addr,
                          "passkey: " + std::string(error_code(e)));
            tx.commit();
            return failed(401, error_code(e), webauthn_error_text(e),
                          std::string(error_code(e)) + " for identity " +
                              std::to_string(identity));
        }

        std::vector<LegacyAccount> accounts = linked_accounts(db, identity);
        if (accounts.empty()) {
            audit_event(db, "login_failure", false, identity, email, l.client_addr,
                          "passkey: no linked account left");
            tx.commit();
            return failed(401, "invalid_credentials", kLoginFailed, "no linked account left");
        }
        db.exec(kUsePasskey, {hex_encode(l.credential_id), std::to_string(count)});
        auto active = std::find_if(accounts.begin(), accounts.end(),
                                   [&](const LegacyAccount& a) { return a.code == default_code; });
        if (active == accounts.end()) active = accounts.begin();
        SessionClaims claims = create_session(db, s, LoginMethod::email, identity, email,
                                              *active, accounts, l.client_addr, l.user_agent,
                                              l.now);
        if (l.previous_session) revoke_session(db, *l.previous_session);
        AuditEntry a;
        a.event = "login";
        a.identity_id = identity;
        a.account = claims.account;
        a.identifier = email;
        a.client_addr = l.client_addr;
        a.detail = "passkey";
        audit(db, a);
        tx.commit();
        // The owner proved who they are: as with the right password, the
        // identifier's count ends on every node and the address's attempt
        // is given back.
        clear_lockout(db, "id:" + email);
        refund_attempt(db, s.lockout, ip_key);

        PortalResponse r = json_response(
            200, "{\"ok\":true,\"login\":\"passkey\",\"account\":" + json_string(claims.account) +
                     ",\"redirect\":" + json_string(l.next) + "}");
        r.set_cookies.push_back(session_cookie(s, claims));
        r.set_cookies.push_back(clear);
        r.successes.push_back("id:" + email);
        if (l.previous_session) r.revoke.push_back(session_key(*l.previous_session));
        return r;
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet

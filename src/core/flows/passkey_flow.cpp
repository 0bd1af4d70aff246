// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/passkey_flow.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "core/primitives/address_block.h"
#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/primitives/password.h"
#include "core/flows/link_flow.h"
#include "core/flows/manage_flow.h"
#include "core/flows/passkey_ceremony.h"
#include "core/flows/access_mail.h"
#include "core/storage/address_claim.h"
#include "core/storage/lockout_store.h"
#include "core/storage/session_store.h"
#include "core/primitives/webauthn.h"

namespace extranet {

using namespace passkey_ceremony;

namespace {

constexpr std::size_t kMaxPasskeys = 20;           // per identity

constexpr Text kEmailOnly = Text::passkey_error_email_only;
constexpr Text kMissingPassword = Text::passkey_error_missing_password;
constexpr Text kWrongPassword = Text::common_error_wrong_password;
constexpr Text kHiddenChars = Text::passkey_error_hidden_chars;

// The password checked before a registration challenge is issued: a
// session alone, however it was obtained, adds no passkey.
const Statement kPasswordHash{
    "passkey_password_hash",
    "SELECT password_hash FROM extranet.identity WHERE id = $1"};

const Statement kUserHandle{
    "passkey_user_handle",
    "SELECT encode(user_handle, 'hex') FROM extranet.passkey WHERE identity_id = $1"
    " ORDER BY created_at LIMIT 1"};

// base64url without padding, as WebAuthn and passkey.js write ids.
#define EXTRANET_B64URL(col) "translate(encode(" col ", 'base64'), E'+/=\\n', '-_')"

const Statement kCredentialIds{
    "passkey_credential_ids",
    "SELECT " EXTRANET_B64URL("credential_id") " FROM extranet.passkey"
    " WHERE identity_id = $1 ORDER BY created_at"};

const Statement kListPasskeys{
    "passkey_list",
    "SELECT " EXTRANET_B64URL("credential_id") ", name,"
    " to_char(created_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY HH24:MI'),"
    " COALESCE(to_char(last_used_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY HH24:MI'), '')"
    " FROM extranet.passkey WHERE identity_id = $1 ORDER BY created_at DESC, credential_id"
    " LIMIT 50"};

const Statement kInsertPasskey{
    "passkey_insert",
    "INSERT INTO extranet.passkey (credential_id, identity_id, user_handle, public_key,"
    " algorithm, sign_count, name) VALUES (decode($1, 'hex'), $2, decode($3, 'hex'),"
    " decode($4, 'hex'), $5, $6, $7)"};

const Statement kDeletePasskey{
    "passkey_delete",
    "DELETE FROM extranet.passkey WHERE credential_id = decode($1, 'hex') AND identity_id = $2"
    " RETURNING name"};

#undef EXTRANET_B64URL

bool email_session(const SessionClaims& c) {
    return c.method == LoginMethod::email && c.identity_id != 0;
}

// A claim of an address registers nothing until the mailbox is proven.
PortalResponse unconfirmed(const Answerer& ans) {
    return ans.error(403, "address_unconfirmed", Text::passkey_error_unconfirmed);
}

PortalResponse refused(const Answerer& ans, int status, WebAuthnError e,
                       std::string_view what) {
    PortalResponse r = ans.error(status, error_code(e), webauthn_error_text(e));
    r.log_level = LogLevel::info;
    r.log_message = "passkey " + std::string(what) + " refused: " + std::string(error_code(e));
    return r;
}

// The owner's mail about a passkey added or removed, in its transaction.
void notify(Database& db, const PageContext& page, std::string_view email, AccessChange change,
            std::string_view client_addr, std::string_view user_agent, std::uint64_t now) {
    AccessNotice n;
    n.change = change;
    n.client_addr = std::string(client_addr);
    n.user_agent = std::string(user_agent);
    n.at = now;
    notify_access(db, page, email, n);
}

// The name the browser shows in its passkey prompt: the site's product name.
std::string rp_json(const Answerer& ans, const RelyingParty& rp) {
    return "{\"id\":" + json_string(rp.id) + ",\"name\":" +
           json_string(page_text(ans.page, Text::product_name)) + "}";
}

}  // namespace

std::vector<PasskeyItem> list_passkeys(Database& db, std::uint64_t identity_id) {
    std::vector<PasskeyItem> out;
    Result r = db.exec(kListPasskeys, {std::to_string(identity_id)});
    for (int i = 0; i < r.rows(); i++) {
        PasskeyItem k;
        k.id = r.get(i, 0);
        k.name = r.get(i, 1);
        k.created = r.get(i, 2);
        k.last_used = r.get(i, 3);
        out.push_back(std::move(k));
    }
    return out;
}

Dispatch route_passkey_register_options(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    ans.json = true;  // called by passkey.js only
    if (rc.req.method != "POST") return {ans.error(405, "method", Text::common_error_method), {}};
    const SessionClaims& claims = *rc.req.session;
    if (!email_session(claims)) return {ans.error(403, "email_only", kEmailOnly), {}};
    std::optional<RelyingParty> rp = relying_party(rc.settings.site_url);
    if (!rp) return {unavailable_rp(ans), {}};
    // A passkey logs in without the password, for as long as it exists:
    // adding one asks for the current password, as a password change and
    // an unlink do. Without it no challenge is issued, and a registration
    // without a challenge of this session is refused: the form route
    // (passkey/register) is covered too.
    auto password = std::make_shared<const Secret>(rc.form.value("current_password"));
    if (password->value.empty()) {
        return {ans.error(400, "missing_password", kMissingPassword, "current_password"), {}};
    }
    std::string id_key = "id:" + claims.email;
    std::string ip_key = address_key(rc.req.client_addr);
    bool locked = rc.limiter.locked(id_key, rc.req.now) || rc.limiter.locked(ip_key, rc.req.now);
    std::string addr = rc.req.client_addr;

    const Settings& s = rc.settings;
    BlockingWork work = [&s, ans, claims, rp = *rp, password, locked, id_key, ip_key,
                         addr](Database& db) {
        std::string id = std::to_string(claims.identity_id);
        // Counted in PostgreSQL before the hash, as a login's password and a
        // password change's current one are: guesses spread over the nodes
        // of a fleet or across a restart meet one limit.
        const LockoutRules& rules = s.lockout;
        bool over = count_attempts(db, rules, {{id_key, rules.identifier}, {ip_key, rules.address}});
        // Tens of milliseconds by design: before the transaction, not in it.
        Result who = db.exec(kPasswordHash, {id});
        if (who.empty()) return ans.login_required();
        std::string why;
        if (locked || over) {
            verify_dummy_password(password->value, s.hash);
            why = "locked out";
        } else {
            VerifyResult v = verify_password(password->value, who.get(0, 0), s.hash);
            if (v.status != VerifyStatus::match) {
                why = v.status == VerifyStatus::unknown_format ? "unknown password hash format"
                                                               : "wrong password";
            }
        }
        if (!why.empty()) {
            audit_event(db, "passkey_add", false, claims.identity_id, claims.email, addr,
                        "password: " + why);
            PortalResponse r = ans.error(401, "invalid_password", kWrongPassword,
                                         "current_password");
            r.failures = {id_key, ip_key};
            r.log_level = LogLevel::error;
            r.log_message = "passkey registration for \"" + claims.email + "\" refused: " + why;
            return r;
        }

        Transaction tx(db);
        if (!lock_open_session(db, s, claims)) return ans.login_required();
        if (!identity_confirmed(db, claims.identity_id)) return unconfirmed(ans);
        Result handle = db.exec(kUserHandle, {id});
        std::string user_handle = handle.empty() ? random_bytes(32)
                                                 : from_hex(handle.get(0, 0)).value_or("");
        if (user_handle.empty()) user_handle = random_bytes(32);
        std::string challenge = random_bytes(kChallengeBytes);
        store_challenge(db, challenge, "register", session_key(claims.session_id),
                        claims.identity_id, user_handle);
        Result existing = db.exec(kCredentialIds, {id});
        tx.commit();
        // The right password: the identifier's count ends, the address's
        // attempt is given back.
        attempt_succeeded(db, rules, id_key, ip_key);

        std::string exclude;
        for (int i = 0; i < existing.rows(); i++) {
            if (!exclude.empty()) exclude += ",";
            exclude += "{\"type\":\"public-key\",\"id\":" + json_string(existing.get(i, 0)) + "}";
        }
        std::string body =
            "{\"publicKey\":{\"challenge\":" + json_string(base64url_encode(challenge)) +
            ",\"rp\":" + rp_json(ans, rp) + ",\"user\":{\"id\":" +
            json_string(base64url_encode(user_handle)) + ",\"name\":" +
            json_string(claims.email) + ",\"displayName\":" + json_string(claims.email) +
            "},\"pubKeyCredParams\":[{\"type\":\"public-key\",\"alg\":-8},"
            "{\"type\":\"public-key\",\"alg\":-7},{\"type\":\"public-key\",\"alg\":-257}],"
            "\"timeout\":" + std::to_string(kChallengeLifetime * 1000) +
            ",\"authenticatorSelection\":{\"residentKey\":\"required\","
            "\"requireResidentKey\":true,\"userVerification\":\"required\"},"
            "\"attestation\":\"none\",\"excludeCredentials\":[" + exclude + "]}}";
        PortalResponse r = json_response(200, std::move(body));
        r.successes.push_back(id_key);
        return r;
    };
    return {std::nullopt, std::move(work)};  // the router sends it to the hashing pool
}

Dispatch route_passkey_register(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    if (rc.req.method != "POST") return {ans.error(405, "method", Text::common_error_method), {}};
    const SessionClaims& claims = *rc.req.session;
    if (!email_session(claims)) return {ans.error(403, "email_only", kEmailOnly), {}};
    std::optional<RelyingParty> rp = relying_party(rc.settings.site_url);
    if (!rp) return {unavailable_rp(ans), {}};

    std::optional<std::string> cdj = b64_field(rc.form, "clientDataJSON");
    std::optional<std::string> att = b64_field(rc.form, "attestationObject");
    std::optional<ClientData> cd = cdj ? parse_client_data(*cdj) : std::nullopt;
    if (!cdj || !att || !cd) {
        PortalResponse r = ans.error(400, "bad_request", kBadResponse);
        r.log_level = LogLevel::info;
        r.log_message = "passkey registration: missing or malformed response";
        return {r, {}};
    }
    if (has_hidden_chars(rc.form.value("name"))) {
        return {ans.error(400, "name_invalid", kHiddenChars, "name"), {}};
    }
    std::optional<std::string> name = passkey_name(rc.page, rc.form.value("name"), rc.req.user_agent);
    if (!name) {
        return {ans.error(400, "name_too_long", Text::passkey_error_name_too_long, "name"),
                {}};
    }
    std::string sent_id = rc.form.value("id");

    const Settings& s = rc.settings;
    std::string addr = rc.req.client_addr;
    std::string ua = rc.req.user_agent;
    std::uint64_t now = rc.req.now;
    std::string challenge = cd->challenge;
    BlockingWork work = [&s, ans, claims, rp = *rp, cdj = *cdj, att = *att, challenge,
                         name = *name, sent_id, addr, ua, now](Database& db) {
        std::optional<SpentChallenge> c = spend_challenge(db, challenge);
        if (!c || c->purpose != "register" || !c->live || c->identity_id != claims.identity_id ||
            !constant_time_equal(c->binding_hex, session_key(claims.session_id))) {
            return refused(ans, 400, WebAuthnError::wrong_challenge, "registration");
        }
        RegistrationResult v = verify_registration(rp, challenge, cdj, att);
        if (v.error != WebAuthnError::none) return refused(ans, 400, v.error, "registration");
        if (!sent_id.empty() && sent_id != base64url_encode(v.credential.credential_id)) {
            return refused(ans, 400, WebAuthnError::bad_encoding, "registration");
        }

        Transaction tx(db);
        if (!lock_open_session(db, s, claims)) return ans.login_required();
        if (!identity_confirmed(db, claims.identity_id)) return unconfirmed(ans);
        std::string id = std::to_string(claims.identity_id);
        if (static_cast<std::size_t>(db.exec(kCredentialIds, {id}).rows()) >= kMaxPasskeys) {
            return ans.error(409, "too_many_passkeys",
                             page_text(ans.page, Text::passkey_error_too_many, {std::to_string(kMaxPasskeys)}));
        }
        std::string alg = std::to_string(static_cast<int>(v.credential.algorithm));
        std::string count = std::to_string(v.credential.sign_count);
        try {
            db.exec(kInsertPasskey, {hex_encode(v.credential.credential_id), id,
                                     hex_encode(c->user_handle), hex_encode(v.credential.public_key),
                                     alg, count, name});
        } catch (const DatabaseError& e) {
            if (!e.unique_violation()) throw;
            return ans.error(409, "passkey_known", Text::passkey_error_known);
        }
        audit_event(db, "passkey_add", true, claims.identity_id, claims.email, addr, name);
        notify(db, ans.page, claims.email, AccessChange::passkey_added, addr, ua, now);
        tx.commit();
        if (ans.json) {
            return json_response(200, "{\"ok\":true,\"done\":\"passkey_added\",\"name\":" +
                                          json_string(name) + "}");
        }
        return redirect_response(ans.page.prefix + "manage?done=passkey_added#passkeys");
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_passkey_delete(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    if (rc.req.method != "POST") {
        return {ans.error(405, "method", Text::passkey_error_delete_method), {}};
    }
    const SessionClaims& claims = *rc.req.session;
    if (!email_session(claims)) return {ans.error(403, "email_only", kEmailOnly), {}};
    std::optional<std::string> id = b64_field(rc.form, "id");
    if (!id) return {ans.error(400, "bad_request", Text::passkey_error_unknown_id, "id"), {}};

    const Settings& s = rc.settings;
    std::string addr = rc.req.client_addr;
    std::string ua = rc.req.user_agent;
    std::uint64_t now = rc.req.now;
    BlockingWork work = [&s, ans, claims, id = *id, addr, ua, now](Database& db) {
        Transaction tx(db);
        if (!lock_open_session(db, s, claims)) return ans.login_required();
        Result r = db.exec(kDeletePasskey, {hex_encode(id), std::to_string(claims.identity_id)});
        if (r.empty()) {
            return ans.error(404, "not_found", Text::passkey_error_not_found, "id");
        }
        audit_event(db, "passkey_delete", true, claims.identity_id, claims.email, addr,
                      r.get(0, 0));
        notify(db, ans.page, claims.email, AccessChange::passkey_removed, addr, ua, now);
        tx.commit();
        if (ans.json) return json_response(200, "{\"ok\":true,\"done\":\"passkey_deleted\"}");
        return redirect_response(ans.page.prefix + "manage?done=passkey_deleted#passkeys");
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet

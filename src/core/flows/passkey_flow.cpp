// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/passkey_flow.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/primitives/password.h"
#include "core/flows/link_flow.h"
#include "core/flows/manage_flow.h"
#include "core/storage/access_notice.h"
#include "core/storage/address_claim.h"
#include "core/storage/session_store.h"
#include "core/primitives/webauthn.h"

namespace extranet {

namespace {

constexpr std::uint64_t kChallengeLifetime = 300;  // seconds, also the browser's timeout
constexpr std::size_t kChallengeBytes = 32;        // 256 bits
constexpr std::size_t kMaxPasskeys = 20;           // per identity
constexpr std::string_view kRpName = "Extranet copropriétaires";

constexpr std::string_view kEmailOnly =
    "Les clés d'accès sont réservées aux connexions par adresse e-mail. "
    "Associez d'abord votre compte à une adresse e-mail.";
constexpr std::string_view kLoginFailed = "La connexion avec cette clé d'accès a échoué.";
constexpr std::string_view kUnknownCredential =
    "Cette clé d'accès n'est pas enregistrée sur ce site. Connectez-vous avec votre "
    "mot de passe.";
constexpr std::string_view kExpired =
    "Cette demande a expiré ou a déjà servi. Veuillez recommencer.";
constexpr std::string_view kTooMany =
    "Trop de tentatives. Veuillez patienter quelques minutes avant de réessayer.";
constexpr std::string_view kBadResponse = "La réponse de votre appareil est illisible.";
constexpr std::string_view kMissingPassword =
    "Pour ajouter une clé d'accès, veuillez entrer votre mot de passe actuel.";
constexpr std::string_view kWrongPassword = "Mot de passe incorrect.";
constexpr std::string_view kHiddenChars =
    "Ce nom contient des caractères invisibles ou de contrôle. Veuillez le retaper.";

// Expired challenges go at each new one: the table stays small.
const Statement kPurgeChallenges{
    "passkey_purge_challenges",
    "DELETE FROM extranet.passkey_challenge WHERE expires_at < now()"};

// One outstanding registration challenge per session.
const Statement kDropBound{
    "passkey_drop_bound",
    "DELETE FROM extranet.passkey_challenge"
    " WHERE binding_hash = decode($1, 'hex') AND purpose = $2"};

const Statement kInsertChallenge{
    "passkey_insert_challenge",
    "INSERT INTO extranet.passkey_challenge (challenge_hash, purpose, binding_hash,"
    " identity_id, user_handle, expires_at) VALUES (decode($1, 'hex'), $2, decode($3, 'hex'),"
    " $4, decode($5, 'hex'), now() + make_interval(secs => $6))"};

// Spent at its first use, whatever the outcome: a replay finds nothing.
const Statement kSpendChallenge{
    "passkey_spend_challenge",
    "DELETE FROM extranet.passkey_challenge WHERE challenge_hash = decode($1, 'hex')"
    " RETURNING purpose, encode(binding_hash, 'hex'), COALESCE(identity_id, 0),"
    " COALESCE(encode(user_handle, 'hex'), ''), expires_at > now()"};

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

const Statement kDeletePasskey{
    "passkey_delete",
    "DELETE FROM extranet.passkey WHERE credential_id = decode($1, 'hex') AND identity_id = $2"
    " RETURNING name"};

#undef EXTRANET_B64URL

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi << 4 | lo);
    }
    return out;
}

struct SpentChallenge {
    std::string purpose;
    std::string binding_hex;
    std::uint64_t identity_id = 0;
    std::string user_handle;
    bool live = false;
};

// Outside any transaction, so that the challenge stays spent even when the
// response is then refused.
std::optional<SpentChallenge> spend_challenge(Database& db, std::string_view challenge) {
    Result r = db.exec(kSpendChallenge, {hex_encode(sha256(challenge))});
    if (r.empty()) return std::nullopt;
    SpentChallenge c;
    c.purpose = r.get(0, 0);
    c.binding_hex = r.get(0, 1);
    c.identity_id = static_cast<std::uint64_t>(r.integer(0, 2));
    c.user_handle = from_hex(r.get(0, 3)).value_or("");
    c.live = r.boolean(0, 4);
    return c;
}

void store_challenge(Database& db, std::string_view challenge, std::string_view purpose,
                     const std::string& binding_hex, std::uint64_t identity_id,
                     std::string_view user_handle) {
    std::string id = std::to_string(identity_id);
    std::string handle = hex_encode(user_handle);
    std::string lifetime = std::to_string(kChallengeLifetime);
    db.exec(kPurgeChallenges, {});
    if (purpose == "register") db.exec(kDropBound, {binding_hex, purpose});
    db.exec(kInsertChallenge,
            {hex_encode(sha256(challenge)), purpose, binding_hex,
             identity_id ? Param(id) : Param(std::nullopt),
             user_handle.empty() ? Param(std::nullopt) : Param(handle), lifetime});
}

// The cookie that binds a login challenge to this browser.
CookieSettings binding_cookie(const Settings& s) {
    CookieSettings c = s.cookie;
    c.name += "_passkey";
    return c;
}

bool email_session(const SessionClaims& c) {
    return c.method == LoginMethod::email && c.identity_id != 0;
}

// A claim of an address registers nothing until the mailbox is proven.
PortalResponse unconfirmed(const Answerer& ans) {
    return ans.error(403, "address_unconfirmed",
                     "Confirmez d'abord votre adresse e-mail avec le lien qui vous a été "
                     "envoyé.");
}

PortalResponse unavailable_rp(const Answerer& ans) {
    PortalResponse r = ans.error(503, "unavailable", "Les clés d'accès sont indisponibles.");
    r.log_level = LogLevel::alert;
    r.log_message = "passkeys: auth_extranet_site_url is no http(s) URL";
    return r;
}

PortalResponse refused(const Answerer& ans, int status, WebAuthnError e,
                       std::string_view what) {
    PortalResponse r = ans.error(status, error_code(e), describe(e));
    r.log_level = LogLevel::info;
    r.log_message = "passkey " + std::string(what) + " refused: " + std::string(error_code(e));
    return r;
}

// A base64url field of the request, decoded; nullopt when absent or broken.
std::optional<std::string> b64_field(const Form& form, std::string_view name) {
    std::optional<std::string> v = form.get(name);
    if (!v || v->empty()) return std::nullopt;
    return base64url_decode(*v);
}

// The owner's mail about a passkey added or removed, in its transaction.
void notify(Database& db, std::string_view email, AccessChange change,
            std::string_view client_addr, std::string_view user_agent, std::uint64_t now) {
    AccessNotice n;
    n.change = change;
    n.client_addr = std::string(client_addr);
    n.user_agent = std::string(user_agent);
    n.at = now;
    queue_access_notice(db, email, n);
}

std::string rp_json(const RelyingParty& rp) {
    return "{\"id\":" + json_string(rp.id) + ",\"name\":" + json_string(kRpName) + "}";
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
    if (rc.req.method != "POST") return {ans.error(405, "method", "Méthode non autorisée."), {}};
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
    std::string ip_key = "ip:" + rc.req.client_addr;
    bool locked = rc.limiter.locked(id_key, rc.req.now) || rc.limiter.locked(ip_key, rc.req.now);
    std::string addr = rc.req.client_addr;

    const Settings& s = rc.settings;
    BlockingWork work = [&s, ans, claims, rp = *rp, password, locked, id_key, ip_key,
                         addr](Database& db) {
        std::string id = std::to_string(claims.identity_id);
        // Tens of milliseconds by design: before the transaction, not in it.
        Result who = db.exec(kPasswordHash, {id});
        if (who.empty()) return ans.login_required();
        std::string why;
        if (locked) {
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

        std::string exclude;
        for (int i = 0; i < existing.rows(); i++) {
            if (!exclude.empty()) exclude += ",";
            exclude += "{\"type\":\"public-key\",\"id\":" + json_string(existing.get(i, 0)) + "}";
        }
        std::string body =
            "{\"publicKey\":{\"challenge\":" + json_string(base64url_encode(challenge)) +
            ",\"rp\":" + rp_json(rp) + ",\"user\":{\"id\":" +
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
    if (rc.req.method != "POST") return {ans.error(405, "method", "Méthode non autorisée."), {}};
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
    std::optional<std::string> name = passkey_name(rc.form.value("name"), rc.req.user_agent);
    if (!name) {
        return {ans.error(400, "name_too_long", "Ce nom est trop long (60 caractères au plus).",
                          "name"),
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
                             "Vous avez déjà 20 clés d'accès : supprimez-en une d'abord.");
        }
        std::string alg = std::to_string(static_cast<int>(v.credential.algorithm));
        std::string count = std::to_string(v.credential.sign_count);
        try {
            db.exec(kInsertPasskey, {hex_encode(v.credential.credential_id), id,
                                     hex_encode(c->user_handle), hex_encode(v.credential.public_key),
                                     alg, count, name});
        } catch (const DatabaseError& e) {
            if (!e.unique_violation()) throw;
            return ans.error(409, "passkey_known", "Cette clé d'accès est déjà enregistrée.");
        }
        audit_event(db, "passkey_add", true, claims.identity_id, claims.email, addr, name);
        notify(db, claims.email, AccessChange::passkey_added, addr, ua, now);
        tx.commit();
        if (ans.json) {
            return json_response(200, "{\"ok\":true,\"done\":\"passkey_added\",\"name\":" +
                                          json_string(name) + "}");
        }
        return redirect_response(ans.page.prefix + "manage?done=passkey_added#passkeys");
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_passkey_login_options(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    ans.json = true;
    if (rc.req.method != "POST") return {ans.error(405, "method", "Méthode non autorisée."), {}};
    std::optional<RelyingParty> rp = relying_party(rc.settings.site_url);
    if (!rp) return {unavailable_rp(ans), {}};
    std::string ip_key = "ip:" + rc.req.client_addr;
    if (rc.limiter.locked(ip_key, rc.req.now)) return {ans.error(429, "locked", kTooMany), {}};
    // Each answer writes a challenge row: one client may not fill the
    // table (rows live 5 minutes, the expired ones purged at each write).
    if (rc.limiter.over_budget("challenge:" + rc.req.client_addr, rc.req.now)) {
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
    if (req.method != "POST") return {ans.error(405, "method", "Méthode non autorisée."), {}};
    std::optional<RelyingParty> rp = relying_party(rc.settings.site_url);
    if (!rp) return {unavailable_rp(ans), {}};
    std::string ip_key = "ip:" + req.client_addr;

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
        auto failed = [&](int status, std::string_view code, std::string_view message,
                          std::string why) {
            PortalResponse r = ans.error(status, code, message);
            r.failures = {ip_key};
            r.set_cookies.push_back(clear);
            r.log_level = LogLevel::error;
            r.log_message = "passkey login failed: " + why;
            return r;
        };

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
            return failed(401, error_code(e), describe(e),
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

Dispatch route_passkey_delete(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    if (rc.req.method != "POST") {
        return {ans.error(405, "method", "Utilisez le bouton « Supprimer cette clé d'accès »."),
                {}};
    }
    const SessionClaims& claims = *rc.req.session;
    if (!email_session(claims)) return {ans.error(403, "email_only", kEmailOnly), {}};
    std::optional<std::string> id = b64_field(rc.form, "id");
    if (!id) return {ans.error(400, "bad_request", "Clé d'accès inconnue.", "id"), {}};

    const Settings& s = rc.settings;
    std::string addr = rc.req.client_addr;
    std::string ua = rc.req.user_agent;
    std::uint64_t now = rc.req.now;
    BlockingWork work = [&s, ans, claims, id = *id, addr, ua, now](Database& db) {
        Transaction tx(db);
        if (!lock_open_session(db, s, claims)) return ans.login_required();
        Result r = db.exec(kDeletePasskey, {hex_encode(id), std::to_string(claims.identity_id)});
        if (r.empty()) {
            return ans.error(404, "not_found",
                             "Cette clé d'accès n'existe pas ou a déjà été supprimée.", "id");
        }
        audit_event(db, "passkey_delete", true, claims.identity_id, claims.email, addr,
                      r.get(0, 0));
        notify(db, claims.email, AccessChange::passkey_removed, addr, ua, now);
        tx.commit();
        if (ans.json) return json_response(200, "{\"ok\":true,\"done\":\"passkey_deleted\"}");
        return redirect_response(ans.page.prefix + "manage?done=passkey_deleted#passkeys");
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet

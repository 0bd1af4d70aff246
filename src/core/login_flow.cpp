#include "core/login_flow.h"

#include <algorithm>
#include <memory>

#include "core/crypto.h"
#include "core/escape.h"
#include "core/session_store.h"

namespace extranet {

namespace {

const Statement kFindIdentity{
    "find_identity",
    "SELECT id, email, password_hash, COALESCE(default_account, '')"
    " FROM extranet.identity WHERE email = $1"};

const Statement kRehash{
    "rehash_password",
    "UPDATE extranet.identity SET password_hash = $2, updated_at = now() WHERE id = $1"};

constexpr std::string_view kFailureMessage = "Identifiant ou mot de passe incorrect.";
constexpr std::string_view kUseEmailMessage =
    "Ce compte est associé à une adresse e-mail : connectez-vous avec votre adresse "
    "e-mail et votre mot de passe personnel.";

LoginOutcome fail(std::string why) {
    LoginOutcome o;
    o.log_message = std::move(why);
    return o;
}

// Stands for the legacy hash of an unknown code: crypt(3) spends the time of
// its format whatever follows the salt.
constexpr std::string_view kDummyLegacyHash =
    "$6$extranetdummy$"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

LoginOutcome login_with_code(Database& db, const Settings& s, const LoginAttempt& a) {
    std::optional<LegacyAccount> account = find_account(db, a.identifier.value);
    // Legacy hashes are cheap next to the personal scheme: every code login
    // also spends one personal-scheme hash, so that known and unknown codes
    // take the same time.
    verify_dummy_password(a.password, s.hash);
    if (!account || !account->active || a.locked) {
        verify_password(a.password, kDummyLegacyHash, s.hash);
        return fail(a.locked ? "locked out" : "unknown or inactive account");
    }
    VerifyResult v = verify_password(a.password, account->password_hash, s.hash);
    if (v.status == VerifyStatus::unknown_format) {
        return fail("unknown legacy password hash format for account " + account->code);
    }
    if (v.status != VerifyStatus::match) return fail("wrong password");
    if (account->identity_id != 0 && !s.legacy_login_all) {
        LoginOutcome o;
        o.result = LoginResult::use_email;
        o.log_message = "account linked to an e-mail";
        return o;
    }
    LoginOutcome o;
    o.result = LoginResult::success;
    o.claims = create_session(db, s, LoginMethod::code, 0, "", *account, {}, a.client_addr,
                              a.user_agent, a.now);
    return o;
}

LoginOutcome login_with_email(Database& db, const Settings& s, const LoginAttempt& a) {
    Result r = db.exec(kFindIdentity, {a.identifier.value});
    if (r.empty() || a.locked) {
        verify_dummy_password(a.password, s.hash);
        return fail(a.locked ? "locked out" : "unknown e-mail");
    }
    std::uint64_t identity = static_cast<std::uint64_t>(r.integer(0, 0));
    std::string email = r.get(0, 1);
    std::string stored = r.get(0, 2);
    std::string default_code = r.get(0, 3);

    VerifyResult v = verify_password(a.password, stored, s.hash);
    if (v.status == VerifyStatus::unknown_format) {
        return fail("unknown password hash format for identity " + std::to_string(identity));
    }
    if (v.status != VerifyStatus::match) return fail("wrong password");

    std::vector<LegacyAccount> accounts = linked_accounts(db, identity);
    if (accounts.empty()) return fail("no linked account left");
    if (v.needs_rehash) {
        std::string fresh = hash_password(a.password, s.hash);
        db.exec(kRehash, {std::to_string(identity), fresh});
    }
    auto active = std::find_if(accounts.begin(), accounts.end(),
                               [&](const LegacyAccount& x) { return x.code == default_code; });
    if (active == accounts.end()) active = accounts.begin();

    LoginOutcome o;
    o.result = LoginResult::success;
    o.claims = create_session(db, s, LoginMethod::email, identity, email, *active, accounts,
                              a.client_addr, a.user_agent, a.now);
    return o;
}

std::string login_json(const SessionClaims& c, std::string_view redirect) {
    return std::string("{\"ok\":true,\"login\":") +
           (c.method == LoginMethod::email ? "\"email\"" : "\"code\"") +
           ",\"account\":" + json_string(c.account) + ",\"redirect\":" + json_string(redirect) +
           "}";
}

}  // namespace

LoginAttempt::~LoginAttempt() { secure_wipe(password); }

LoginOutcome login(Database& db, const Settings& s, const LoginAttempt& attempt) {
    Transaction tx(db);
    LoginOutcome o = attempt.identifier.kind == IdentifierKind::email
                         ? login_with_email(db, s, attempt)
                         : login_with_code(db, s, attempt);
    bool ok = o.result == LoginResult::success;
    if (ok && attempt.previous_session) revoke_session(db, *attempt.previous_session);
    AuditEntry e;
    e.event = ok ? "login" : "login_failure";
    e.success = ok;
    e.identity_id = o.claims.identity_id;
    e.account = ok ? std::string_view(o.claims.account)
                   : (attempt.identifier.kind == IdentifierKind::account_code
                          ? std::string_view(attempt.identifier.value)
                          : std::string_view());
    e.identifier = attempt.identifier.value;
    e.client_addr = attempt.client_addr;
    e.detail = ok ? std::string_view(o.claims.method == LoginMethod::email ? "email" : "code")
                  : std::string_view(o.log_message);
    audit(db, e);
    tx.commit();
    return o;
}

Dispatch route_login(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    LoginView view;
    view.login_field = req.login_field;
    view.password_field = req.password_field;
    view.next = safe_next(rc.form.value("next"), "");

    if (req.method != "POST") {
        if (rc.form.value("reset") == "1") {
            view.notice = "Votre mot de passe a été changé. Vous pouvez vous connecter.";
        }
        if (req.wants_json) {
            return {json_response(200, std::string("{\"authenticated\":") +
                                            (req.session ? "true" : "false") + "}"),
                    {}};
        }
        return {html_response(200, render_login(rc.page, view)), {}};
    }

    std::string typed = rc.form.value(req.login_field);
    auto attempt = std::make_shared<LoginAttempt>();
    attempt->identifier = classify_identifier(typed);
    attempt->password = rc.form.value(req.password_field);
    attempt->client_addr = req.client_addr;
    attempt->user_agent = req.user_agent;
    attempt->now = req.now;
    if (req.session) attempt->previous_session = req.session->session_id;

    view.identifier = typed;
    view.error = std::string(kFailureMessage);
    const Settings& s = rc.settings;
    std::string id_key = "id:" + attempt->identifier.value;
    std::string ip_key = "ip:" + req.client_addr;
    PortalResponse failure = page_answer(
        rc, 401, render_login(rc.page, view),
        json_error("invalid_credentials", kFailureMessage));
    failure.failures = {id_key, ip_key};

    if (attempt->identifier.kind == IdentifierKind::invalid || attempt->password.empty()) {
        failure.failures = {ip_key};
        return {failure, {}};
    }
    attempt->locked = rc.limiter.locked(id_key, req.now) || rc.limiter.locked(ip_key, req.now);

    view.error = std::string(kUseEmailMessage);
    PortalResponse use_email = page_answer(rc, 403, render_login(rc.page, view),
                                           json_error("use_email", kUseEmailMessage));
    std::string next = safe_next(rc.form.value("next"));
    bool json = req.wants_json;

    BlockingWork work = [&s, attempt, failure, use_email, next, json, id_key](Database& db) {
        LoginOutcome o = login(db, s, *attempt);
        if (o.result == LoginResult::failure) {
            PortalResponse r = failure;
            r.log_level = LogLevel::error;
            r.log_message = "login failed for \"" + attempt->identifier.value +
                            "\": " + o.log_message;
            return r;
        }
        if (o.result == LoginResult::use_email) return use_email;
        PortalResponse r = json ? json_response(200, login_json(o.claims, next))
                                : redirect_response(next);
        r.set_cookies.push_back(session_cookie(s, o.claims));
        r.successes.push_back(id_key);
        if (attempt->previous_session) r.revoke.push_back(session_key(*attempt->previous_session));
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_logout(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    if (req.method != "POST") {
        return {error_answer(rc, 405, "method", "Utilisez le bouton « Se déconnecter »."), {}};
    }
    PortalResponse done = rc.req.wants_json ? json_response(200, "{\"ok\":true}")
                                            : redirect_response(req.prefix + "login");
    done.set_cookies.push_back(clear_session_cookie(rc.settings));
    if (!req.session) return {done, {}};

    SessionClaims claims = *req.session;
    std::string addr = req.client_addr;
    done.revoke.push_back(session_key(claims.session_id));
    BlockingWork work = [done, claims, addr](Database& db) {
        Transaction tx(db);
        revoke_session(db, claims.session_id);
        AuditEntry e;
        e.event = "logout";
        e.identity_id = claims.identity_id;
        e.account = claims.account;
        e.client_addr = addr;
        audit(db, e);
        tx.commit();
        return done;
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet

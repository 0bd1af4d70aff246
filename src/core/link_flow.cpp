#include "core/link_flow.h"

#include <algorithm>
#include <memory>

#include "core/access_notice.h"
#include "core/common_passwords.h"
#include "core/crypto.h"
#include "core/email.h"
#include "core/escape.h"
#include "core/password.h"

namespace extranet {

namespace {

constexpr std::size_t kMaxName = 100;
constexpr std::size_t kMaxPhone = 30;

constexpr std::string_view kInvalidEmail = "Veuillez entrer une adresse email valide.";
constexpr std::string_view kAlreadyLinked =
    "Ce compte est déjà associé à une adresse e-mail : connectez-vous avec cette adresse "
    "e-mail et votre mot de passe personnel pour gérer vos comptes.";
constexpr std::string_view kLinkedElsewhere =
    "Ce compte est déjà associé à une autre adresse e-mail.";
constexpr std::string_view kLinkedHere = "Ce compte est déjà associé à cette adresse e-mail.";
constexpr std::string_view kAccountUnavailable =
    "Ce compte n'est plus actif. Veuillez contacter votre syndic.";
constexpr std::string_view kTooManyLookups =
    "Vous avez vérifié trop d'adresses e-mail. Veuillez réessayer dans quelques minutes.";
constexpr std::string_view kWrongPassword = "Mot de passe incorrect.";
constexpr std::string_view kCommonPassword =
    "Ce mot de passe fait partie des mots de passe les plus courants, que les pirates "
    "essaient en premier. Veuillez en choisir un autre.";
constexpr std::string_view kMissingPassword = "Veuillez entrer votre mot de passe.";
constexpr std::string_view kFixFields = "Veuillez corriger les champs indiqués.";
constexpr std::string_view kRace =
    "Ce compte ou cette adresse e-mail vient d'être associé depuis une autre page. "
    "Veuillez recommencer.";

const Statement kLockSession{
    "link_lock_session",
    "SELECT COALESCE(identity_id, 0) FROM extranet.session"
    " WHERE id_hash = decode($1, 'hex') AND revoked_at IS NULL AND expires_at > now()"
    " AND last_seen_at > now() - make_interval(secs => $2) FOR UPDATE"};

const Statement kEmailKnown{
    "link_email_known",
    "SELECT 1 FROM extranet.identity WHERE email = $1"};

// Locked: two groupings of one identity at once must not both pass the
// partner rule, each unaware of the other's account.
const Statement kIdentityForLink{
    "link_identity_for_update",
    "SELECT id, password_hash FROM extranet.identity WHERE email = $1 FOR UPDATE"};

const Statement kCreateIdentity{
    "link_create_identity",
    "INSERT INTO extranet.identity (email, password_hash, last_name, first_name, phone,"
    " default_account) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"};

const Statement kLinkAccount{
    "link_account",
    "INSERT INTO extranet.identity_account (account_code, identity_id) VALUES ($1, $2)"};

// Every linked account counts, active or not: the rule is about the identity.
const Statement kLinkedSyndics{
    "link_linked_syndics",
    "SELECT la.syndic_code, la.syndic_name FROM extranet.identity_account ia"
    " JOIN extranet.legacy_account la ON la.code = ia.account_code"
    " WHERE ia.identity_id = $1 ORDER BY ia.linked_at, ia.account_code"};

// The first linked account becomes the default; so does this one when the
// default points nowhere any more.
const Statement kDefaultIfNone{
    "link_default_if_none",
    "UPDATE extranet.identity SET default_account = $2, updated_at = now()"
    " WHERE id = $1 AND (default_account IS NULL OR default_account NOT IN"
    " (SELECT account_code FROM extranet.identity_account WHERE identity_id = $1))"};


std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool email_session(const SessionClaims& c) { return c.method == LoginMethod::email; }

// An e-mail session has nothing to link: the way to group another account
// goes through that account's own numeric code.
PortalResponse explain_grouping(const Answerer& ans, const SessionClaims& claims, bool post) {
    std::string message =
        "Vous êtes connecté avec l'adresse e-mail " + claims.email +
        ". Pour lui associer un autre compte, déconnectez-vous, connectez-vous avec le code "
        "client de cet autre compte et son mot de passe, choisissez « Associer mon compte » "
        "puis entrez cette même adresse e-mail et son mot de passe.";
    return ans.explain(post, post ? 409 : 200, "email_session", message, "Associer un autre compte",
                       "accounts", "Retour à mes comptes");
}

PortalResponse invalid_email(const Answerer& ans, std::string typed) {
    LinkEmailView v;
    v.email = std::move(typed);
    v.error = std::string(kInvalidEmail);
    return ans.answer(400, render_link_email(ans.page, v),
                      json_error("invalid_email", kInvalidEmail, "email"));
}

// link/profile and link/password: what refuses the request before anything
// else. An e-mail session has nothing to link; a step asked for without a
// valid address of the first step goes back to that step.
std::optional<PortalResponse> refuse_step(const Answerer& ans, const RouteContext& rc, bool post,
                                          const std::optional<std::string>& email) {
    const SessionClaims& claims = *rc.req.session;
    if (email_session(claims)) return explain_grouping(ans, claims, post);
    if (email) return std::nullopt;
    if (post || ans.json) return invalid_email(ans, rc.form.value("email"));
    return redirect_response(rc.req.prefix + "link");
}

// The e-mail lookups' budget belongs to the account, not to the session:
// logging in again does not start it anew (issue 7, finding 7a).
std::string link_budget_key(const SessionClaims& claims) { return "link:" + claims.account; }

PortalResponse too_many_lookups(const Answerer& ans) {
    PortalResponse r = ans.error(429, "too_many_requests", kTooManyLookups);
    r.log_level = LogLevel::info;
    r.log_message = "link: too many e-mail lookups for this account or address";
    return r;
}

std::string step_location(const Answerer& ans, std::string_view step, std::string_view email) {
    return ans.page.prefix + "link/" + std::string(step) + "?email=" + url_encode(email);
}

// Where the e-mail step leads: JSON names the step, HTML goes there.
PortalResponse next_step(const Answerer& ans, std::string_view step, std::string_view email) {
    if (ans.json) {
        return json_response(200, "{\"next\":" + json_string(step) +
                                      ",\"email\":" + json_string(email) + "}");
    }
    return redirect_response(step_location(ans, step, email));
}

PortalResponse linked(const Answerer& ans, const Settings& s, const SessionClaims& c) {
    std::string done = ans.page.prefix + "link/done";
    PortalResponse r = ans.json ? json_response(200, "{\"ok\":true,\"account\":" +
                                                         json_string(c.account) +
                                                         ",\"email\":" + json_string(c.email) +
                                                         ",\"redirect\":" + json_string(done) +
                                                         "}")
                                : redirect_response(done);
    r.set_cookies.push_back(session_cookie(s, c));
    return r;
}

void audit_link(Database& db, bool success, std::uint64_t identity, std::string_view account,
                std::string_view email, std::string_view addr, std::string_view detail) {
    AuditEntry e;
    e.event = "link";
    e.success = success;
    e.identity_id = identity;
    e.account = account;
    e.identifier = email;
    e.client_addr = addr;
    e.detail = detail;
    audit(db, e);
}

// ", 2 numeric-code session(s) ended" for the audit log, "" when none.
std::string code_sessions_detail(const std::vector<std::string>& ended) {
    if (ended.empty()) return {};
    return ", " + std::to_string(ended.size()) + " numeric-code session(s) ended";
}

// The account of the session, as the link needs it: present, active and
// not linked yet; else the refusal.
std::optional<PortalResponse> refuse_account(const Answerer& ans,
                                             const std::optional<LegacyAccount>& a) {
    if (!a || !a->active) return ans.error(409, "account_unavailable", kAccountUnavailable);
    if (a->identity_id != 0) return ans.error(409, "already_linked", kAlreadyLinked);
    return std::nullopt;
}

// Runs a link step; a unique violation means another page linked the
// account or created the address since the checks: `code` and `message`,
// logged as the step's lost race. Any other error goes on.
template <typename Step>
PortalResponse unless_raced(const Answerer& ans, std::string_view step, std::string_view code,
                            std::string_view message, Step run) {
    try {
        return run();
    } catch (const DatabaseError& e) {
        if (!e.unique_violation()) throw;
        PortalResponse r = ans.error(409, code, message);
        r.log_level = LogLevel::info;
        r.log_message = std::string(step) + " lost a race: " + e.what();
        return r;
    }
}

// What the pool thread needs for link/profile.
struct NewIdentity {
    std::string email;
    ProfileInput profile;
    std::string client_addr;
    std::string user_agent;
};

// The identity's mail about the link, in the link's transaction.
void notify_link(Database& db, std::string_view email, std::string_view account,
                 std::string_view addr, std::string_view agent, std::uint64_t now) {
    AccessNotice n;
    n.change = AccessChange::account_linked;
    n.account = std::string(account);
    n.client_addr = std::string(addr);
    n.user_agent = std::string(agent);
    n.at = now;
    queue_access_notice(db, email, n);
}

PortalResponse create_identity(Database& db, const Settings& s, const Answerer& ans,
                               const SessionClaims& claims, const NewIdentity& n,
                               const std::string& hash, std::uint64_t now) {
    Transaction tx(db);
    if (!lock_open_session(db, s, claims)) return ans.login_required();
    std::optional<LegacyAccount> a = find_account(db, claims.account);
    if (std::optional<PortalResponse> refused = refuse_account(ans, a)) return *refused;
    if (!db.exec(kEmailKnown, {n.email}).empty()) {
        // Someone created it since the e-mail step: the known-e-mail path.
        if (ans.json) {
            return json_response(409, "{\"error\":\"email_known\",\"message\":" +
                                          json_string("L'adresse e-mail saisie est déjà "
                                                      "utilisée.") +
                                          ",\"next\":\"password\",\"email\":" +
                                          json_string(n.email) + "}");
        }
        return redirect_response(step_location(ans, "password", n.email));
    }
    Result r = db.exec(kCreateIdentity, {n.email, hash, n.profile.last_name,
                                         n.profile.first_name, n.profile.phone, a->code});
    std::uint64_t identity = static_cast<std::uint64_t>(r.integer(0, 0));
    std::string id = std::to_string(identity);
    db.exec(kLinkAccount, {a->code, id});
    std::vector<std::string> ended = revoke_code_sessions(db, s, a->code, claims.session_id);
    audit_link(db, true, identity, a->code, n.email, n.client_addr,
               "new identity" + code_sessions_detail(ended));
    notify_link(db, n.email, a->code, n.client_addr, n.user_agent, now);
    std::vector<LegacyAccount> accounts = linked_accounts(db, identity);
    SessionClaims c = email_session_claims(claims, identity, n.email, *a, accounts, now);
    update_session(db, c);
    tx.commit();
    PortalResponse done = linked(ans, s, c);
    done.revoke = std::move(ended);
    return done;
}

struct KnownIdentity {
    std::string email;
    std::string client_addr;
    std::string user_agent;
    bool locked = false;
};

PortalResponse link_to_identity(Database& db, const Settings& s, const Answerer& ans,
                                const SessionClaims& claims, const KnownIdentity& k,
                                const Secret& password, const PortalResponse& wrong,
                                std::uint64_t now) {
    Transaction tx(db);
    if (!lock_open_session(db, s, claims)) return ans.login_required();
    Result idr = db.exec(kIdentityForLink, {k.email});
    std::uint64_t identity = idr.empty() ? 0 : static_cast<std::uint64_t>(idr.integer(0, 0));
    VerifyResult v;
    std::string why;
    if (identity == 0 || k.locked) {
        verify_dummy_password(password.value, s.hash);
        why = k.locked ? "locked out" : "unknown e-mail";
    } else {
        v = verify_password(password.value, idr.get(0, 1), s.hash);
        if (v.status == VerifyStatus::unknown_format) {
            why = "unknown password hash format for identity " + std::to_string(identity);
        } else if (v.status == VerifyStatus::mismatch) {
            why = "wrong password";
        }
    }
    if (!why.empty()) {
        audit_link(db, false, identity, claims.account, k.email, k.client_addr, why);
        tx.commit();
        PortalResponse r = wrong;
        r.log_level = LogLevel::error;
        r.log_message = "link of account " + claims.account + " to \"" + k.email +
                        "\" refused: " + why;
        return r;
    }

    std::string id = std::to_string(identity);
    auto refuse = [&](int status, std::string_view code, std::string_view message,
                      std::string_view detail) {
        audit_link(db, false, identity, claims.account, k.email, k.client_addr, detail);
        tx.commit();
        return ans.error(status, code, message);
    };
    std::optional<LegacyAccount> a = find_account(db, claims.account);
    if (!a || !a->active) {
        return refuse(409, "account_unavailable", kAccountUnavailable, "account unavailable");
    }
    if (a->identity_id == identity) {
        return refuse(409, "already_linked", kLinkedHere, "already linked to this identity");
    }
    if (a->identity_id != 0) {
        return refuse(409, "linked_elsewhere", kLinkedElsewhere, "linked to another identity");
    }

    Result syndics = db.exec(kLinkedSyndics, {id});
    std::vector<std::string> codes;
    for (int i = 0; i < syndics.rows(); i++) codes.push_back(syndics.get(i, 0));
    if (std::optional<std::string> other = s.partners.first_conflict(codes, a->syndic_code)) {
        std::string other_name;
        for (int i = 0; i < syndics.rows(); i++) {
            if (syndics.get(i, 0) == *other) other_name = syndics.get(i, 1);
        }
        return refuse(409, "partner",
                      partner_conflict_message(a->syndic_code, a->syndic_name, *other,
                                               other_name),
                      "syndic " + a->syndic_code + " is no partner of syndic " + *other);
    }

    if (v.needs_rehash) rehash_password(db, identity, hash_password(password.value, s.hash));
    db.exec(kLinkAccount, {a->code, id});
    db.exec(kDefaultIfNone, {id, a->code});
    std::vector<std::string> ended = revoke_code_sessions(db, s, a->code, claims.session_id);
    audit_link(db, true, identity, a->code, k.email, k.client_addr,
               "grouped" + code_sessions_detail(ended));
    notify_link(db, k.email, a->code, k.client_addr, k.user_agent, now);
    std::vector<LegacyAccount> accounts = linked_accounts(db, identity);
    SessionClaims c = email_session_claims(claims, identity, k.email, *a, accounts, now);
    update_session(db, c);
    tx.commit();
    PortalResponse done = linked(ans, s, c);
    done.revoke = std::move(ended);
    return done;
}

}  // namespace

// ---- pure checks ----

ProfileInput read_profile(const Form& form) {
    ProfileInput p;
    p.last_name = std::string(trim(form.value("last_name")));
    p.first_name = std::string(trim(form.value("first_name")));
    p.phone = std::string(trim(form.value("phone")));
    return p;
}

FieldErrors check_profile(const ProfileInput& p) {
    FieldErrors errors;
    if (p.last_name.empty()) {
        errors["last_name"] = "Veuillez indiquer votre nom.";
    } else if (count_code_points(p.last_name) > kMaxName) {
        errors["last_name"] = "Le nom ne doit pas dépasser 100 caractères.";
    }
    if (p.first_name.empty()) {
        errors["first_name"] = "Veuillez indiquer votre prénom.";
    } else if (count_code_points(p.first_name) > kMaxName) {
        errors["first_name"] = "Le prénom ne doit pas dépasser 100 caractères.";
    }
    if (!p.phone.empty()) {
        bool digit = false;
        bool allowed = true;
        for (char c : p.phone) {
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c != ' ' && c != '+' && c != '.' && c != '-') {
                allowed = false;
            }
        }
        if (p.phone.size() > kMaxPhone) {
            errors["phone"] = "Le numéro de téléphone ne doit pas dépasser 30 caractères.";
        } else if (!allowed || !digit) {
            errors["phone"] = "Veuillez entrer un numéro de téléphone valide (chiffres, espaces "
                              "et les signes + . - uniquement).";
        }
    }
    return errors;
}

std::size_t count_code_points(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

void check_new_password(std::string_view password, std::string_view confirm,
                        unsigned min_length, unsigned max_length, const std::string& field,
                        FieldErrors& errors) {
    std::size_t n = count_code_points(password);
    if (n < min_length) {
        errors[field] = "Le mot de passe doit contenir au moins " + std::to_string(min_length) +
                        " caractères.";
    } else if (n > max_length) {
        errors[field] = "Le mot de passe ne doit pas dépasser " + std::to_string(max_length) +
                        " caractères.";
    } else if (is_common_password(password)) {
        errors[field] = std::string(kCommonPassword);
    }
    if (password != confirm) errors["password_confirm"] = "Les mots de passe ne correspondent pas.";
}

std::string partner_conflict_message(std::string_view new_syndic, std::string_view new_name,
                                     std::string_view other_syndic,
                                     std::string_view other_name) {
    auto syndic = [](std::string_view code, std::string_view name) {
        std::string out = "le syndic " + std::string(code);
        if (!name.empty()) out += " (" + std::string(name) + ")";
        return out;
    };
    return "Ce compte ne peut pas être associé à cette adresse : " +
           syndic(new_syndic, new_name) + " n'est ni " + syndic(other_syndic, other_name) +
           " ni un de ses partenaires.";
}

std::string json_field_errors(std::string_view code, std::string_view message,
                              const FieldErrors& errors) {
    std::string out = "{\"error\":" + json_string(code) + ",\"message\":" + json_string(message);
    if (!errors.empty()) out += ",\"field\":" + json_string(errors.begin()->first);
    out += ",\"fields\":{";
    bool first = true;
    for (const auto& [name, text] : errors) {
        if (!first) out += ",";
        first = false;
        out += json_string(name) + ":" + json_string(text);
    }
    return out + "}}";
}

// ---- shared by the account routes ----

Secret::~Secret() { secure_wipe(value); }

Answerer Answerer::of(const RouteContext& rc) {
    Answerer a;
    a.page = rc.page;
    a.json = rc.req.wants_json;
    return a;
}

PortalResponse Answerer::error(int status, std::string_view code, std::string_view message,
                               std::string_view field) const {
    if (json) return json_response(status, json_error(code, message, field));
    MessageView v;
    v.title = status == 503 ? "Service momentanément indisponible" : "Demande refusée";
    v.message = std::string(message);
    v.link_href = page.prefix + (page.logged_in ? "accounts" : "login");
    v.link_text = page.logged_in ? "Retour à mes comptes" : "Retour à la connexion";
    return html_response(status, render_message(page, v));
}

PortalResponse Answerer::explain(bool post, int status, std::string_view code,
                                 const std::string& message, std::string_view title,
                                 std::string_view route, std::string_view link_text) const {
    if (post || json) return error(status, code, message);
    MessageView v;
    v.title = std::string(title);
    v.message = message;
    v.link_href = page.prefix + std::string(route);
    v.link_text = std::string(link_text);
    return html_response(200, render_message(page, v));
}

PortalResponse Answerer::answer(int status, std::string html, std::string json_body) const {
    return json ? json_response(status, std::move(json_body))
                : html_response(status, std::move(html));
}

PortalResponse Answerer::login_required() const {
    if (json) {
        return json_response(401, "{\"error\":\"unauthenticated\",\"message\":"
                                  "\"Veuillez vous connecter.\",\"login\":" +
                                      json_string(page.prefix + "login") + "}");
    }
    return redirect_response(page.prefix + "login", 303);
}

bool lock_open_session(Database& db, const Settings& s, const SessionClaims& claims) {
    std::string key = session_key(claims.session_id);
    std::string idle = std::to_string(s.timeouts.idle);
    Result r = db.exec(kLockSession, {key, idle});
    // The row's identity is the truth: a cookie from before a link, an
    // unlink or a forgery of claims is not the session any more.
    return !r.empty() && static_cast<std::uint64_t>(r.integer(0, 0)) == claims.identity_id;
}

SessionClaims email_session_claims(const SessionClaims& current, std::uint64_t identity_id,
                                   const std::string& email, const LegacyAccount& active,
                                   const std::vector<LegacyAccount>& accounts,
                                   std::uint64_t now) {
    SessionClaims c = current;
    c.method = LoginMethod::email;
    c.identity_id = identity_id;
    c.email = email;
    c.refreshed_at = std::max(now, current.refreshed_at);
    set_accounts(c, accounts, active);
    return c;
}

// ---- routes ----

Dispatch route_link(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    if (email_session(claims)) return {explain_grouping(ans, claims, post), {}};

    std::string account = claims.account;
    if (!post) {
        BlockingWork work = [ans, account](Database& db) {
            if (std::optional<PortalResponse> refused =
                    refuse_account(ans, find_account(db, account))) {
                return *refused;
            }
            return ans.answer(200, render_link_email(ans.page, LinkEmailView()),
                              "{\"step\":\"email\",\"account\":" + json_string(account) + "}");
        };
        return {std::nullopt, std::move(work)};
    }

    std::string typed = rc.form.value("email");
    std::optional<std::string> email = normalize_email(typed);
    if (!email) return {invalid_email(ans, typed), {}};
    // The answer tells whether an address is known: only to a logged-in
    // session, and only so many times.
    std::string link_key = link_budget_key(claims);
    std::string ip_key = "ip:" + req.client_addr;
    if (rc.limiter.locked(ip_key, req.now) || rc.limiter.locked(link_key, req.now)) {
        return {too_many_lookups(ans), {}};
    }

    BlockingWork work = [ans, account, email = *email, link_key, ip_key](Database& db) {
        PortalResponse r;
        if (std::optional<PortalResponse> refused =
                refuse_account(ans, find_account(db, account))) {
            r = *refused;
        } else {
            bool known = !db.exec(kEmailKnown, {email}).empty();
            r = next_step(ans, known ? "password" : "profile", email);
        }
        r.failures.push_back(link_key);
        r.failures.push_back(ip_key);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_link_profile(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const Settings& s = rc.settings;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    std::optional<std::string> email = normalize_email(rc.form.value("email"));
    if (std::optional<PortalResponse> refused = refuse_step(ans, rc, post, email)) {
        return {*refused, {}};
    }

    LinkProfileView view;
    view.min_length = s.password_min_length;
    if (!post) {
        view.email = *email;
        return {ans.answer(200, render_link_profile(rc.page, view),
                           "{\"step\":\"profile\",\"email\":" + json_string(*email) +
                               ",\"min_length\":" + std::to_string(s.password_min_length) +
                               "}"),
                {}};
    }

    NewIdentity n;
    n.email = *email;
    n.profile = read_profile(rc.form);
    n.client_addr = req.client_addr;
    n.user_agent = req.user_agent;
    auto password = std::make_shared<const Secret>(rc.form.value("password"));
    FieldErrors errors = check_profile(n.profile);
    check_new_password(password->value, rc.form.value("password_confirm"),
                       s.password_min_length, s.password_max_length, "password", errors);
    if (!errors.empty()) {
        view.email = n.email;
        view.last_name = n.profile.last_name;
        view.first_name = n.profile.first_name;
        view.phone = n.profile.phone;
        view.errors = errors;
        return {ans.answer(400, render_link_profile(rc.page, view),
                           json_field_errors("invalid_fields", kFixFields, errors)),
                {}};
    }
    // This step too tells a known address from an unknown one.
    std::string link_key = link_budget_key(claims);
    std::string ip_key = "ip:" + req.client_addr;
    if (rc.limiter.locked(ip_key, req.now) || rc.limiter.locked(link_key, req.now)) {
        return {too_many_lookups(ans), {}};
    }

    const Settings* settings = &s;
    SessionClaims session = claims;
    std::uint64_t now = req.now;
    BlockingWork work = [settings, ans, session, n, password, link_key, ip_key,
                         now](Database& db) {
        // Tens of milliseconds by design: before the transaction, not in it.
        std::string hash = hash_password(password->value, settings->hash);
        PortalResponse r = unless_raced(ans, "link/profile", "conflict", kRace, [&] {
            return create_identity(db, *settings, ans, session, n, hash, now);
        });
        r.failures.push_back(link_key);
        r.failures.push_back(ip_key);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_link_password(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const Settings& s = rc.settings;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    std::optional<std::string> email = normalize_email(rc.form.value("email"));
    if (std::optional<PortalResponse> refused = refuse_step(ans, rc, post, email)) {
        return {*refused, {}};
    }

    LinkPasswordView view;
    if (!post) {
        view.email = *email;
        return {ans.answer(200, render_link_password(rc.page, view),
                           "{\"step\":\"password\",\"email\":" + json_string(*email) + "}"),
                {}};
    }
    view.email = *email;

    auto password = std::make_shared<const Secret>(rc.form.value("password"));
    if (password->value.empty()) {
        view.error = std::string(kMissingPassword);
        return {ans.answer(400, render_link_password(rc.page, view),
                           json_error("missing_password", kMissingPassword, "password")),
                {}};
    }

    // A wrong password here is a failed login attempt on the address.
    std::string id_key = "id:" + *email;
    std::string ip_key = "ip:" + req.client_addr;
    KnownIdentity k;
    k.email = *email;
    k.client_addr = req.client_addr;
    k.user_agent = req.user_agent;
    k.locked = rc.limiter.locked(id_key, req.now) || rc.limiter.locked(ip_key, req.now);
    view.error = std::string(kWrongPassword);
    PortalResponse wrong = ans.answer(401, render_link_password(rc.page, view),
                                      json_error("invalid_password", kWrongPassword, "password"));
    wrong.failures = {id_key, ip_key};

    const Settings* settings = &s;
    SessionClaims session = claims;
    std::uint64_t now = req.now;
    BlockingWork work = [settings, ans, session, k, password, wrong, id_key, now](Database& db) {
        PortalResponse r =
            unless_raced(ans, "link/password", "linked_elsewhere", kLinkedElsewhere, [&] {
                return link_to_identity(db, *settings, ans, session, k, *password, wrong, now);
            });
        if (r.failures.empty()) r.successes.push_back(id_key);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_link_done(RouteContext& rc) {
    const SessionClaims& claims = *rc.req.session;
    Answerer ans = Answerer::of(rc);
    if (rc.req.method == "POST") return {ans.error(405, "method", "Méthode non autorisée."), {}};
    if (!email_session(claims)) {
        if (ans.json) {
            return {ans.error(409, "not_linked", "Ce compte n'est pas encore associé."), {}};
        }
        return {redirect_response(rc.req.prefix + "link"), {}};
    }
    LinkDoneView v;
    v.account = claims.account;
    v.email = claims.email;
    return {ans.answer(200, render_link_done(rc.page, v),
                       "{\"ok\":true,\"account\":" + json_string(claims.account) +
                           ",\"email\":" + json_string(claims.email) + "}"),
            {}};
}

}  // namespace extranet

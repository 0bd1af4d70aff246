#include "core/pages.h"

#include "core/escape.h"
#include "core/passkey_pages.h"

#include <utility>

namespace extranet {

namespace {

constexpr std::string_view product_name = "Extranet copropriétaires";

std::string esc(std::string_view text)
{
    return html_escape(text);
}

std::string error_for(const FieldErrors& errors, const std::string& key)
{
    auto it = errors.find(key);
    return it == errors.end() ? std::string() : it->second;
}

// The shared frame: every page is readable without CSS or JavaScript.
std::string layout(const PageContext& ctx, std::string_view title, const std::string& body)
{
    std::string prefix = esc(ctx.prefix);
    std::string out;
    out.reserve(body.size() + 1536);
    out += "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>";
    out += esc(title);
    out += " — ";
    out += product_name;
    out += "</title>\n<link rel=\"stylesheet\" href=\"";
    out += prefix;
    out += "style.css\">\n</head>\n<body>\n<header class=\"site-header\">\n"
           "<p class=\"site-name\">";
    out += product_name;
    out += "</p>\n";
    if (ctx.logged_in) {
        // Elderly users get lost easily: a way back and a way out, always.
        out += "<nav class=\"site-nav\" aria-label=\"Navigation\">\n"
               "<a href=\"/\">Retour à l'extranet</a>\n";
        if (!ctx.csrf.empty()) {
            out += "<form method=\"post\" action=\"";
            out += prefix;
            out += "logout\" class=\"inline-form\">\n<input type=\"hidden\" name=\"csrf\" value=\"";
            out += esc(ctx.csrf);
            out += "\">\n<button type=\"submit\" class=\"button-link\">Se déconnecter</button>\n"
                   "</form>\n";
        }
        out += "</nav>\n";
    }
    out += "</header>\n<main id=\"content\">\n";
    out += body;
    out += "</main>\n</body>\n</html>\n";
    return out;
}

std::string form_open(const PageContext& ctx, std::string_view route, std::string_view css_class = {})
{
    std::string out = "<form method=\"post\" action=\"";
    out += esc(ctx.prefix);
    out += esc(route);
    out += '"';
    if (!css_class.empty()) {
        out += " class=\"";
        out += css_class;
        out += '"';
    }
    out += ">\n";
    if (!ctx.csrf.empty()) {
        out += "<input type=\"hidden\" name=\"csrf\" value=\"";
        out += esc(ctx.csrf);
        out += "\">\n";
    }
    return out;
}

std::string hidden(std::string_view name, std::string_view value)
{
    std::string out = "<input type=\"hidden\" name=\"";
    out += esc(name);
    out += "\" value=\"";
    out += esc(value);
    out += "\">\n";
    return out;
}

std::string submit(std::string_view text, std::string_view describedby = {})
{
    std::string out = "<button type=\"submit\"";
    if (!describedby.empty()) {
        out += " aria-describedby=\"";
        out += esc(describedby);
        out += '"';
    }
    out += '>';
    out += text;
    out += "</button>\n";
    return out;
}

std::string notice_block(std::string_view notice)
{
    if (notice.empty()) {
        return {};
    }
    std::string out = "<p class=\"notice\" role=\"status\">";
    out += esc(notice);
    out += "</p>\n";
    return out;
}

std::string alert_block(std::string_view id, std::string_view error)
{
    if (error.empty()) {
        return {};
    }
    std::string out = "<p class=\"error\" role=\"alert\"";
    if (!id.empty()) {
        out += " id=\"";
        out += id;
        out += '"';
    }
    out += '>';
    out += esc(error);
    out += "</p>\n";
    return out;
}

// One labelled input with its hint and error, tied together by ids so that
// screen readers announce them with the field.
struct Field {
    Field(std::string field_id, std::string field_name, std::string_view field_label)
        : id(std::move(field_id)), name(std::move(field_name)), label(field_label)
    {
    }

    std::string id;
    std::string name;
    std::string_view label;  // static French text, not escaped
    std::string_view type = "text";
    std::string value;
    std::string_view autocomplete;
    std::string hint;        // static text
    std::string error;       // dynamic, escaped
    std::string describedby; // extra ids (a page-level error)
    std::string extra;       // trusted extra attributes
    bool required = false;
    bool invalid = false;    // a page-level error concerns this field
};

std::string field(const Field& f)
{
    std::string describedby = f.describedby;
    auto add_id = [&](const std::string& id) {
        if (!describedby.empty()) {
            describedby += ' ';
        }
        describedby += id;
    };
    std::string out = f.error.empty() ? "<div class=\"field\">\n" : "<div class=\"field field-invalid\">\n";
    out += "<label for=\"" + esc(f.id) + "\">";
    out += f.label;
    out += "</label>\n";
    if (!f.hint.empty()) {
        add_id(f.id + "-hint");
        out += "<p class=\"hint\" id=\"" + esc(f.id) + "-hint\">" + f.hint + "</p>\n";
    }
    if (!f.error.empty()) {
        add_id(f.id + "-error");
        out += "<p class=\"error\" id=\"" + esc(f.id) + "-error\" role=\"alert\">" + esc(f.error) + "</p>\n";
    }
    out += "<input id=\"" + esc(f.id) + "\"";
    if (!f.name.empty()) {
        out += " name=\"" + esc(f.name) + "\"";
    }
    out += " type=\"";
    out += f.type;
    out += '"';
    if (!f.value.empty()) {
        out += " value=\"" + esc(f.value) + "\"";
    }
    if (!f.autocomplete.empty()) {
        out += " autocomplete=\"";
        out += f.autocomplete;
        out += '"';
    }
    if (f.required) {
        out += " required";
    }
    if (!describedby.empty()) {
        out += " aria-describedby=\"" + esc(describedby) + "\"";
    }
    if (f.invalid || !f.error.empty()) {
        out += " aria-invalid=\"true\"";
    }
    if (!f.extra.empty()) {
        out += ' ';
        out += f.extra;
    }
    out += ">\n</div>\n";
    return out;
}

std::string min_length_hint(unsigned min_length)
{
    return "Au moins " + std::to_string(min_length) + " caractères.";
}

std::string min_length_attr(unsigned min_length)
{
    return "minlength=\"" + std::to_string(min_length) + "\"";
}

// A password the user already has (login, linking to a known address,
// confirming a change).
Field current_password_field(std::string id, std::string name, std::string_view label)
{
    Field f{std::move(id), std::move(name), label};
    f.type = "password";
    f.autocomplete = "current-password";
    f.required = true;
    return f;
}

// A new password under the policy and its confirmation (link/profile and
// the password change); the confirmation's error is "password_confirm".
std::string new_password_fields(std::string id, std::string name, std::string_view label,
                                std::string confirm_id, const FieldErrors& errors,
                                unsigned min_length)
{
    Field fresh{std::move(id), name, label};
    fresh.type = "password";
    fresh.autocomplete = "new-password";
    fresh.hint = min_length_hint(min_length);
    fresh.error = error_for(errors, name);
    fresh.extra = min_length_attr(min_length);
    fresh.required = true;

    Field confirm{std::move(confirm_id), "password_confirm", "Confirmation du mot de passe"};
    confirm.type = "password";
    confirm.autocomplete = "new-password";
    confirm.error = error_for(errors, "password_confirm");
    confirm.required = true;
    return field(fresh) + field(confirm);
}

// The personal information, alike on link/profile and manage (ids under
// id_prefix): the address shown, not editable (no name: a hidden field or
// the session carries it), then names and phone.
template <typename View>
std::string profile_fields(const std::string& id_prefix, const View& v)
{
    Field email{id_prefix + "-email", "", "Adresse e-mail"};
    email.type = "email";
    email.value = v.email;
    email.extra = "readonly";

    Field last_name{id_prefix + "-last-name", "last_name", "Nom"};
    last_name.value = v.last_name;
    last_name.autocomplete = "family-name";
    last_name.error = error_for(v.errors, "last_name");
    last_name.required = true;

    Field first_name{id_prefix + "-first-name", "first_name", "Prénom"};
    first_name.value = v.first_name;
    first_name.autocomplete = "given-name";
    first_name.error = error_for(v.errors, "first_name");
    first_name.required = true;

    Field phone{id_prefix + "-phone", "phone", "Téléphone (facultatif)"};
    phone.type = "tel";
    phone.value = v.phone;
    phone.autocomplete = "tel";
    phone.error = error_for(v.errors, "phone");
    return field(email) + field(last_name) + field(first_name) + field(phone);
}

// The start of an account's entry in a list, up to its badges: "030000100001
// — Syndic 0300 (Cabinet Martin) — Appartement 12", all escaped. The caller
// adds its form and closes the <li>.
std::string account_entry_start(const AccountItem& a, const std::string& id)
{
    std::string out = a.active ? "<li class=\"account account-active\" aria-current=\"true\">\n"
                               : "<li class=\"account\">\n";
    out += "<p class=\"account-code\" id=\"" + esc(id) + "\">Compte <strong>" + esc(a.code)
           + "</strong></p>\n";
    out += "<p class=\"account-syndic\">Syndic : " + esc(a.syndic_code);
    if (!a.syndic_name.empty()) {
        out += " — " + esc(a.syndic_name);
    }
    out += "</p>\n";
    if (!a.label.empty()) {
        out += "<p class=\"account-label\">" + esc(a.label) + "</p>\n";
    }
    if (a.active) {
        out += "<p class=\"badge\">Compte actif</p>\n";
    }
    if (a.is_default) {
        out += "<p class=\"badge badge-default\">Compte par défaut</p>\n";
    }
    return out;
}

}  // namespace

std::string render_login(const PageContext& ctx, const LoginView& v)
{
    std::string body = "<h1>Accédez à votre compte</h1>\n";
    body += notice_block(v.notice);
    body += alert_block("login-error", v.error);
    body += form_open(ctx, "login", "login-form");
    if (!v.next.empty()) {
        body += hidden("next", v.next);
    }

    // Either a numeric code or an e-mail: no inputmode, no auto-capitals.
    Field login{"login-identifier", v.login_field, "Identifiant (code client ou adresse e-mail)"};
    login.value = v.identifier;
    login.autocomplete = "username";
    login.required = true;
    login.extra = "autocapitalize=\"none\" autocorrect=\"off\" spellcheck=\"false\"";
    Field password = current_password_field("login-password", v.password_field, "Mot de passe");
    if (!v.error.empty()) {
        login.describedby = password.describedby = "login-error";
        login.invalid = password.invalid = true;
    }
    body += field(login);
    body += field(password);
    body += submit("Connexion");
    body += "</form>\n<p class=\"secondary\"><a href=\"" + esc(ctx.prefix)
            + "password/forgot\">Mot de passe oublié ?</a></p>\n";
    body += passkey_login_fragment(ctx, v.next);  // passkeys: shown by passkey.js only
    return layout(ctx, "Accédez à votre compte", body);
}

std::string render_password_forgot(const PageContext& ctx, const PasswordForgotView& v)
{
    std::string body = "<h1>Mot de passe oublié</h1>\n";
    body += "<p>Indiquez l'adresse e-mail avec laquelle vous vous connectez : vous recevrez un lien pour "
            "choisir un nouveau mot de passe.</p>\n";
    body += form_open(ctx, "password/forgot");
    Field login{"forgot-login", "login", "Votre adresse e-mail ou votre code client"};
    login.value = v.login;
    login.autocomplete = "username";
    login.error = v.error;
    login.required = true;
    login.extra = "autocapitalize=\"none\" autocorrect=\"off\" spellcheck=\"false\"";
    body += field(login);
    body += submit("Envoyer");
    body += "</form>\n<p class=\"secondary\"><a href=\"" + esc(ctx.prefix)
            + "login\">Retour à la connexion</a></p>\n";
    return layout(ctx, "Mot de passe oublié", body);
}

std::string render_password_reset(const PageContext& ctx, const PasswordResetView& v)
{
    std::string body = "<h1>Choisir un nouveau mot de passe</h1>\n";
    body += alert_block("reset-error", error_for(v.errors, ""));
    body += form_open(ctx, "password/reset");
    body += hidden("token", v.token);
    if (!v.email.empty()) {
        body += "<p>Adresse e-mail : <strong>" + esc(v.email) + "</strong></p>\n";
        // Lets password managers pair the new password with the address.
        body += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";
    }
    body += new_password_fields("reset-new-password", "new_password", "Nouveau mot de passe",
                                "reset-password-confirm", v.errors, v.min_length);
    body += "<p class=\"hint\">Toutes vos sessions ouvertes seront fermées.</p>\n";
    body += submit("Enregistrer le mot de passe");
    body += "</form>\n";
    return layout(ctx, "Choisir un nouveau mot de passe", body);
}

std::string render_link_email(const PageContext& ctx, const LinkEmailView& v)
{
    std::string body = "<h1>Associer un compte</h1>\n";
    body += form_open(ctx, "link");
    Field email{"link-email", "email", "Votre email"};
    email.type = "email";
    email.value = v.email;
    email.autocomplete = "email";
    email.error = v.error;
    email.required = true;
    email.extra = "autocapitalize=\"none\" spellcheck=\"false\"";
    body += field(email);
    body += submit("SUIVANT");
    body += "</form>\n";
    return layout(ctx, "Associer un compte", body);
}

std::string render_link_profile(const PageContext& ctx, const LinkProfileView& v)
{
    std::string body = "<h1>Vos informations personnelles</h1>\n";
    body += alert_block("", error_for(v.errors, ""));
    body += form_open(ctx, "link/profile");
    body += hidden("email", v.email);
    body += profile_fields("profile", v);
    body += new_password_fields("profile-password", "password", "Mot de passe",
                                "profile-password-confirm", v.errors, v.min_length);
    body += submit("SUIVANT");
    body += "</form>\n";
    return layout(ctx, "Vos informations personnelles", body);
}

std::string render_link_password(const PageContext& ctx, const LinkPasswordView& v)
{
    std::string body = "<h1>Associer un compte</h1>\n";
    body += "<p>L'adresse e-mail saisie est déjà utilisée. Si vous souhaitez associer ce compte à cette "
            "adresse, veuillez entrer le mot de passe correspondant. Dans le cas contraire, veuillez "
            "revenir en arrière et entrer une nouvelle adresse.</p>\n";
    body += "<p>Adresse e-mail : <strong>" + esc(v.email) + "</strong></p>\n";
    body += form_open(ctx, "link/password");
    body += hidden("email", v.email);
    // Lets password managers pair the password with the address.
    body += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";
    Field password = current_password_field("link-password", "password", "Votre mot de passe");
    password.error = v.error;
    body += field(password);
    body += submit("SUIVANT");
    body += "</form>\n<p class=\"secondary\"><a href=\"" + esc(ctx.prefix) + "link\">Retour</a></p>\n";
    return layout(ctx, "Associer un compte", body);
}

std::string render_link_done(const PageContext& ctx, const LinkDoneView& v)
{
    std::string body = "<h1>Ce compte est associé</h1>\n";
    body += "<p role=\"status\">Le compte <strong>" + esc(v.account) + "</strong> est associé à l'adresse <strong>"
            + esc(v.email) + "</strong>. Vous pourrez désormais vous connecter avec cette adresse e-mail.</p>\n";
    body += "<ul class=\"actions\">\n<li><a class=\"button\" href=\"/\">Accéder à l'extranet</a></li>\n"
            "<li><a href=\"" + esc(ctx.prefix) + "manage\">Gérer mes comptes</a></li>\n</ul>\n";
    return layout(ctx, "Ce compte est associé", body);
}

std::string render_accounts(const PageContext& ctx, const AccountsView& v)
{
    std::string body = "<h1>Mes comptes</h1>\n<ul class=\"accounts\">\n";
    for (std::size_t i = 0; i < v.accounts.size(); ++i) {
        const AccountItem& a = v.accounts[i];
        std::string id = "account-" + std::to_string(i);
        body += account_entry_start(a, id);
        if (!a.active) {
            body += form_open(ctx, "switch", "switch-form");
            body += hidden("account", a.code);
            if (!v.next.empty()) {
                body += hidden("next", v.next);
            }
            body += submit("Accéder à ce compte", id);
            body += "</form>\n";
        }
        body += "</li>\n";
    }
    body += "</ul>\n<ul class=\"actions\">\n<li><a href=\"" + esc(ctx.prefix) + "manage\">Gérer mes comptes</a></li>\n";
    if (!v.email_session) {
        body += "<li><a href=\"" + esc(ctx.prefix) + "link\">Associer mon compte</a></li>\n";
    }
    body += "</ul>\n";
    return layout(ctx, "Mes comptes", body);
}

namespace {

std::string manage_profile(const PageContext& ctx, const ManageView& v)
{
    std::string out = "<section aria-labelledby=\"manage-profile\">\n"
                      "<h2 id=\"manage-profile\">Informations personnelles</h2>\n";
    out += form_open(ctx, "manage");
    out += hidden("action", "profile");
    out += profile_fields("manage", v);
    out += submit("Enregistrer");
    out += "</form>\n</section>\n";
    return out;
}

std::string manage_default(const PageContext& ctx, const ManageView& v)
{
    std::string out = "<section aria-labelledby=\"manage-default\">\n"
                      "<h2 id=\"manage-default\">Compte affiché à la connexion</h2>\n";
    out += form_open(ctx, "manage");
    out += hidden("action", "default");
    std::string error = error_for(v.errors, "default_account");
    out += "<fieldset";
    if (!error.empty()) {
        out += " aria-describedby=\"manage-default-error\"";
    }
    out += ">\n<legend>Choisissez le compte affiché après une connexion avec votre adresse e-mail.</legend>\n";
    if (!error.empty()) {
        out += "<p class=\"error\" id=\"manage-default-error\" role=\"alert\">" + esc(error) + "</p>\n";
    }
    for (std::size_t i = 0; i < v.accounts.size(); ++i) {
        const AccountItem& a = v.accounts[i];
        std::string id = "manage-default-" + std::to_string(i);
        out += "<div class=\"choice\">\n<input type=\"radio\" name=\"default_account\" id=\"" + id + "\" value=\""
               + esc(a.code) + "\"";
        if (a.is_default) {
            out += " checked";
        }
        out += ">\n<label for=\"" + id + "\">" + esc(a.code);
        if (!a.label.empty()) {
            out += " — " + esc(a.label);
        }
        out += "</label>\n</div>\n";
    }
    out += "</fieldset>\n";
    out += submit("Modifier le compte par défaut");
    out += "</form>\n</section>\n";
    return out;
}

// An error on current_password belongs to the unlink form when an unlink
// was being attempted (unlink_account set), else to the password change.
bool unlink_attempted(const ManageView& v)
{
    return !v.unlink_account.empty();
}

std::string manage_password(const PageContext& ctx, const ManageView& v)
{
    std::string out = "<section aria-labelledby=\"manage-password\">\n"
                      "<h2 id=\"manage-password\">Mot de passe</h2>\n";
    out += form_open(ctx, "manage");
    out += hidden("action", "password");
    out += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";

    Field current = current_password_field("manage-current-password", "current_password",
                                           "Mot de passe actuel");
    if (!unlink_attempted(v)) {
        current.error = error_for(v.errors, "current_password");
    }
    out += field(current);
    out += new_password_fields("manage-new-password", "new_password", "Nouveau mot de passe",
                               "manage-password-confirm", v.errors, v.min_length);

    out += "<p class=\"hint\">Vos autres sessions ouvertes seront fermées.</p>\n";
    out += submit("Changer le mot de passe");
    out += "</form>\n</section>\n";
    return out;
}

std::string unlink_password_field(const ManageView& v, const std::string& id, const std::string& account)
{
    Field password = current_password_field(id, "current_password", "Mot de passe");
    if (unlink_attempted(v) && account == v.unlink_account) {
        password.error = error_for(v.errors, "current_password");
    }
    return field(password);
}

std::string manage_unlink(const PageContext& ctx, const ManageView& v)
{
    std::string out = "<section aria-labelledby=\"manage-accounts\">\n"
                      "<h2 id=\"manage-accounts\">Comptes associés</h2>\n";
    out += alert_block("manage-accounts-error", error_for(v.errors, "account"));

    if (v.confirm_unlink_last) {
        out += "<div class=\"confirm\" role=\"alert\" aria-labelledby=\"manage-confirm\">\n"
               "<h3 id=\"manage-confirm\">Confirmer la dissociation du compte "
               + esc(v.unlink_account) + "</h3>\n";
        out += "<p>C'est le dernier compte associé à cette adresse : après sa dissociation, vous ne pourrez "
               "plus vous connecter avec votre adresse e-mail.</p>\n";
        out += form_open(ctx, "manage");
        out += hidden("action", "unlink");
        out += hidden("account", v.unlink_account);
        out += hidden("confirm", "1");
        out += unlink_password_field(v, "manage-confirm-password", v.unlink_account);
        out += submit("Confirmer la dissociation");
        out += "</form>\n<p class=\"secondary\"><a href=\"" + esc(ctx.prefix) + "manage\">Annuler</a></p>\n</div>\n";
    }

    out += "<ul class=\"accounts\">\n";
    for (std::size_t i = 0; i < v.accounts.size(); ++i) {
        const AccountItem& a = v.accounts[i];
        std::string id = "manage-account-" + std::to_string(i);
        out += account_entry_start(a, id);
        // The confirmation block above replaces this account's own form.
        if (!(v.confirm_unlink_last && a.code == v.unlink_account)) {
            out += form_open(ctx, "manage", "unlink-form");
            out += hidden("action", "unlink");
            out += hidden("account", a.code);
            out += unlink_password_field(v, "manage-unlink-password-" + std::to_string(i), a.code);
            out += submit("Dissocier", id);
            out += "</form>\n";
        }
        out += "</li>\n";
    }
    out += "</ul>\n</section>\n";
    return out;
}

std::string manage_sessions(const PageContext& ctx, const ManageView& v)
{
    std::string out = "<section aria-labelledby=\"manage-sessions\">\n"
                      "<h2 id=\"manage-sessions\">Sessions ouvertes</h2>\n<ul class=\"sessions\">\n";
    bool others = false;
    for (std::size_t i = 0; i < v.sessions.size(); ++i) {
        const SessionItem& s = v.sessions[i];
        std::string id = "manage-session-" + std::to_string(i);
        out += s.current ? "<li class=\"session session-current\" aria-current=\"true\">\n" : "<li class=\"session\">\n";
        out += "<p class=\"session-device\" id=\"" + id + "\">"
               + (s.device.empty() ? std::string("Appareil inconnu") : esc(s.device)) + "</p>\n";
        out += "<p>Adresse : " + esc(s.address) + "</p>\n";
        out += "<p>Dernière activité : " + esc(s.last_seen) + "</p>\n";
        if (s.current) {
            out += "<p class=\"badge\">Cette session</p>\n";
        } else {
            others = true;
            out += form_open(ctx, "manage", "session-form");
            out += hidden("action", "end_session");
            out += hidden("session", s.id);
            out += submit("Terminer", id);
            out += "</form>\n";
        }
        out += "</li>\n";
    }
    out += "</ul>\n";
    if (others) {
        out += form_open(ctx, "manage");
        out += hidden("action", "end_other_sessions");
        out += submit("Terminer toutes les autres sessions");
        out += "</form>\n";
    }
    out += "</section>\n";
    return out;
}

}  // namespace

std::string render_manage(const PageContext& ctx, const ManageView& v)
{
    std::string body = "<h1>Gérer mes comptes</h1>\n";
    body += notice_block(v.notice);
    body += alert_block("manage-error", error_for(v.errors, ""));
    body += manage_profile(ctx, v);
    body += manage_default(ctx, v);
    body += manage_password(ctx, v);
    body += manage_unlink(ctx, v);
    body += manage_sessions(ctx, v);
    body += passkey_manage_section(ctx, v.passkeys);  // passkeys: "Clés d'accès"
    return layout(ctx, "Gérer mes comptes", body);
}

std::string render_message(const PageContext& ctx, const MessageView& v)
{
    std::string body = "<h1>" + esc(v.title) + "</h1>\n<p>" + esc(v.message) + "</p>\n";
    if (!v.link_href.empty()) {
        body += "<p><a href=\"" + esc(v.link_href) + "\">"
                + (v.link_text.empty() ? std::string("Continuer") : esc(v.link_text)) + "</a></p>\n";
    }
    return layout(ctx, v.title, body);
}

std::string_view stylesheet()
{
    // Mobile first; no custom properties or grid so old browsers render it.
    static constexpr std::string_view css = R"CSS(*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font-family: Arial, Helvetica, sans-serif; font-size: 18px; line-height: 1.5; }
.site-header { background: #12355b; color: #ffffff; padding: 12px 16px; }
.site-header:after { content: ""; display: table; clear: both; }
.site-name { margin: 0; font-size: 20px; font-weight: bold; }
.site-nav { margin-top: 8px; }
.site-nav a, .site-nav .button-link { color: #ffffff; display: inline-block; min-height: 44px; padding: 10px 0; margin-right: 16px; }
.site-nav .button-link { background: transparent; border: 0; width: auto; font-size: inherit; text-decoration: underline; cursor: pointer; }
main { display: block; max-width: 40em; margin: 0 auto; padding: 16px; }
h1 { font-size: 26px; line-height: 1.25; margin: 8px 0 20px; }
h2 { font-size: 22px; line-height: 1.3; margin: 32px 0 12px; padding-top: 16px; border-top: 2px solid #d0d0d0; }
h3 { font-size: 20px; margin: 0 0 8px; }
p { margin: 0 0 12px; }
a { color: #0b4f9c; text-decoration: underline; }
a:visited { color: #5a2a82; }
.field { margin: 0 0 20px; }
label, legend { display: block; font-weight: bold; margin-bottom: 4px; }
fieldset { border: 0; margin: 0 0 16px; padding: 0; }
input[type="text"], input[type="email"], input[type="tel"], input[type="password"] {
  display: block; width: 100%; min-height: 48px; padding: 10px 12px; font-size: 18px; font-family: inherit;
  color: #1a1a1a; background: #ffffff; border: 2px solid #4a4a4a; border-radius: 4px; }
input[readonly] { background: #f0f0f0; border-style: dashed; }
.choice { margin: 0 0 8px; }
.choice:after { content: ""; display: table; clear: both; }
.choice input { float: left; width: 28px; height: 28px; margin: 8px 12px 8px 0; }
.choice label { display: block; font-weight: normal; min-height: 44px; padding-top: 8px; overflow: hidden; cursor: pointer; }
button, .button {
  display: block; width: 100%; min-height: 48px; padding: 12px 20px; margin: 8px 0 16px;
  font-size: 18px; font-family: inherit; font-weight: bold; line-height: 1.2; text-align: center; text-decoration: none;
  color: #ffffff; background: #0b4f9c; border: 2px solid #0b4f9c; border-radius: 4px; cursor: pointer; }
a.button, a.button:visited { color: #ffffff; }
button:hover, .button:hover { background: #083a73; border-color: #083a73; }
a:focus, button:focus, input:focus, .button:focus { outline: 3px solid #e8a200; outline-offset: 2px; }
.inline-form { display: inline; margin: 0; }
.hint { color: #404040; font-size: 16px; margin: 0 0 4px; }
.error { color: #9b0000; font-weight: bold; margin: 0 0 8px; padding-left: 10px; border-left: 4px solid #9b0000; }
.field-invalid input { border-color: #9b0000; border-width: 3px; }
.notice { color: #0d4d1c; background: #e6f4ea; border-left: 4px solid #0d4d1c; padding: 10px 12px; font-weight: bold; }
.confirm { border: 3px solid #9b0000; background: #fff4f4; padding: 12px 16px; margin: 0 0 20px; }
.accounts, .sessions, .actions { list-style: none; margin: 0 0 16px; padding: 0; }
.account, .session { border: 2px solid #c8c8c8; border-radius: 4px; padding: 12px 16px; margin: 0 0 12px; }
.account-active, .session-current { border-color: #12355b; border-width: 3px; background: #f2f6fb; }
.account-code { font-size: 20px; margin-bottom: 4px; }
.badge { display: inline-block; font-weight: bold; font-size: 16px; color: #12355b; border: 2px solid #12355b; border-radius: 4px; padding: 2px 8px; margin-right: 8px; }
.actions li { margin: 0 0 12px; }
.actions a { display: inline-block; min-height: 44px; padding: 10px 0; }
.secondary a { display: inline-block; min-height: 44px; padding: 10px 0; }
@media (min-width: 600px) {
  body { font-size: 18px; }
  main { padding: 24px 32px; }
  .site-header { padding: 16px 32px; }
  .site-nav { float: right; margin-top: -36px; }
  button, .button { display: inline-block; width: auto; min-width: 12em; }
  .site-nav .button-link { min-width: 0; margin: 0; padding: 10px 0; }
  h1 { font-size: 30px; }
}
@media (prefers-contrast: more) {
  body { color: #000000; }
  .hint { color: #000000; }
}
@media print {
  .site-nav, form { display: none; }
}
)CSS";
    return css;
}

std::string_view menu_script()
{
    // ES5 only (old browsers): no arrow functions, no fetch, no classList.
    // Data from api/me is inserted as text nodes, never as HTML.
    static constexpr std::string_view js = R"JS((function () {
  'use strict';
  if (window.extranetMenuLoaded) { return; }
  window.extranetMenuLoaded = true;

  function findScript() {
    if (document.currentScript) { return document.currentScript; }
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      var src = scripts[i].getAttribute('src') || '';
      if (/menu\.js(?:[?#].*)?$/.test(src)) { return scripts[i]; }
    }
    return null;
  }

  var script = findScript();
  if (!script) { return; }
  var anchor = document.createElement('a');
  anchor.href = script.getAttribute('src');
  var path = anchor.pathname || '';
  if (path.charAt(0) !== '/') { path = '/' + path; }
  var prefix = path.replace(/menu\.js$/, '');

  function on(node, type, handler) {
    if (node.addEventListener) { node.addEventListener(type, handler, false); }
    else if (node.attachEvent) { node.attachEvent('on' + type, handler); }
  }

  function ready(fn) {
    if (document.body) { fn(); return; }
    on(document, 'DOMContentLoaded', fn);
  }

  var css =
    '#extranet-menu{position:fixed;top:8px;right:8px;z-index:2147483000;margin:0;padding:0;' +
    'font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.4;color:#1a1a1a;text-align:left;}' +
    '#extranet-menu *{box-sizing:border-box;margin:0;padding:0;font-family:inherit;font-size:inherit;' +
    'line-height:inherit;letter-spacing:normal;text-transform:none;float:none;}' +
    '#extranet-menu .extranet-button{display:inline-block;width:48px;height:48px;min-width:48px;margin-left:8px;' +
    'padding:8px;background:#12355b;color:#ffffff;border:2px solid #ffffff;border-radius:50%;cursor:pointer;' +
    'vertical-align:top;box-shadow:0 1px 4px rgba(0,0,0,0.4);}' +
    '#extranet-menu .extranet-button svg{display:block;width:28px;height:28px;fill:#ffffff;}' +
    '#extranet-menu .extranet-button:focus,#extranet-menu .extranet-menu-item:focus{outline:3px solid #e8a200;outline-offset:2px;}' +
    '#extranet-menu .extranet-panel{display:none;position:absolute;top:56px;right:0;width:300px;max-width:92vw;' +
    'max-height:80vh;overflow:auto;background:#ffffff;border:2px solid #12355b;border-radius:4px;' +
    'box-shadow:0 2px 10px rgba(0,0,0,0.35);padding:8px;}' +
    '#extranet-menu .extranet-panel.extranet-open{display:block;}' +
    '#extranet-menu .extranet-menu-title{display:block;padding:8px;font-weight:bold;color:#12355b;word-wrap:break-word;}' +
    '#extranet-menu form{display:block;}' +
    '#extranet-menu .extranet-menu-item{display:block;width:100%;min-height:44px;padding:10px 12px;margin:4px 0;' +
    'background:#ffffff;color:#0b4f9c;border:2px solid #c8c8c8;border-radius:4px;text-align:left;' +
    'text-decoration:underline;cursor:pointer;font-size:16px;font-weight:normal;}' +
    '#extranet-menu .extranet-menu-item:hover{background:#eef3fa;}' +
    '#extranet-menu .extranet-active{color:#1a1a1a;text-decoration:none;border-color:#12355b;background:#f2f6fb;cursor:default;}' +
    '#extranet-menu .extranet-note{display:block;font-size:14px;font-weight:bold;color:#12355b;}' +
    '#extranet-menu .extranet-detail{display:block;font-size:14px;color:#404040;text-decoration:none;}';

  var userIcon = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
    '<circle cx="12" cy="8" r="4.5"/><path d="M3 22c0-5 4-8 9-8s9 3 9 8z"/></svg>';
  var buildingIcon = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
    '<path d="M4 2h12v20H4z M16 8h4v14h-4z" fill-rule="evenodd"/>' +
    '<path fill="#12355b" d="M6 4h3v3H6zM11 4h3v3h-3zM6 9h3v3H6zM11 9h3v3h-3zM6 14h3v3H6zM11 14h3v3h-3zM8 18h4v4H8z"/></svg>';

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, name)) { node.setAttribute(name, attrs[name]); }
    }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(String(text))); }
    return node;
  }

  function postForm(action, fields, label, id, csrf) {
    var form = el('form', { method: 'post', action: prefix + action });
    form.appendChild(el('input', { type: 'hidden', name: 'csrf', value: csrf || '' }));
    for (var name in fields) {
      if (Object.prototype.hasOwnProperty.call(fields, name)) {
        form.appendChild(el('input', { type: 'hidden', name: name, value: fields[name] }));
      }
    }
    var button = el('button', { type: 'submit', 'class': 'extranet-menu-item' });
    if (id) { button.setAttribute('id', id); }
    if (typeof label === 'string') { button.appendChild(document.createTextNode(label)); }
    else { button.appendChild(label); }
    form.appendChild(button);
    return form;
  }

  function accountText(container, account) {
    container.appendChild(el('span', { 'class': 'extranet-code' }, account.code));
    if (account.label) { container.appendChild(el('span', { 'class': 'extranet-detail' }, account.label)); }
    var syndic = 'Syndic ' + (account.syndic || '');
    if (account.syndic_name) { syndic += ' \u2014 ' + account.syndic_name; }
    container.appendChild(el('span', { 'class': 'extranet-detail' }, syndic));
  }

  var panels = [];

  function setOpen(entry, open) {
    entry.panel.className = open ? 'extranet-panel extranet-open' : 'extranet-panel';
    entry.button.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  function closeAll(except) {
    for (var i = 0; i < panels.length; i++) {
      if (panels[i] !== except) { setOpen(panels[i], false); }
    }
  }

  function addMenu(bar, name, label, icon) {
    var button = el('button', {
      type: 'button', id: 'extranet-' + name + '-button', 'class': 'extranet-button',
      'aria-label': label, title: label, 'aria-haspopup': 'true', 'aria-expanded': 'false',
      'aria-controls': 'extranet-' + name + '-menu'
    });
    button.innerHTML = icon;
    var panel = el('div', { id: 'extranet-' + name + '-menu', 'class': 'extranet-panel' });
    var entry = { button: button, panel: panel };
    panels.push(entry);
    on(button, 'click', function (event) {
      var open = button.getAttribute('aria-expanded') !== 'true';
      closeAll(entry);
      setOpen(entry, open);
      if (event && event.stopPropagation) { event.stopPropagation(); }
    });
    bar.appendChild(button);
    bar.appendChild(panel);
    return panel;
  }

  function build(me) {
    var csrf = me.csrf || '';
    var bar = el('div', { id: 'extranet-menu', role: 'navigation', 'aria-label': 'Extranet' });

    var userMenu = addMenu(bar, 'user', 'Menu utilisateur', userIcon);
    var who = me.login === 'email' && me.email ? me.email : (me.account && me.account.code) || '';
    if (who) { userMenu.appendChild(el('span', { 'class': 'extranet-menu-title' }, who)); }
    if (me.login === 'code') {
      userMenu.appendChild(el('a', { href: prefix + 'link', id: 'extranet-link-item', 'class': 'extranet-menu-item' },
        'Associer mon compte'));
    }
    if (me.login === 'email') {
      userMenu.appendChild(el('a', { href: prefix + 'manage', id: 'extranet-manage-item', 'class': 'extranet-menu-item' },
        'G\u00e9rer mes comptes'));
    }
    userMenu.appendChild(postForm('logout', {}, 'Se d\u00e9connecter', 'extranet-logout-item', csrf));

    var accountsMenu = addMenu(bar, 'accounts', 'Mes comptes', buildingIcon);
    accountsMenu.appendChild(el('span', { 'class': 'extranet-menu-title' }, 'Mes comptes'));
    var next = window.location.pathname + window.location.search;
    var accounts = me.accounts || [];
    for (var i = 0; i < accounts.length; i++) {
      var account = accounts[i];
      if (account.active) {
        var current = el('div', { 'class': 'extranet-menu-item extranet-active', 'aria-current': 'true' });
        accountText(current, account);
        current.appendChild(el('span', { 'class': 'extranet-note' }, 'Compte actif'));
        accountsMenu.appendChild(current);
      } else {
        var label = el('span', {});
        accountText(label, account);
        var form = postForm('switch', { account: account.code, next: next }, label, null, csrf);
        form.lastChild.setAttribute('data-account', account.code);
        accountsMenu.appendChild(form);
      }
    }
    accountsMenu.appendChild(el('a', { href: prefix + 'manage', id: 'extranet-accounts-manage', 'class': 'extranet-menu-item' },
      'G\u00e9rer mes comptes'));

    var style = el('style', { type: 'text/css' });
    if (style.styleSheet) { style.styleSheet.cssText = css; }
    else { style.appendChild(document.createTextNode(css)); }
    (document.getElementsByTagName('head')[0] || document.body).appendChild(style);
    document.body.appendChild(bar);

    on(document, 'click', function (event) {
      var target = event.target || event.srcElement;
      while (target) {
        if (target === bar) { return; }
        target = target.parentNode;
      }
      closeAll(null);
    });
    on(document, 'keydown', function (event) {
      var key = event.key || event.keyCode;
      if (key !== 'Escape' && key !== 'Esc' && key !== 27) { return; }
      for (var i = 0; i < panels.length; i++) {
        if (panels[i].button.getAttribute('aria-expanded') === 'true') {
          setOpen(panels[i], false);
          panels[i].button.focus();
        }
      }
    });
  }

  function load() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', prefix + 'api/me', true);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.withCredentials = true;
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4 || xhr.status !== 200) { return; }
      var me;
      try { me = JSON.parse(xhr.responseText); } catch (e) { return; }
      if (me && typeof me === 'object') { ready(function () { build(me); }); }
    };
    xhr.send(null);
  }

  load();
})();
)JS";
    return js;
}

}  // namespace extranet

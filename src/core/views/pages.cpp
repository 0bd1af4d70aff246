// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/pages.h"

#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/views/passkey_pages.h"

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
    out += "style.css?v=";
    out += asset_version();
    out += "\">\n</head>\n<body>\n<header class=\"site-header\">\n"
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

std::string form_open(const PageContext& ctx, std::string_view route, std::string_view css_class = {},
                      std::string_view id = {})
{
    std::string out = "<form method=\"post\" action=\"";
    out += esc(ctx.prefix);
    out += esc(route);
    out += '"';
    if (!id.empty()) {
        out += " id=\"";
        out += esc(id);
        out += '"';
    }
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

// An entry of an error summary: the id of the field at fault ("" when no
// single field is) and the message.
struct SummaryItem {
    std::string field_id;
    std::string message;
};

// The error summary at the top of a form that failed: every message, each a
// link to its field. Focused when the page loads (autofocus on its
// tabindex=-1 title, no JavaScript), which also scrolls it into view, so
// that on a phone the owner sees at once why nothing went through.
std::string error_summary(const std::string& id, const std::vector<SummaryItem>& items)
{
    if (items.empty()) {
        return {};
    }
    // The focus goes to its short title rather than to the whole box: a
    // browser centres what it focuses, and a long list would push a
    // focused box's top off a small screen.
    std::string out = "<div class=\"error-summary\" id=\"" + esc(id) + "\" role=\"alert\" aria-labelledby=\""
                      + esc(id) + "-title\">\n<p class=\"error-summary-title\" id=\"" + esc(id)
                      + "-title\" tabindex=\"-1\" autofocus>";
    out += items.size() == 1 ? "Votre demande n'a pas abouti :" : "Votre demande n'a pas abouti, "
                                                                   "veuillez corriger ces points :";
    out += "</p>\n<ul>\n";
    for (const SummaryItem& item : items) {
        out += "<li>";
        if (item.field_id.empty()) {
            out += esc(item.message);
        } else {
            out += "<a href=\"#" + esc(item.field_id) + "\">" + esc(item.message) + "</a>";
        }
        out += "</li>\n";
    }
    out += "</ul>\n</div>\n";
    return out;
}

// The summary items of a view's errors, in the order of the form's fields
// (pairs of error key and field id); a page-level error ("") comes first.
std::vector<SummaryItem> summary_items(const FieldErrors& errors,
                                       const std::vector<std::pair<std::string, std::string>>& order)
{
    std::vector<SummaryItem> items;
    auto page = errors.find("");
    if (page != errors.end()) {
        items.push_back({"", page->second});
    }
    for (const auto& [key, id] : order) {
        auto it = errors.find(key);
        if (it != errors.end()) {
            items.push_back({id, it->second});
        }
    }
    // Keys no field of this form shows still reach the owner.
    for (const auto& [key, message] : errors) {
        bool known = key.empty();
        for (const auto& entry : order) {
            known = known || entry.first == key;
        }
        if (!known) {
            items.push_back({"", message});
        }
    }
    return items;
}

// A syndic's contact details as a block: name, then each known way to
// reach them (tel: and mailto: links so that a phone can call at once).
std::string syndic_contact_block(const SyndicContact& c, std::string_view title)
{
    std::string out = "<div class=\"contact\">\n<h2>";
    out += title;
    out += "</h2>\n<p class=\"contact-name\"><strong>";
    out += esc(c.name.empty() ? "Syndic " + c.code : c.name);
    out += "</strong></p>\n<ul class=\"contact-list\">\n";
    if (!c.phone.empty()) {
        std::string dial;
        for (char ch : c.phone) {
            if ((ch >= '0' && ch <= '9') || ch == '+') {
                dial += ch;
            }
        }
        out += "<li>Téléphone : <a href=\"tel:" + esc(dial) + "\">" + esc(c.phone) + "</a></li>\n";
    }
    if (!c.email.empty()) {
        out += "<li>E-mail : <a href=\"mailto:" + esc(c.email) + "\">" + esc(c.email) + "</a></li>\n";
    }
    if (!c.address.empty()) {
        out += "<li>Adresse : " + esc(c.address) + "</li>\n";
    }
    out += "</ul>\n</div>\n";
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
        out += "<p class=\"error\" id=\"" + esc(f.id) + "-error\">" + esc(f.error) + "</p>\n";
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
                                std::string confirm_id, std::string_view confirm_label,
                                const FieldErrors& errors, unsigned min_length)
{
    Field fresh{std::move(id), name, label};
    fresh.type = "password";
    fresh.autocomplete = "new-password";
    fresh.hint = min_length_hint(min_length);
    fresh.error = error_for(errors, name);
    fresh.extra = min_length_attr(min_length);
    fresh.required = true;

    Field confirm{std::move(confirm_id), "password_confirm", confirm_label};
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
    body += form_open(ctx, "login", "login-form", "login-form");
    // Not tied to one field: the summary names the identifier first.
    body += error_summary("login-error", v.error.empty() ? std::vector<SummaryItem>{}
                                                         : std::vector<SummaryItem>{{"login-identifier", v.error}});
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
    body += "<p>Vous vous connectez avec un code client ? Son mot de passe vous a été donné par votre syndic. "
            "Entrez votre code client : nous vous indiquerons comment joindre votre syndic.</p>\n";
    body += form_open(ctx, "password/forgot", {}, "forgot-form");
    body += error_summary("forgot-form-errors", v.error.empty() ? std::vector<SummaryItem>{}
                                                                : std::vector<SummaryItem>{{"forgot-login", v.error}});
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
    body += form_open(ctx, "password/reset", {}, "reset-form");
    body += error_summary("reset-error", summary_items(v.errors, {{"new_password", "reset-new-password"},
                                                                  {"password_confirm", "reset-password-confirm"}}));
    body += hidden("token", v.token);
    if (!v.email.empty()) {
        body += "<p>Adresse e-mail : <strong>" + esc(v.email) + "</strong></p>\n";
        // Lets password managers pair the new password with the address.
        body += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";
    }
    body += new_password_fields("reset-new-password", "new_password", "Nouveau mot de passe",
                                "reset-password-confirm", "Confirmez le nouveau mot de passe", v.errors,
                                v.min_length);
    body += "<p class=\"hint\">Toutes vos sessions ouvertes seront fermées.</p>\n";
    // A lost or stolen device holds a passkey as well as a session.
    body += "<div class=\"choice\">\n<input type=\"checkbox\" name=\"remove_passkeys\" "
            "id=\"reset-remove-passkeys\" value=\"1\" aria-describedby=\"reset-passkeys-hint\"" +
            std::string(v.remove_passkeys ? " checked" : "") +
            ">\n<label for=\"reset-remove-passkeys\">Supprimer aussi toutes mes clés d'accès "
            "(passkeys)</label>\n</div>\n"
            "<p class=\"hint\" id=\"reset-passkeys-hint\">Laissez cette case cochée si vous avez "
            "perdu un téléphone ou un ordinateur, ou si quelqu'un d'autre a pu utiliser votre "
            "espace : une clé d'accès permet de se connecter sans mot de passe. Vous pourrez en "
            "ajouter de nouvelles dans « Gérer mes comptes ».</p>\n";
    body += submit("Enregistrer le mot de passe");
    body += "</form>\n";
    return layout(ctx, "Choisir un nouveau mot de passe", body);
}

std::string render_contact_syndic(const PageContext& ctx, const ContactSyndicView& v)
{
    std::string body = "<h1>Mot de passe oublié</h1>\n";
    body += "<p>Le mot de passe de votre code client est celui que votre syndic vous a communiqué : "
            "contactez votre syndic.</p>\n";
    body += "<p>Ce mot de passe figure sur votre appel de fonds. Si vous ne le retrouvez pas, demandez-le à "
            "votre syndic";
    if (v.syndic) {
        body += " :</p>\n";
        body += syndic_contact_block(*v.syndic, "Coordonnées de votre syndic");
    } else {
        body += " : ses coordonnées figurent aussi sur votre appel de fonds.</p>\n";
    }
    body += "<p>Une fois connecté avec votre code client, choisissez « Associer mon compte » : vous pourrez "
            "ensuite vous connecter avec votre adresse e-mail et un mot de passe personnel, que vous pourrez "
            "changer vous-même en cas d'oubli.</p>\n";
    body += "<p class=\"secondary\"><a href=\"" + esc(ctx.prefix) + "login\">Retour à la connexion</a></p>\n";
    return layout(ctx, "Mot de passe oublié", body);
}

std::string render_partner_refusal(const PageContext& ctx, const PartnerRefusalView& v)
{
    std::string body = "<h1>Ce compte ne peut pas être associé à cette adresse</h1>\n";
    body += "<p>" + esc(v.message) + "</p>\n";
    body += "<h2>Que faire ?</h2>\n<ul class=\"steps\">\n";
    body += "<li>Associer le compte <strong>" + esc(v.account)
            + "</strong> à une autre adresse e-mail : <a href=\"" + esc(ctx.prefix)
            + "link\">choisir une autre adresse e-mail</a>.</li>\n";
    body += "<li>Ou continuer à vous connecter à ce compte avec son code client <strong>" + esc(v.account)
            + "</strong> et le mot de passe donné par votre syndic : <a href=\"/\">retour à l'extranet</a>.</li>\n";
    body += "</ul>\n";
    body += syndic_contact_block(v.syndic, "Une question ? Contactez le syndic de ce compte");
    return layout(ctx, "Ce compte ne peut pas être associé à cette adresse", body);
}

std::string render_link_email(const PageContext& ctx, const LinkEmailView& v)
{
    std::string body = "<h1>Associer un compte</h1>\n";
    body += "<p>Choisissez l'adresse e-mail à rattacher à votre compte.</p>\n";
    body += "<p class=\"hint\">Vous vous connecterez ensuite avec cette adresse e-mail et un mot de passe "
            "personnel. Si vos autres comptes sont déjà rattachés à une adresse, entrez la même.</p>\n";
    body += form_open(ctx, "link", {}, "link-form");
    body += error_summary("link-form-errors", v.error.empty() ? std::vector<SummaryItem>{}
                                                              : std::vector<SummaryItem>{{"link-email", v.error}});
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

namespace {

// "Retour" to the e-mail step, the address typed still in its field.
std::string back_to_email(const PageContext& ctx, const std::string& email)
{
    std::string href = ctx.prefix + "link";
    if (!email.empty()) {
        href += "?email=" + url_encode(email);
    }
    return "<p class=\"secondary\"><a href=\"" + esc(href) + "\">Retour</a></p>\n";
}

}  // namespace

std::string render_link_profile(const PageContext& ctx, const LinkProfileView& v)
{
    std::string body = "<h1>Vos informations personnelles</h1>\n";
    body += form_open(ctx, "link/profile", {}, "profile-form");
    body += error_summary("profile-form-errors",
                          summary_items(v.errors, {{"last_name", "profile-last-name"},
                                                   {"first_name", "profile-first-name"},
                                                   {"phone", "profile-phone"},
                                                   {"password", "profile-password"},
                                                   {"password_confirm", "profile-password-confirm"}}));
    body += hidden("email", v.email);
    body += profile_fields("profile", v);
    body += "<h2 class=\"form-part\">Votre mot de passe personnel</h2>\n";
    body += "<p class=\"warning\" id=\"profile-password-warning\">Attention ce mot de passe est personnel et "
            "indépendant de votre syndic. Pensez donc bien à le conserver.</p>\n";
    body += new_password_fields("profile-password", "password", "Mot de passe", "profile-password-confirm",
                                "Confirmez le mot de passe", v.errors, v.min_length);
    body += submit("SUIVANT");
    body += "</form>\n";
    body += back_to_email(ctx, v.email);
    return layout(ctx, "Vos informations personnelles", body);
}

std::string render_link_password(const PageContext& ctx, const LinkPasswordView& v)
{
    std::string body = "<h1>Associer un compte</h1>\n";
    body += "<p>L'adresse e-mail saisie est déjà utilisée. Si vous souhaitez associer ce compte à cette "
            "adresse, veuillez entrer le mot de passe correspondant. Dans le cas contraire, veuillez "
            "revenir en arrière et entrer une nouvelle adresse.</p>\n";
    body += "<p>Adresse e-mail : <strong class=\"address\">" + esc(v.email) + "</strong></p>\n";
    body += form_open(ctx, "link/password", {}, "link-password-form");
    body += error_summary("link-password-form-errors",
                          v.error.empty() ? std::vector<SummaryItem>{}
                                          : std::vector<SummaryItem>{{"link-password", v.error}});
    body += hidden("email", v.email);
    // Lets password managers pair the password with the address.
    body += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";
    Field password = current_password_field("link-password", "password", "Votre mot de passe");
    password.error = v.error;
    body += field(password);
    body += submit("SUIVANT");
    body += "</form>\n";
    body += "<p class=\"secondary\"><a href=\"" + esc(ctx.prefix) + "password/forgot\">Mot de passe oublié ?</a></p>\n";
    body += back_to_email(ctx, v.email);
    return layout(ctx, "Associer un compte", body);
}

std::string render_link_done(const PageContext& ctx, const LinkDoneView& v)
{
    std::string body = "<h1>Ce compte est associé</h1>\n";
    body += "<p role=\"status\">Le compte <strong>" + esc(v.account) + "</strong> est associé à l'adresse <strong class=\"address\">"
            + esc(v.email) + "</strong>. Vous pourrez désormais vous connecter avec cette adresse e-mail.</p>\n";
    body += "<p>Pour vos prochaines connexions, utilisez cette adresse e-mail et votre mot de passe personnel. "
            "Vos autres comptes se rattachent de la même façon : connectez-vous avec leur code client, puis "
            "choisissez « Associer mon compte » et entrez cette même adresse e-mail.</p>\n";
    if (v.confirmation_sent) {
        body += "<p class=\"notice\" id=\"confirm-notice\">Un message vient d'être envoyé à cette adresse : "
                "ouvrez-le et suivez son lien pour pouvoir vous connecter avec cette adresse e-mail.</p>\n";
    }
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
    body += "</ul>\n<ul class=\"actions\">\n";
    if (!v.email_session) {
        body += "<li><a href=\"" + esc(ctx.prefix) + "link\">Associer mon compte</a></li>\n";
    }
    body += "<li><a href=\"" + esc(ctx.prefix) + "manage\">Gérer mes comptes</a></li>\n";
    body += "<li><a href=\"/\">Retour à l'extranet</a></li>\n";
    if (!ctx.csrf.empty()) {
        body += "<li>" + form_open(ctx, "logout", "inline-form");
        body += "<button type=\"submit\" class=\"button-link\">Se déconnecter</button>\n</form></li>\n";
    }
    body += "</ul>\n";
    return layout(ctx, "Mes comptes", body);
}

namespace {

// The form that shows the error summary of a failed manage action; "" when
// none does (the summary then sits at the top of the page).
std::string manage_summary_form(const ManageView& v)
{
    const std::string& a = v.failed_action;
    if (a == "profile" || a == "default" || a == "password") {
        return a;
    }
    if (a == "unlink" && v.confirm == "unlink") {
        return a;
    }
    return {};
}

std::string manage_form_summary(const ManageView& v, std::string_view action)
{
    if (v.errors.empty() || manage_summary_form(v) != action) {
        return {};
    }
    std::vector<std::pair<std::string, std::string>> order;
    if (action == "profile") {
        order = {{"last_name", "manage-last-name"}, {"first_name", "manage-first-name"}, {"phone", "manage-phone"}};
    } else if (action == "default") {
        order = {{"default_account", "manage-default-0"}};
    } else if (action == "password") {
        order = {{"current_password", "manage-current-password"},
                 {"new_password", "manage-new-password"},
                 {"password_confirm", "manage-password-confirm"}};
    } else if (action == "unlink") {
        order = {{"current_password", "manage-confirm-password"}};
    }
    return error_summary("manage-" + std::string(action) + "-errors", summary_items(v.errors, order));
}

std::string manage_profile(const PageContext& ctx, const ManageView& v)
{
    std::string out = "<section aria-labelledby=\"manage-profile\">\n"
                      "<h2 id=\"manage-profile\">Informations personnelles</h2>\n";
    out += form_open(ctx, "manage", {}, "manage-profile-form");
    out += manage_form_summary(v, "profile");
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
    out += form_open(ctx, "manage", {}, "manage-default-form");
    out += manage_form_summary(v, "default");
    out += hidden("action", "default");
    std::string error = error_for(v.errors, "default_account");
    out += "<fieldset";
    if (!error.empty()) {
        out += " aria-describedby=\"manage-default-error\"";
    }
    out += ">\n<legend class=\"plain\">Le compte affiché après une connexion par e-mail :</legend>\n";
    if (!error.empty()) {
        out += "<p class=\"error\" id=\"manage-default-error\">" + esc(error) + "</p>\n";
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

// A section folded away on a phone; open when its form just failed.
std::string details_open(std::string_view id, std::string_view title, bool open)
{
    std::string out = "<details class=\"fold\" id=\"";
    out += id;
    out += '"';
    if (open) {
        out += " open";
    }
    out += ">\n<summary>";
    out += title;
    out += "</summary>\n<div class=\"fold-body\">\n";
    return out;
}

std::string manage_password(const PageContext& ctx, const ManageView& v)
{
    std::string out = details_open("manage-password", "Changer mon mot de passe", v.failed_action == "password");
    out += form_open(ctx, "manage", {}, "manage-password-form");
    out += manage_form_summary(v, "password");
    out += hidden("action", "password");
    out += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";

    Field current = current_password_field("manage-current-password", "current_password",
                                           "Mot de passe actuel");
    if (v.failed_action == "password") {
        current.error = error_for(v.errors, "current_password");
    }
    out += field(current);
    FieldErrors errors = v.failed_action == "password" ? v.errors : FieldErrors{};
    out += new_password_fields("manage-new-password", "new_password", "Nouveau mot de passe",
                               "manage-password-confirm", "Confirmez le nouveau mot de passe", errors,
                               v.min_length);

    out += "<p class=\"hint\">Vos autres sessions ouvertes seront fermées.</p>\n";
    out += submit("Changer le mot de passe");
    out += "</form>\n</div>\n</details>\n";
    return out;
}

std::string confirm_href(const PageContext& ctx, std::string_view query)
{
    return esc(ctx.prefix + "manage?" + std::string(query));
}

std::string manage_accounts(const PageContext& ctx, const ManageView& v)
{
    std::string out = details_open("manage-accounts", "Comptes associés (" + std::to_string(v.accounts.size()) + ")",
                                   false);
    out += "<ul class=\"accounts\">\n";
    for (std::size_t i = 0; i < v.accounts.size(); ++i) {
        const AccountItem& a = v.accounts[i];
        std::string id = "manage-account-" + std::to_string(i);
        out += account_entry_start(a, id);
        out += "<p><a class=\"button button-danger\" href=\""
               + confirm_href(ctx, "confirm=unlink&account=" + url_encode(a.code))
               + "\" aria-describedby=\"" + id + "\">Dissocier ce compte…</a></p>\n";
        out += "</li>\n";
    }
    out += "</ul>\n</div>\n</details>\n";
    return out;
}

std::string manage_sessions(const PageContext& ctx, const ManageView& v)
{
    std::string out = details_open("manage-sessions", "Sessions ouvertes (" + std::to_string(v.sessions.size()) + ")",
                                   false);
    out += "<ul class=\"sessions\">\n";
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
            out += "<p><a class=\"button button-danger\" href=\""
                   + confirm_href(ctx, "confirm=end_session&session=" + url_encode(s.id))
                   + "\" aria-describedby=\"" + id + "\">Terminer cette session…</a></p>\n";
        }
        out += "</li>\n";
    }
    out += "</ul>\n";
    if (others) {
        out += "<p><a class=\"button button-danger\" href=\"" + confirm_href(ctx, "confirm=end_other_sessions")
               + "\">Terminer toutes les autres sessions…</a></p>\n";
    }
    out += "</div>\n</details>\n";
    return out;
}

// The confirmation step of a destructive action, at the top of the page
// and focused; "Annuler" goes back to the plain page.
std::string manage_confirm(const PageContext& ctx, const ManageView& v)
{
    std::string title;
    std::string text;
    std::string form;
    if (v.confirm == "unlink") {
        const AccountItem* account = nullptr;
        for (const AccountItem& a : v.accounts) {
            if (a.code == v.unlink_account) {
                account = &a;
            }
        }
        if (account == nullptr) {
            return {};
        }
        bool last = v.confirm_unlink_last || v.accounts.size() == 1;
        title = "Dissocier le compte " + esc(account->code) + " ?";
        text = "<p>Vous ne pourrez plus accéder à ce compte avec votre adresse e-mail. Il restera accessible avec "
               "son code client et le mot de passe donné par votre syndic.</p>\n";
        if (last) {
            text += "<p><strong>C'est le dernier compte associé à cette adresse : après sa dissociation, vous ne "
                    "pourrez plus vous connecter avec votre adresse e-mail.</strong></p>\n";
        }
        form = form_open(ctx, "manage", {}, "manage-unlink-form");
        form += manage_form_summary(v, "unlink");
        form += hidden("action", "unlink");
        form += hidden("account", account->code);
        form += hidden("confirm", "1");
        form += "<input type=\"hidden\" autocomplete=\"username\" value=\"" + esc(v.email) + "\">\n";
        Field password = current_password_field("manage-confirm-password", "current_password",
                                                "Votre mot de passe, pour confirmer");
        if (v.failed_action == "unlink") {
            password.error = error_for(v.errors, "current_password");
        }
        form += field(password);
        form += "<button type=\"submit\" class=\"danger\">Confirmer la dissociation</button>\n</form>\n";
    } else if (v.confirm == "end_session") {
        const SessionItem* session = nullptr;
        for (const SessionItem& s : v.sessions) {
            if (s.id == v.confirm_session && !s.current) {
                session = &s;
            }
        }
        if (session == nullptr) {
            return {};
        }
        title = "Terminer cette session ?";
        text = "<p>" + (session->device.empty() ? std::string("Appareil inconnu") : esc(session->device))
               + ", adresse " + esc(session->address) + ", dernière activité " + esc(session->last_seen)
               + ". Cet appareil devra se reconnecter.</p>\n";
        form = form_open(ctx, "manage", {}, "manage-end-session-form");
        form += hidden("action", "end_session");
        form += hidden("session", session->id);
        form += "<button type=\"submit\" class=\"danger\">Terminer la session</button>\n</form>\n";
    } else if (v.confirm == "end_other_sessions") {
        title = "Terminer toutes les autres sessions ?";
        text = "<p>Tous vos autres appareils devront se reconnecter. Cette session-ci reste ouverte.</p>\n";
        form = form_open(ctx, "manage", {}, "manage-end-others-form");
        form += hidden("action", "end_other_sessions");
        form += "<button type=\"submit\" class=\"danger\">Terminer les autres sessions</button>\n</form>\n";
    } else {
        return {};
    }
    // Focused unless its own error summary (inside) takes the focus.
    bool summary = manage_summary_form(v) == "unlink" && !v.errors.empty();
    std::string out = "<section class=\"confirm\" id=\"manage-confirm\" aria-labelledby=\"manage-confirm-title\">\n"
                      "<h2 id=\"manage-confirm-title\"";
    if (!summary) {
        out += " tabindex=\"-1\" autofocus";
    }
    out += ">" + title + "</h2>\n" + text + form;
    out += "<p class=\"secondary\"><a href=\"" + esc(ctx.prefix) + "manage\">Annuler</a></p>\n</section>\n";
    return out;
}

}  // namespace

std::string render_manage(const PageContext& ctx, const ManageView& v)
{
    std::string body = "<h1>Gérer mes comptes</h1>\n";
    body += notice_block(v.notice);
    if (!v.errors.empty() && manage_summary_form(v).empty()) {
        body += error_summary("manage-error", summary_items(v.errors, {}));
    }
    body += manage_confirm(ctx, v);
    // A phone shows the everyday settings first; the rest is folded.
    body += manage_default(ctx, v);
    body += manage_profile(ctx, v);
    body += manage_password(ctx, v);
    body += manage_accounts(ctx, v);
    body += manage_sessions(ctx, v);
    body += passkey_manage_section(ctx, v.passkeys, v.passkeys_open);  // "Clés d'accès"
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

std::string render_confirm_address(const PageContext& ctx, const ConfirmAddressView& v)
{
    std::string body = "<h1>Confirmer votre adresse e-mail</h1>\n";
    body += "<p>Adresse e-mail : <strong class=\"address\">" + esc(v.email) + "</strong></p>\n";
    if (!v.claimant.empty()) {
        body += "<p>Demande faite au nom de : <strong>" + esc(v.claimant) + "</strong></p>\n";
    }
    if (!v.accounts.empty()) {
        body += "<p>Compte qui sera associé à cette adresse :</p>\n<ul>\n";
        for (const auto& [code, label] : v.accounts) {
            body += "<li><strong>" + esc(code) + "</strong>";
            if (!label.empty()) {
                body += " — " + esc(label);
            }
            body += "</li>\n";
        }
        body += "</ul>\n";
    }
    body += "<p>Confirmez seulement si cette demande vient de vous. Sinon, ne confirmez pas : "
            "personne ne pourra utiliser votre adresse sans cette confirmation.</p>\n";
    body += form_open(ctx, "link/confirm", {}, "confirm-form");
    body += hidden("token", v.token);
    body += submit("Confirmer mon adresse e-mail");
    body += "</form>\n";
    return layout(ctx, "Confirmer votre adresse e-mail", body);
}

std::string_view stylesheet()
{
    // Mobile first; no custom properties or grid so old browsers render it.
    static constexpr std::string_view css = R"CSS(*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font-family: Arial, Helvetica, sans-serif; font-size: 18px; line-height: 1.5; }
.site-header { background: #12355b; color: #ffffff; padding: 8px 16px; }
.site-header:after { content: ""; display: table; clear: both; }
.site-name { margin: 0; font-size: 20px; font-weight: bold; }
.site-nav { margin-top: 0; font-size: 16px; }
legend.plain { font-weight: normal; }
.site-nav a, .site-nav .button-link { color: #ffffff; display: inline-block; min-height: 44px; padding: 10px 0; margin: 0 16px 0 0; }
.site-nav .button-link { background: transparent; border: 0; width: auto; font-size: inherit; text-decoration: underline; cursor: pointer; }
main { display: block; max-width: 40em; margin: 0 auto; padding: 16px; }
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 16px; }
h2 { font-size: 22px; line-height: 1.3; margin: 20px 0 8px; padding-top: 12px; border-top: 2px solid #d0d0d0; }
h3 { font-size: 20px; margin: 0 0 8px; }
p { margin: 0 0 12px; }
a { color: #0b4f9c; text-decoration: underline; }
a:visited { color: #5a2a82; }
.field { margin: 0 0 12px; }
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
  display: block; width: 100%; min-height: 48px; padding: 12px 20px; margin: 8px 0 12px;
  font-size: 18px; font-family: inherit; font-weight: bold; line-height: 1.2; text-align: center; text-decoration: none;
  color: #ffffff; background: #0b4f9c; border: 2px solid #0b4f9c; border-radius: 4px; cursor: pointer; }
a.button, a.button:visited { color: #ffffff; }
button:hover, .button:hover { background: #083a73; border-color: #083a73; }
a:focus, button:focus, input:focus, .button:focus { outline: 3px solid #e8a200; outline-offset: 2px; }
.inline-form { display: inline; margin: 0; }
.hint { color: #404040; font-size: 16px; margin: 0 0 4px; }
.error { color: #9b0000; font-weight: bold; margin: 0 0 8px; padding-left: 10px; border-left: 4px solid #9b0000; }
.error-summary { border: 4px solid #9b0000; background: #fff4f4; padding: 12px 16px; margin: 0 0 20px; }
.error-summary-title:focus { outline: 3px solid #e8a200; outline-offset: 2px; }
.error-summary-title { color: #9b0000; font-weight: bold; margin: 0 0 8px; }
.error-summary ul { margin: 0; padding-left: 20px; }
.error-summary li { margin: 0 0 4px; }
.error-summary a, .error-summary a:visited { color: #9b0000; font-weight: bold; }
.warning { color: #1a1a1a; background: #fff8e5; border-left: 4px solid #8a5a00; padding: 10px 12px; font-weight: bold; }
h2.form-part { font-size: 20px; margin: 24px 0 8px; padding-top: 12px; }
main, .site-header { overflow-wrap: anywhere; word-wrap: break-word; }
.address { overflow-wrap: anywhere; word-break: break-all; }
.fold { border: 2px solid #c8c8c8; border-radius: 4px; margin: 0 0 6px; }
.fold > summary { display: list-item; min-height: 48px; padding: 10px 16px; font-size: 20px; font-weight: bold; color: #12355b; cursor: pointer; }
.fold > summary:focus { outline: 3px solid #e8a200; outline-offset: 2px; }
.fold > summary h2 { display: inline; font-size: inherit; margin: 0; padding: 0; border: 0; color: inherit; }
.fold-body { padding: 0 16px 8px; }
a.button-danger, a.button-danger:visited { display: inline-block; width: auto; min-width: 0; margin: 4px 0 8px; padding: 10px 16px; color: #9b0000; background: #ffffff; border: 2px solid #9b0000; font-weight: bold; }
a.button-danger:hover { background: #fff4f4; border-color: #9b0000; }
button.danger { background: #9b0000; border-color: #9b0000; }
button.danger:hover { background: #6e0000; border-color: #6e0000; }
.contact { border: 2px solid #12355b; border-radius: 4px; padding: 12px 16px; margin: 16px 0; }
.contact h2 { margin: 0 0 8px; padding: 0; border: 0; font-size: 20px; }
.contact-list, .steps { margin: 0 0 12px; padding-left: 20px; }
.contact-list li, .steps li { margin: 0 0 8px; }
.actions .button-link { background: transparent; color: #0b4f9c; border: 0; padding: 10px 0; margin: 0; width: auto; min-width: 0; font-weight: normal; text-decoration: underline; text-align: left; }
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

  // A bar of its own at the top of the page, in the flow: it pushes the
  // legacy page down rather than covering it, it is never wider than the
  // screen (so the icons stay on it whatever the text size or zoom), and
  // an open menu unfolds below it, in the flow too.
  var css =
    '#extranet-menu{display:block;position:static;float:none;clear:both;width:auto;max-width:100vw;margin:0;' +
    'padding:4px 8px;background:#12355b;text-align:right;font-family:Arial,Helvetica,sans-serif;font-size:16px;' +
    'line-height:1.4;color:#1a1a1a;overflow:hidden;overflow-wrap:anywhere;word-wrap:break-word;}' +
    '#extranet-menu *{box-sizing:border-box;margin:0;padding:0;font-family:inherit;font-size:inherit;' +
    'line-height:inherit;letter-spacing:normal;text-transform:none;float:none;}' +
    '#extranet-menu .extranet-bar{display:block;text-align:right;white-space:nowrap;}' +
    '#extranet-menu .extranet-button{display:inline-block;width:48px;height:48px;min-width:48px;margin:0 0 0 8px;' +
    'padding:8px;background:#12355b;color:#ffffff;border:2px solid #ffffff;border-radius:50%;cursor:pointer;' +
    'vertical-align:top;}' +
    '#extranet-menu .extranet-button svg{display:block;width:28px;height:28px;fill:#ffffff;}' +
    '#extranet-menu .extranet-button:focus,#extranet-menu .extranet-menu-item:focus{outline:3px solid #e8a200;outline-offset:2px;}' +
    '#extranet-menu .extranet-panel{display:none;position:static;width:300px;max-width:100%;max-width:calc(100vw - 16px);' +
    'margin:8px 0 4px auto;background:#ffffff;border:2px solid #ffffff;border-radius:4px;padding:8px;text-align:left;' +
    'white-space:normal;}' +
    '#extranet-menu .extranet-panel.extranet-open{display:block;}' +
    '#extranet-menu .extranet-menu-title{display:block;padding:8px;font-weight:bold;color:#12355b;}' +
    '#extranet-menu form{display:block;}' +
    '#extranet-menu .extranet-menu-item{display:block;width:100%;min-height:44px;padding:10px 12px;margin:4px 0;' +
    'background:#ffffff;color:#0b4f9c;border:2px solid #c8c8c8;border-radius:4px;text-align:left;' +
    'text-decoration:underline;cursor:pointer;font-size:16px;font-weight:normal;}' +
    '#extranet-menu .extranet-menu-item:hover{background:#eef3fa;}' +
    '#extranet-menu .extranet-active{color:#1a1a1a;text-decoration:none;border-color:#12355b;background:#f2f6fb;cursor:default;}' +
    '#extranet-menu .extranet-note{display:block;font-size:14px;font-weight:bold;color:#12355b;}' +
    '#extranet-menu .extranet-detail{display:block;font-size:14px;color:#404040;text-decoration:none;}' +
    '#extranet-menu .extranet-code{display:block;}';

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
    bar.buttons.appendChild(button);
    bar.appendChild(panel);
    return panel;
  }

  function build(me) {
    var csrf = me.csrf || '';
    // The injected snippet's own bar (a plain link to the accounts page for
    // browsers without JavaScript) is reused; else a new one.
    var bar = document.getElementById('extranet-menu');
    if (bar) {
      while (bar.firstChild) { bar.removeChild(bar.firstChild); }
    } else {
      bar = el('nav', { id: 'extranet-menu' });
    }
    bar.setAttribute('aria-label', 'Mon compte extranet');
    if (bar.nodeName.toLowerCase() !== 'nav') { bar.setAttribute('role', 'navigation'); }
    bar.buttons = el('div', { 'class': 'extranet-bar' });
    bar.appendChild(bar.buttons);

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
    // First thing in the page, so that it takes its own room at the top.
    document.body.insertBefore(bar, document.body.firstChild);

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

const std::string& asset_version()
{
    static const std::string version = [] {
        std::string both(stylesheet());
        both += '\0';
        both += menu_script();
        return hex_encode(sha256(both)).substr(0, 16);
    }();
    return version;
}

std::string asset_etag(std::string_view body)
{
    return "\"" + hex_encode(sha256(body)).substr(0, 32) + "\"";
}

}  // namespace extranet

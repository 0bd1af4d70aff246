#include "core/views/pages.h"

#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

using namespace extranet;

namespace {

// A value that breaks out of text and of a quoted attribute if not escaped.
const std::string evil = "<script>alert(\"x\")</script>' onfocus=\"y";
const std::string evil_escaped =
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onfocus=&quot;y";

// The page without the one script tag passkeys add (a static file, no inline code).
std::string without_passkey_script(std::string html)
{
    // The theme's versioned passkey.js, the one script a page loads.
    const std::string tag = "<script src=\"/auth/passkey.js?v=" + asset_version() + "\" defer></script>";
    for (std::size_t at; (at = html.find(tag)) != std::string::npos;) {
        html.erase(at, tag.size());
    }
    return html;
}

bool has(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

std::size_t count(std::string_view haystack, std::string_view needle)
{
    std::size_t n = 0;
    for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
         at = haystack.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

// The whole tag around the first occurrence of needle, to check that
// attributes sit on the same element.
std::string tag_with(const std::string& html, std::string_view needle, std::size_t from = 0)
{
    std::size_t at = html.find(needle, from);
    if (at == std::string::npos) {
        return {};
    }
    std::size_t start = html.rfind('<', at);
    std::size_t end = html.find('>', at);
    return html.substr(start, end - start + 1);
}

// The text from the first occurrence of open up to the following close.
std::string section(const std::string& html, std::string_view open, std::string_view close)
{
    std::size_t start = html.find(open);
    if (start == std::string::npos) {
        return {};
    }
    std::size_t end = html.find(close, start + open.size());
    return html.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

PageContext ctx_with_csrf()
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.csrf = "c5rf70k3n";
    ctx.logged_in = true;
    return ctx;
}

PageContext ctx_without_csrf()
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    return ctx;
}

// Ensures a rendered page carries no executable or raw injected markup.
void assert_injection_neutralised(const std::string& html)
{
    assert_false(has(without_passkey_script(html), "<script"));
    assert_false(has(html, "onfocus=\"y"));
    assert_true(has(html, evil_escaped));
}

std::vector<AccountItem> three_accounts()
{
    AccountItem a;
    a.code = "030000100001";
    a.syndic_code = "0300";
    a.syndic_name = "Cabinet Martin";
    a.label = "Appartement 12";
    a.is_default = true;
    AccountItem b;
    b.code = "030000100002";
    b.syndic_code = "0300";
    b.syndic_name = "Cabinet Martin";
    b.label = "Parking 4";
    b.active = true;
    AccountItem c;
    c.code = "040000200003";
    c.syndic_code = "0400";
    c.syndic_name = "Gestion Durand";
    c.label = "Cave 2";
    return {a, b, c};
}

ManageView manage_view()
{
    ManageView v;
    v.email = "marie@example.fr";
    v.last_name = "Dupont";
    v.first_name = "Marie";
    v.phone = "0601020304";
    v.accounts = three_accounts();
    SessionItem current;
    current.id = "aa11";
    current.device = "Firefox sur Linux";
    current.address = "192.0.2.1";
    current.last_seen = "26/11/2026 11:44";
    current.current = true;
    SessionItem other;
    other.id = "bb22";
    other.device = "Safari sur iPhone";
    other.address = "198.51.100.7";
    other.last_seen = "25/11/2026 08:02";
    v.sessions = {current, other};
    return v;
}

}  // namespace

static void test_layout_is_french_mobile_and_script_free(void **state)
{
    (void)state;
    std::string html = render_login(ctx_without_csrf(), LoginView{});
    assert_int_equal(html.rfind("<!doctype html>", 0), 0);
    assert_true(has(html, "<html lang=\"fr\">"));
    assert_true(has(html, "<meta charset=\"utf-8\">"));
    assert_true(has(html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    assert_true(has(html, "<link rel=\"stylesheet\" href=\"/auth/style.css?v=" + asset_version() + "\">"));
    assert_true(has(html, "Extranet copropriétaires"));
    assert_true(has(html, "<title>Accédez à votre compte"));
    assert_true(has(html, "<main"));
    // No inline script (CSP without 'unsafe-inline'); only the static passkey.js.
    assert_false(has(without_passkey_script(html), "<script"));
    assert_true(has(html, "<script src=\"/auth/passkey.js?v=" + asset_version() + "\" defer></script>"));
}

static void test_prefix_is_used_for_every_route(void **state)
{
    (void)state;
    PageContext ctx = ctx_with_csrf();
    ctx.prefix = "/espace/";
    std::string login = render_login(ctx, LoginView{});
    assert_true(has(login, "action=\"/espace/login\""));
    assert_true(has(login, "href=\"/espace/style.css?v="));
    assert_true(has(login, "href=\"/espace/password/forgot\""));
    assert_false(has(login, "/auth/"));
    assert_true(has(render_manage(ctx, manage_view()), "action=\"/espace/manage\""));
}

static void test_login_has_spec_texts(void **state)
{
    (void)state;
    std::string html = render_login(ctx_without_csrf(), LoginView{});
    assert_true(has(html, "<h1>Accédez à votre compte</h1>"));
    assert_true(has(html, ">Identifiant (code client ou adresse e-mail)</label>"));
    assert_true(has(html, ">Connexion</button>"));
    assert_true(has(html, "<a href=\"/auth/password/forgot\">Mot de passe oublié ?</a>"));
    assert_true(has(html, "method=\"post\" action=\"/auth/login\""));
}

static void test_login_fields_have_autocomplete_and_no_inputmode(void **state)
{
    (void)state;
    std::string html = render_login(ctx_without_csrf(), LoginView{});
    std::string login = tag_with(html, "name=\"login\"");
    assert_true(has(login, "autocomplete=\"username\""));
    assert_true(has(login, " required"));
    assert_false(has(login, "inputmode"));
    assert_true(has(login, "id=\"login-identifier\""));
    std::string password = tag_with(html, "name=\"password\"");
    assert_true(has(password, "type=\"password\""));
    assert_true(has(password, "autocomplete=\"current-password\""));
    assert_true(has(html, "<label for=\"login-identifier\">"));
    assert_true(has(html, "<label for=\"login-password\">"));
}

static void test_login_field_names_follow_the_view(void **state)
{
    (void)state;
    LoginView v;
    v.login_field = "user_code";
    v.password_field = "pass\"word";
    std::string html = render_login(ctx_without_csrf(), v);
    assert_true(has(tag_with(html, "name=\"user_code\""), "autocomplete=\"username\""));
    assert_true(has(tag_with(html, "name=\"pass&quot;word\""), "autocomplete=\"current-password\""));
    assert_false(has(html, "name=\"login\""));
    assert_false(has(html, "name=\"password\""));
}

static void test_login_error_is_an_alert_tied_to_the_fields(void **state)
{
    (void)state;
    LoginView v;
    v.error = "Identifiant ou mot de passe incorrect.";
    v.identifier = "030000100001";
    std::string html = render_login(ctx_without_csrf(), v);
    // the summary at the top of the form, focused, linking to the identifier
    std::string summary = section(html, "<div class=\"error-summary\" id=\"login-error\"", "</div>");
    assert_true(has(summary, "id=\"login-error\" role=\"alert\""));
    assert_true(has(summary, "id=\"login-error-title\" tabindex=\"-1\" autofocus>"));
    assert_true(has(summary, "<a href=\"#login-identifier\">Identifiant ou mot de passe incorrect.</a>"));
    assert_true(html.find("id=\"login-error\"") > html.find("<form"));
    assert_true(html.find("id=\"login-error\"") < html.find("name=\"login\""));
    std::string login = tag_with(html, "name=\"login\"");
    assert_true(has(login, "aria-describedby=\"login-error\""));
    assert_true(has(login, "aria-invalid=\"true\""));
    assert_true(has(login, "value=\"030000100001\""));
    std::string password = tag_with(html, "name=\"password\"");
    assert_true(has(password, "aria-invalid=\"true\""));
    assert_false(has(password, "value="));
}

static void test_login_without_error_has_no_alert(void **state)
{
    (void)state;
    std::string html = render_login(ctx_without_csrf(), LoginView{});
    assert_false(has(html, "role=\"alert\""));
    assert_false(has(html, "aria-invalid"));
    assert_false(has(html, "name=\"next\""));
}

static void test_login_notice_comes_before_the_form(void **state)
{
    (void)state;
    LoginView v;
    v.notice = "Vous êtes déconnecté.";
    std::string html = render_login(ctx_without_csrf(), v);
    std::size_t notice = html.find("role=\"status\">Vous êtes déconnecté.</p>");
    assert_true(notice != std::string::npos);
    assert_true(notice < html.find("<form"));
}

static void test_login_escapes_every_dynamic_value(void **state)
{
    (void)state;
    LoginView v;
    v.identifier = evil;
    v.next = evil;
    v.error = evil;
    v.notice = evil;
    std::string html = render_login(ctx_without_csrf(), v);
    assert_injection_neutralised(html);
    assert_int_equal(count(html, evil_escaped), 5);  // with the passkey button's data-next
    assert_true(has(tag_with(html, "name=\"next\""), "value=\"" + evil_escaped + "\""));
}

static void test_csrf_field_present_when_set(void **state)
{
    (void)state;
    PageContext ctx = ctx_with_csrf();
    const std::string field = "<input type=\"hidden\" name=\"csrf\" value=\"c5rf70k3n\">";
    assert_true(has(render_login(ctx, LoginView{}), field));
    assert_true(has(render_link_email(ctx, LinkEmailView{}), field));
    assert_true(has(render_link_profile(ctx, LinkProfileView{}), field));
    assert_true(has(render_link_password(ctx, LinkPasswordView{}), field));
    AccountsView accounts;
    accounts.accounts = three_accounts();
    std::string html = render_accounts(ctx, accounts);
    // two switch forms, the header's logout form and the page's own
    assert_int_equal(count(html, field), 4);
    std::string manage = render_manage(ctx, manage_view());
    assert_int_equal(count(manage, "<form"), count(manage, field));
}

static void test_csrf_field_absent_when_empty(void **state)
{
    (void)state;
    PageContext ctx = ctx_without_csrf();
    assert_false(has(render_login(ctx, LoginView{}), "name=\"csrf\""));
    assert_false(has(render_link_email(ctx, LinkEmailView{}), "name=\"csrf\""));
    AccountsView accounts;
    accounts.accounts = three_accounts();
    assert_false(has(render_accounts(ctx, accounts), "name=\"csrf\""));
    assert_false(has(render_manage(ctx, manage_view()), "name=\"csrf\""));
}

static void test_csrf_token_is_escaped(void **state)
{
    (void)state;
    PageContext ctx = ctx_with_csrf();
    ctx.csrf = evil;
    assert_injection_neutralised(render_link_email(ctx, LinkEmailView{}));
}

static void test_logged_in_header_offers_logout(void **state)
{
    (void)state;
    std::string html = render_link_email(ctx_with_csrf(), LinkEmailView{});
    std::string header = section(html, "<header", "</header>");
    assert_true(has(header, "action=\"/auth/logout\""));
    assert_true(has(header, "Se déconnecter"));
    assert_false(has(render_login(ctx_without_csrf(), LoginView{}), "/auth/logout"));
}

static void test_link_email_texts_and_autocomplete(void **state)
{
    (void)state;
    std::string html = render_link_email(ctx_with_csrf(), LinkEmailView{});
    assert_true(has(html, "<h1>Associer un compte</h1>"));
    assert_true(has(html, ">Votre email</label>"));
    assert_true(has(html, ">SUIVANT</button>"));
    assert_true(has(html, "action=\"/auth/link\""));
    std::string email = tag_with(html, "name=\"email\"");
    assert_true(has(email, "type=\"email\""));
    assert_true(has(email, "autocomplete=\"email\""));
}

static void test_link_email_error_next_to_the_field(void **state)
{
    (void)state;
    LinkEmailView v;
    v.email = "pas-une-adresse";
    v.error = "Veuillez entrer une adresse email valide.";
    std::string html = render_link_email(ctx_with_csrf(), v);
    assert_true(has(html, "id=\"link-email-error\">Veuillez entrer une adresse email valide.</p>"));
    std::string summary = section(html, "<div class=\"error-summary\"", "</div>");
    assert_true(has(summary, "autofocus"));
    assert_true(has(summary, "<a href=\"#link-email\">Veuillez entrer une adresse email valide.</a>"));
    std::string email = tag_with(html, "name=\"email\"");
    assert_true(has(email, "aria-describedby=\"link-email-error\""));
    assert_true(has(email, "aria-invalid=\"true\""));
    assert_true(has(email, "value=\"pas-une-adresse\""));
}

static void test_link_email_escapes_email_and_error(void **state)
{
    (void)state;
    LinkEmailView v;
    v.email = evil;
    v.error = evil;
    std::string html = render_link_email(ctx_with_csrf(), v);
    assert_injection_neutralised(html);
    // the value, the error next to the field and in the summary
    assert_int_equal(count(html, evil_escaped), 3);
}

static void test_link_profile_fields_and_autocomplete(void **state)
{
    (void)state;
    LinkProfileView v;
    v.email = "marie@example.fr";
    v.min_length = 14;
    std::string html = render_link_profile(ctx_with_csrf(), v);
    assert_true(has(html, "<h1>Vos informations personnelles</h1>"));
    assert_true(has(html, "action=\"/auth/link/profile\""));
    assert_true(has(html, "<input type=\"hidden\" name=\"email\" value=\"marie@example.fr\">"));
    std::string shown = tag_with(html, "id=\"profile-email\"");
    assert_true(has(shown, "readonly"));
    assert_false(has(shown, "name="));
    assert_true(has(tag_with(html, "name=\"last_name\""), "autocomplete=\"family-name\""));
    assert_true(has(tag_with(html, "name=\"first_name\""), "autocomplete=\"given-name\""));
    std::string phone = tag_with(html, "name=\"phone\"");
    assert_true(has(phone, "type=\"tel\""));
    assert_true(has(phone, "autocomplete=\"tel\""));
    assert_false(has(phone, "required"));
    std::string password = tag_with(html, "name=\"password\"");
    assert_true(has(password, "autocomplete=\"new-password\""));
    assert_true(has(password, "minlength=\"14\""));
    assert_true(has(password, "aria-describedby=\"profile-password-hint\""));
    assert_true(has(tag_with(html, "name=\"password_confirm\""), "autocomplete=\"new-password\""));
    assert_true(has(html, ">Nom</label>"));
    assert_true(has(html, ">Prénom</label>"));
    assert_true(has(html, ">Téléphone (facultatif)</label>"));
    assert_true(has(html, ">Mot de passe</label>"));
    assert_true(has(html, ">Confirmez le mot de passe</label>"));
    assert_true(has(html, "Attention ce mot de passe est personnel et indépendant de votre syndic. "
                          "Pensez donc bien à le conserver."));
    assert_true(has(html, "<a href=\"/auth/link?email=marie%40example.fr\">Retour</a>"));
    assert_true(has(html, "Au moins 14 caractères."));
    assert_true(has(html, ">SUIVANT</button>"));
}

static void test_link_profile_errors_sit_next_to_their_fields(void **state)
{
    (void)state;
    LinkProfileView v;
    v.errors["password_confirm"] = "Les mots de passe ne correspondent pas.";
    v.errors["last_name"] = "Veuillez indiquer votre nom.";
    std::string html = render_link_profile(ctx_with_csrf(), v);
    std::string confirm_block = section(html, "<label for=\"profile-password-confirm\"", "</div>");
    assert_true(has(confirm_block, "Les mots de passe ne correspondent pas."));
    assert_true(has(tag_with(html, "name=\"password_confirm\""), "aria-invalid=\"true\""));
    std::string last_name_block = section(html, "<label for=\"profile-last-name\"", "</div>");
    assert_true(has(last_name_block, "Veuillez indiquer votre nom."));
    assert_false(has(tag_with(html, "name=\"first_name\""), "aria-invalid"));
}

static void test_link_profile_escapes_values_and_errors(void **state)
{
    (void)state;
    LinkProfileView v;
    v.email = v.last_name = v.first_name = v.phone = evil;
    v.errors["phone"] = evil;
    v.errors[""] = evil;
    std::string html = render_link_profile(ctx_with_csrf(), v);
    assert_injection_neutralised(html);
    // hidden and shown e-mail, three fields, the phone error next to its
    // field, both errors in the summary
    assert_int_equal(count(html, evil_escaped), 8);
}

static void test_link_password_sentence_and_fields(void **state)
{
    (void)state;
    LinkPasswordView v;
    v.email = "marie@example.fr";
    v.error = "Mot de passe incorrect.";
    std::string html = render_link_password(ctx_with_csrf(), v);
    assert_true(has(html,
                    "L'adresse e-mail saisie est déjà utilisée. Si vous souhaitez associer ce compte à cette "
                    "adresse, veuillez entrer le mot de passe correspondant. Dans le cas contraire, veuillez "
                    "revenir en arrière et entrer une nouvelle adresse."));
    assert_true(has(html, "<input type=\"hidden\" name=\"email\" value=\"marie@example.fr\">"));
    assert_true(has(html, ">Votre mot de passe</label>"));
    std::string password = tag_with(html, "name=\"password\"");
    assert_true(has(password, "autocomplete=\"current-password\""));
    assert_true(has(password, "aria-invalid=\"true\""));
    assert_true(has(html, "Mot de passe incorrect."));
    assert_true(has(html, ">SUIVANT</button>"));
    // "Retour" keeps the address typed
    assert_true(has(html, "<a href=\"/auth/link?email=marie%40example.fr\">Retour</a>"));
    assert_true(has(html, "action=\"/auth/link/password\""));
    assert_true(has(section(html, "<div class=\"error-summary\"", "</div>"),
                    "<a href=\"#link-password\">Mot de passe incorrect.</a>"));
}

static void test_link_password_escapes_email_and_error(void **state)
{
    (void)state;
    LinkPasswordView v;
    v.email = evil;
    v.error = evil;
    std::string html = render_link_password(ctx_with_csrf(), v);
    assert_injection_neutralised(html);
}

static void test_link_done_names_account_and_email(void **state)
{
    (void)state;
    LinkDoneView v;
    v.account = "030000100001";
    v.email = "marie@example.fr";
    std::string html = render_link_done(ctx_with_csrf(), v);
    assert_true(has(html, "<h1>Ce compte est associé</h1>"));
    assert_true(has(html, "030000100001"));
    assert_true(has(html, "marie@example.fr"));
    assert_true(has(html, "href=\"/\""));
    assert_true(has(html, "<a href=\"/auth/manage\">Gérer mes comptes</a>"));
    v.account = v.email = evil;
    assert_injection_neutralised(render_link_done(ctx_with_csrf(), v));
}

static void test_accounts_marks_the_active_account(void **state)
{
    (void)state;
    AccountsView v;
    v.accounts = three_accounts();
    std::string html = render_accounts(ctx_with_csrf(), v);
    assert_true(has(html, "<h1>Mes comptes</h1>"));
    assert_int_equal(count(html, "aria-current=\"true\""), 1);
    assert_int_equal(count(html, "Compte actif"), 1);
    std::string active = section(html, "aria-current=\"true\"", "</li>");
    assert_true(has(active, "030000100002"));
    assert_true(has(active, "Compte actif"));
    assert_false(has(active, "<form"));
    assert_int_equal(count(html, "Compte par défaut"), 1);
    assert_true(has(section(html, "030000100001", "</li>"), "Compte par défaut"));
    assert_true(has(html, "0400 — Gestion Durand"));
    assert_true(has(html, "Cave 2"));
}

static void test_accounts_offers_switch_only_for_other_accounts(void **state)
{
    (void)state;
    AccountsView v;
    v.accounts = three_accounts();
    v.next = "/extranet/releve.php?annee=2026";
    std::string html = render_accounts(ctx_with_csrf(), v);
    assert_int_equal(count(html, "action=\"/auth/switch\""), 2);
    assert_int_equal(count(html, ">Accéder à ce compte</button>"), 2);
    assert_true(has(html, "name=\"account\" value=\"030000100001\""));
    assert_true(has(html, "name=\"account\" value=\"040000200003\""));
    assert_false(has(html, "name=\"account\" value=\"030000100002\""));
    assert_int_equal(count(html, "name=\"next\" value=\"/extranet/releve.php?annee=2026\""), 2);
    std::string form = section(html, "action=\"/auth/switch\"", "</form>");
    assert_true(has(form, "name=\"csrf\""));
    assert_true(has(form, "name=\"account\""));
    assert_true(has(form, "name=\"next\""));
}

static void test_accounts_offers_linking_only_to_code_sessions(void **state)
{
    (void)state;
    AccountsView v;
    v.accounts = three_accounts();
    std::string code = render_accounts(ctx_with_csrf(), v);
    assert_true(has(code, "<a href=\"/auth/link\">Associer mon compte</a>"));
    assert_true(has(code, "<a href=\"/auth/manage\">Gérer mes comptes</a>"));
    v.email_session = true;
    std::string email = render_accounts(ctx_with_csrf(), v);
    assert_false(has(email, "Associer mon compte"));
    assert_true(has(email, "<a href=\"/auth/manage\">Gérer mes comptes</a>"));
}

static void test_accounts_escapes_every_dynamic_value(void **state)
{
    (void)state;
    AccountItem a;
    a.code = a.syndic_code = a.syndic_name = a.label = evil;
    AccountsView v;
    v.accounts = {a};
    v.next = evil;
    std::string html = render_accounts(ctx_with_csrf(), v);
    assert_injection_neutralised(html);
    // shown code, syndic code, name, label, hidden account, hidden next
    assert_int_equal(count(html, evil_escaped), 6);
}

static void test_manage_has_every_section_posting_to_manage(void **state)
{
    (void)state;
    std::string html = render_manage(ctx_with_csrf(), manage_view());
    assert_true(has(html, "<h1>Gérer mes comptes</h1>"));
    // on a phone: the default account and the personal information first,
    // the rest folded
    std::size_t def = html.find(">Compte affiché à la connexion</h2>");
    std::size_t profile = html.find(">Informations personnelles</h2>");
    std::size_t password = html.find("<summary>Changer mon mot de passe</summary>");
    std::size_t accounts = html.find("<summary>Comptes associés (3)</summary>");
    std::size_t sessions = html.find("<summary>Sessions ouvertes (2)</summary>");
    assert_true(def != std::string::npos && profile != std::string::npos);
    assert_true(password != std::string::npos && accounts != std::string::npos && sessions != std::string::npos);
    assert_true(def < profile && profile < password && password < accounts && accounts < sessions);
    assert_false(has(html, "<details class=\"fold\" id=\"manage-password\" open"));
    assert_true(has(html, ">Enregistrer</button>"));
    // every form but the two logout forms posts to manage
    assert_int_equal(count(html, "<form"), count(html, "action=\"/auth/manage\"") + 1);
    for (const char* action : {"profile", "default", "password"}) {
        assert_true(has(html, std::string("name=\"action\" value=\"") + action + "\""));
    }
    // destructive actions are links to their confirmation step, never a
    // form that acts at once
    assert_false(has(html, "name=\"action\" value=\"unlink\""));
    assert_false(has(html, "name=\"action\" value=\"end_session\""));
    assert_false(has(html, "name=\"action\" value=\"end_other_sessions\""));
    assert_false(has(html, "name=\"confirm\""));
}

static void test_manage_profile_and_password_autocomplete(void **state)
{
    (void)state;
    ManageView v = manage_view();
    v.min_length = 16;
    std::string html = render_manage(ctx_with_csrf(), v);
    std::string email = tag_with(html, "id=\"manage-email\"");
    assert_true(has(email, "readonly"));
    assert_true(has(email, "value=\"marie@example.fr\""));
    assert_true(has(tag_with(html, "name=\"last_name\""), "value=\"Dupont\""));
    assert_true(has(tag_with(html, "name=\"first_name\""), "autocomplete=\"given-name\""));
    assert_true(has(tag_with(html, "name=\"phone\""), "autocomplete=\"tel\""));
    assert_true(has(tag_with(html, "name=\"current_password\""), "autocomplete=\"current-password\""));
    std::string fresh = tag_with(html, "name=\"new_password\"");
    assert_true(has(fresh, "autocomplete=\"new-password\""));
    assert_true(has(fresh, "minlength=\"16\""));
    assert_true(has(tag_with(html, "name=\"password_confirm\""), "autocomplete=\"new-password\""));
    assert_true(has(html, "Au moins 16 caractères."));
    // one clearly named field per purpose
    assert_int_equal(count(html, ">Mot de passe actuel</label>"), 1);
    assert_int_equal(count(html, ">Nouveau mot de passe</label>"), 1);
    assert_int_equal(count(html, ">Confirmez le nouveau mot de passe</label>"), 1);
    // the fourth: adding a passkey asks for the password (in its own box)
    assert_int_equal(count(html, "type=\"password\""), 4);
    assert_int_equal(count(html, ">Votre mot de passe actuel</label>"), 1);
}

static void test_manage_default_account_radios(void **state)
{
    (void)state;
    std::string html = render_manage(ctx_with_csrf(), manage_view());
    assert_int_equal(count(html, "type=\"radio\" name=\"default_account\""), 3);
    assert_true(has(tag_with(html, "value=\"030000100001\" checked"), "default_account"));
    assert_int_equal(count(html, " checked"), 1);
}

static void test_manage_unlink_forms_need_the_password(void **state)
{
    (void)state;
    std::string html = render_manage(ctx_with_csrf(), manage_view());
    // each account: a danger-styled link to its confirmation step
    assert_int_equal(count(html, ">Dissocier ce compte…</a>"), 3);
    assert_true(has(html, "<a class=\"button button-danger\" href=\"/auth/manage?confirm=unlink&amp;account=030000100001\""));

    ManageView v = manage_view();
    v.confirm = "unlink";
    v.unlink_account = "030000100002";
    html = render_manage(ctx_with_csrf(), v);
    std::string block = section(html, "<section class=\"confirm\" id=\"manage-confirm\"", "</section>");
    assert_true(has(block, "tabindex=\"-1\" autofocus"));
    assert_true(has(block, ">Dissocier le compte 030000100002 ?</h2>"));
    assert_true(has(block, "name=\"action\" value=\"unlink\""));
    assert_true(has(block, "name=\"account\" value=\"030000100002\""));
    assert_true(has(block, "name=\"confirm\" value=\"1\""));
    assert_true(has(tag_with(block, "name=\"current_password\""), "autocomplete=\"current-password\""));
    assert_true(has(block, ">Votre mot de passe, pour confirmer</label>"));
    assert_true(has(block, "<button type=\"submit\" class=\"danger\">Confirmer la dissociation</button>"));
    assert_true(has(block, "<a href=\"/auth/manage\">Annuler</a>"));
    assert_false(has(block, "dernier compte"));
    // the step comes before the sections
    assert_true(html.find("id=\"manage-confirm\"") < html.find(">Compte affiché à la connexion</h2>"));

    // an account not in the list gets no step
    v.unlink_account = "099999999999";
    assert_false(has(render_manage(ctx_with_csrf(), v), "id=\"manage-confirm\""));
}

static void test_manage_confirmation_block_for_last_account(void **state)
{
    (void)state;
    ManageView v = manage_view();
    v.accounts.resize(1);
    v.confirm = "unlink";
    v.confirm_unlink_last = true;
    v.unlink_account = "030000100001";
    std::string html = render_manage(ctx_with_csrf(), v);
    assert_true(has(html,
                    "C'est le dernier compte associé à cette adresse : après sa dissociation, vous ne pourrez "
                    "plus vous connecter avec votre adresse e-mail."));
    std::string form = section(html, "name=\"confirm\"", "</form>");
    assert_true(has(form, "value=\"1\""));
    assert_true(has(form, "name=\"current_password\""));
    assert_true(has(form, ">Confirmer la dissociation</button>"));
    std::string whole = section(html, "<section class=\"confirm\"", "</section>");
    assert_true(has(whole, "name=\"action\" value=\"unlink\""));
    assert_true(has(whole, "name=\"account\" value=\"030000100001\""));
    assert_true(has(whole, "name=\"csrf\""));
}

static void test_manage_unlink_password_error_goes_to_that_account(void **state)
{
    (void)state;
    ManageView v = manage_view();
    v.confirm = "unlink";
    v.unlink_account = "040000200003";
    v.failed_action = "unlink";
    v.errors["current_password"] = "Mot de passe incorrect.";
    std::string html = render_manage(ctx_with_csrf(), v);
    std::string form = section(html, "<form method=\"post\" action=\"/auth/manage\" id=\"manage-unlink-form\"", "</form>");
    assert_true(has(form, "name=\"account\" value=\"040000200003\""));
    // the summary, focused, in the failed form; the error next to the field
    assert_true(has(form, "<div class=\"error-summary\" id=\"manage-unlink-errors\""));
    assert_true(has(form, "<a href=\"#manage-confirm-password\">Mot de passe incorrect.</a>"));
    assert_true(has(form, "id=\"manage-confirm-password-error\">Mot de passe incorrect.</p>"));
    assert_int_equal(count(html, " autofocus"), 1);
    assert_false(has(tag_with(html, "id=\"manage-current-password\""), "aria-invalid"));

    v = manage_view();
    v.failed_action = "password";
    v.errors["current_password"] = "Mot de passe incorrect.";
    html = render_manage(ctx_with_csrf(), v);
    assert_true(has(tag_with(html, "id=\"manage-current-password\""), "aria-invalid=\"true\""));
    assert_true(has(html, "<details class=\"fold\" id=\"manage-password\" open>"));
    std::string summary = section(html, "<div class=\"error-summary\" id=\"manage-password-errors\"", "</div>");
    assert_true(has(summary, "<a href=\"#manage-current-password\">Mot de passe incorrect.</a>"));
    assert_true(html.find("id=\"manage-password-errors\"") > html.find("id=\"manage-password-form\""));
}

static void test_manage_sessions_mark_current_and_end_others(void **state)
{
    (void)state;
    std::string html = render_manage(ctx_with_csrf(), manage_view());
    std::string sessions = section(html, "<summary>Sessions ouvertes", "</details>");
    assert_true(has(sessions, "Firefox sur Linux"));
    assert_true(has(sessions, "192.0.2.1"));
    assert_true(has(sessions, "26/11/2026 11:44"));
    assert_int_equal(count(sessions, "Cette session"), 1);
    assert_true(has(section(sessions, "Firefox sur Linux", "</li>"), "Cette session"));
    assert_true(has(sessions, "href=\"/auth/manage?confirm=end_session&amp;session=bb22\""));
    assert_false(has(sessions, "aa11"));
    assert_true(has(sessions, ">Terminer cette session…</a>"));
    assert_true(has(sessions, "href=\"/auth/manage?confirm=end_other_sessions\""));

    ManageView v = manage_view();
    v.confirm = "end_session";
    v.confirm_session = "bb22";
    std::string block = section(render_manage(ctx_with_csrf(), v), "<section class=\"confirm\"", "</section>");
    assert_true(has(block, "Safari sur iPhone"));
    assert_true(has(block, "name=\"action\" value=\"end_session\""));
    assert_true(has(block, "name=\"session\" value=\"bb22\""));
    assert_true(has(block, "class=\"danger\">Terminer la session</button>"));
    // the current session cannot be ended here
    v.confirm_session = "aa11";
    assert_false(has(render_manage(ctx_with_csrf(), v), "id=\"manage-confirm\""));
    v.confirm = "end_other_sessions";
    block = section(render_manage(ctx_with_csrf(), v), "<section class=\"confirm\"", "</section>");
    assert_true(has(block, "name=\"action\" value=\"end_other_sessions\""));
}

static void test_manage_errors_and_notice(void **state)
{
    (void)state;
    ManageView v = manage_view();
    v.notice = "Vos informations ont été enregistrées.";
    v.errors[""] = "Une erreur est survenue.";
    std::string html = render_manage(ctx_with_csrf(), v);
    std::size_t notice = html.find("role=\"status\">Vos informations ont été enregistrées.</p>");
    assert_true(notice != std::string::npos);
    assert_true(notice < html.find("<form", html.find("<main")));
    // no form of its own: the summary at the top of the page
    std::string summary = section(html, "<div class=\"error-summary\" id=\"manage-error\"", "</div>");
    assert_true(has(summary, "<li>Une erreur est survenue.</li>"));
    assert_true(html.find("id=\"manage-error\"") < html.find("<form", html.find("<main")));

    v = manage_view();
    v.failed_action = "profile";
    v.errors["phone"] = "Numéro de téléphone invalide.";
    v.errors["last_name"] = "Veuillez indiquer votre nom.";
    html = render_manage(ctx_with_csrf(), v);
    assert_true(has(section(html, "<label for=\"manage-phone\"", "</div>"), "Numéro de téléphone invalide."));
    summary = section(html, "<div class=\"error-summary\" id=\"manage-profile-errors\"", "</div>");
    // in the order of the fields
    assert_true(summary.find("#manage-last-name") < summary.find("#manage-phone"));
    assert_false(has(html, "id=\"manage-error\""));
}

static void test_manage_escapes_every_dynamic_value(void **state)
{
    (void)state;
    ManageView v;
    v.email = v.last_name = v.first_name = v.phone = v.notice = evil;
    v.errors["account"] = evil;
    AccountItem a;
    a.code = a.syndic_code = a.syndic_name = a.label = evil;
    v.accounts = {a};
    SessionItem s;
    s.id = s.device = s.address = s.last_seen = evil;
    v.sessions = {s};
    v.confirm = "end_session";
    v.confirm_session = evil;
    std::string html = render_manage(ctx_with_csrf(), v);
    assert_injection_neutralised(html);
    assert_true(has(html, "name=\"session\" value=\"" + evil_escaped + "\""));
    v.confirm = "unlink";
    v.unlink_account = evil;
    html = render_manage(ctx_with_csrf(), v);
    assert_injection_neutralised(html);
    assert_true(has(html, "name=\"account\" value=\"" + evil_escaped + "\""));
}

static void test_message_escapes_and_links(void **state)
{
    (void)state;
    MessageView v;
    v.title = "Service indisponible";
    v.message = "Veuillez réessayer dans quelques minutes.";
    std::string html = render_message(ctx_without_csrf(), v);
    assert_true(has(html, "<h1>Service indisponible</h1>"));
    assert_true(has(html, "Veuillez réessayer dans quelques minutes."));
    assert_false(has(html, "<a href"));
    v.link_href = "/auth/login";
    v.link_text = "Se connecter";
    assert_true(has(render_message(ctx_without_csrf(), v), "<a href=\"/auth/login\">Se connecter</a>"));
    v.title = v.message = v.link_href = v.link_text = evil;
    assert_injection_neutralised(render_message(ctx_without_csrf(), v));
}

static void test_stylesheet_is_mobile_first_and_accessible(void **state)
{
    (void)state;
    std::string_view css = stylesheet();
    assert_true(css.size() > 500);
    assert_true(has(css, "@media (min-width:"));
    assert_true(has(css, "min-height: 44px") || has(css, "min-height: 48px"));
    assert_true(has(css, ":focus"));
    assert_true(has(css, "outline"));
    assert_true(has(css, "line-height: 1.5"));
    assert_false(has(css, "var(--"));
    assert_false(has(css, "display: grid"));
    assert_false(has(css, "</style"));
}

static void test_menu_script_is_es5_and_uses_api_me(void **state)
{
    (void)state;
    std::string_view js = menu_script();
    assert_true(js.size() > 500);
    assert_true(has(js, "api/me"));
    assert_true(has(js, "XMLHttpRequest"));
    assert_true(has(js, "'Accept', 'application/json'"));
    assert_true(has(js, "withCredentials"));
    assert_true(has(js, "document.currentScript"));
    assert_false(has(js, "=>"));
    assert_false(has(js, "fetch("));
    assert_false(has(js, "let "));
    assert_false(has(js, "const "));
    assert_false(has(js, "`"));
    assert_false(has(js, "innerHTML = me"));
}

static void test_menu_script_draws_both_menus_with_stable_ids(void **state)
{
    (void)state;
    std::string_view js = menu_script();
    assert_true(has(js, "'Menu utilisateur'"));
    assert_true(has(js, "'Mes comptes'"));
    assert_true(has(js, "'extranet-' + name + '-button'"));
    assert_true(has(js, "addMenu(bar, 'user'"));
    assert_true(has(js, "addMenu(bar, 'accounts'"));
    assert_true(has(js, "extranet-menu-item"));
    assert_true(has(js, "aria-expanded"));
    assert_true(has(js, "me.login === 'code'"));
    assert_true(has(js, "'link'"));
    assert_true(has(js, "'manage'"));
    assert_true(has(js, "postForm('logout'"));
    assert_true(has(js, "postForm('switch', { account: account.code, next: next }"));
    assert_true(has(js, "location.pathname + window.location.search"));
    assert_true(has(js, "Escape"));
    assert_true(has(js, "<svg"));
}

static void test_link_email_says_what_to_choose_and_refills(void **state)
{
    (void)state;
    LinkEmailView v;
    v.email = "marie.lefevre.phone@example.fr";
    std::string html = render_link_email(ctx_with_csrf(), v);
    assert_true(has(html, "Choisissez l'adresse e-mail à rattacher à votre compte."));
    assert_true(has(tag_with(html, "name=\"email\""), "value=\"marie.lefevre.phone@example.fr\""));
    assert_false(has(html, "error-summary"));
}

static void test_long_addresses_wrap(void **state)
{
    (void)state;
    LinkDoneView v;
    v.account = "030000100001";
    v.email = "marie.lefevre.phone@example.fr";
    assert_true(has(render_link_done(ctx_with_csrf(), v), "<strong class=\"address\">marie.lefevre.phone@example.fr"));
    assert_true(has(stylesheet(), "overflow-wrap: anywhere"));
}

static void test_contact_syndic_page_gives_the_details(void **state)
{
    (void)state;
    ContactSyndicView v;
    v.code = "040000300001";
    v.syndic = SyndicContact{"0400", "Syndic Leroy", "01 44 00 04 00", "contact@leroy.example", "8 bd X, 75017 Paris"};
    std::string html = render_contact_syndic(ctx_without_csrf(), v);
    assert_true(has(html, "contactez votre syndic"));
    assert_true(has(html, "<strong>Syndic Leroy</strong>"));
    assert_true(has(html, "<a href=\"tel:0144000400\">01 44 00 04 00</a>"));
    assert_true(has(html, "<a href=\"mailto:contact@leroy.example\">contact@leroy.example</a>"));
    assert_true(has(html, "8 bd X, 75017 Paris"));
    assert_true(has(html, "« Associer mon compte »"));
    v.syndic.reset();
    html = render_contact_syndic(ctx_without_csrf(), v);
    assert_true(has(html, "appel de fonds"));
    assert_false(has(html, "tel:"));
    v.syndic = SyndicContact{evil, evil, evil, evil, evil};
    assert_injection_neutralised(render_contact_syndic(ctx_without_csrf(), v));
}

static void test_partner_refusal_says_what_to_do(void **state)
{
    (void)state;
    PartnerRefusalView v;
    v.account = "040000300001";
    v.email = "marie@example.fr";
    v.syndic = SyndicContact{"0400", "Syndic Leroy", "01 44 00 04 00", "", ""};
    v.message = "Ce compte ne peut pas être associé à cette adresse.";
    std::string html = render_partner_refusal(ctx_with_csrf(), v);
    assert_false(has(html, "partenaire"));
    assert_true(has(html, "Que faire ?"));
    assert_true(has(html, "<a href=\"/auth/link\">choisir une autre adresse e-mail</a>"));
    assert_true(has(html, "code client <strong>040000300001</strong>"));
    assert_true(has(html, "<a href=\"tel:0144000400\">01 44 00 04 00</a>"));
    assert_false(has(html, "mailto:"));
}

static void test_assets_are_versioned_by_their_content(void **state)
{
    (void)state;
    assert_int_equal(asset_version().size(), 16);
    std::string etag = asset_etag(menu_script());
    assert_int_equal(etag.size(), 34);
    assert_true(etag.front() == '"' && etag.back() == '"');
    assert_string_equal(etag.c_str(), asset_etag(menu_script()).c_str());
    assert_string_not_equal(etag.c_str(), asset_etag(stylesheet()).c_str());
}

static void test_menu_script_takes_its_own_room(void **state)
{
    (void)state;
    std::string_view js = menu_script();
    assert_true(has(js, "getElementById('extranet-menu')"));
    assert_true(has(js, "insertBefore(bar, document.body.firstChild)"));
    assert_true(has(js, "max-width:calc(100vw - 16px)"));
    assert_false(has(js, "position:fixed"));
    assert_false(has(js, "position:absolute"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_is_french_mobile_and_script_free),
        cmocka_unit_test(test_prefix_is_used_for_every_route),
        cmocka_unit_test(test_login_has_spec_texts),
        cmocka_unit_test(test_login_fields_have_autocomplete_and_no_inputmode),
        cmocka_unit_test(test_login_field_names_follow_the_view),
        cmocka_unit_test(test_login_error_is_an_alert_tied_to_the_fields),
        cmocka_unit_test(test_login_without_error_has_no_alert),
        cmocka_unit_test(test_login_notice_comes_before_the_form),
        cmocka_unit_test(test_login_escapes_every_dynamic_value),
        cmocka_unit_test(test_csrf_field_present_when_set),
        cmocka_unit_test(test_csrf_field_absent_when_empty),
        cmocka_unit_test(test_csrf_token_is_escaped),
        cmocka_unit_test(test_logged_in_header_offers_logout),
        cmocka_unit_test(test_link_email_texts_and_autocomplete),
        cmocka_unit_test(test_link_email_error_next_to_the_field),
        cmocka_unit_test(test_link_email_escapes_email_and_error),
        cmocka_unit_test(test_link_profile_fields_and_autocomplete),
        cmocka_unit_test(test_link_profile_errors_sit_next_to_their_fields),
        cmocka_unit_test(test_link_profile_escapes_values_and_errors),
        cmocka_unit_test(test_link_password_sentence_and_fields),
        cmocka_unit_test(test_link_password_escapes_email_and_error),
        cmocka_unit_test(test_link_done_names_account_and_email),
        cmocka_unit_test(test_accounts_marks_the_active_account),
        cmocka_unit_test(test_accounts_offers_switch_only_for_other_accounts),
        cmocka_unit_test(test_accounts_offers_linking_only_to_code_sessions),
        cmocka_unit_test(test_accounts_escapes_every_dynamic_value),
        cmocka_unit_test(test_manage_has_every_section_posting_to_manage),
        cmocka_unit_test(test_manage_profile_and_password_autocomplete),
        cmocka_unit_test(test_manage_default_account_radios),
        cmocka_unit_test(test_manage_unlink_forms_need_the_password),
        cmocka_unit_test(test_manage_confirmation_block_for_last_account),
        cmocka_unit_test(test_manage_unlink_password_error_goes_to_that_account),
        cmocka_unit_test(test_manage_sessions_mark_current_and_end_others),
        cmocka_unit_test(test_manage_errors_and_notice),
        cmocka_unit_test(test_manage_escapes_every_dynamic_value),
        cmocka_unit_test(test_message_escapes_and_links),
        cmocka_unit_test(test_stylesheet_is_mobile_first_and_accessible),
        cmocka_unit_test(test_menu_script_is_es5_and_uses_api_me),
        cmocka_unit_test(test_menu_script_draws_both_menus_with_stable_ids),
        cmocka_unit_test(test_link_email_says_what_to_choose_and_refills),
        cmocka_unit_test(test_long_addresses_wrap),
        cmocka_unit_test(test_contact_syndic_page_gives_the_details),
        cmocka_unit_test(test_partner_refusal_says_what_to_do),
        cmocka_unit_test(test_assets_are_versioned_by_their_content),
        cmocka_unit_test(test_menu_script_takes_its_own_room),
    };
    return cmocka_run_group_tests_name("pages", tests, nullptr, nullptr);
}

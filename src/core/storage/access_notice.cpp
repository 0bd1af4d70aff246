// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/access_notice.h"

#include <ctime>

#include "core/primitives/device_name.h"

namespace extranet {

namespace {

// The module may write the outbox, never read it (no RETURNING).
const Statement kQueueNotice{
    "notice_queue_mail",
    "INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Only what an address is made of: a client's text never reaches the mail.
std::string address_text(std::string_view addr) {
    std::string out;
    for (char c : addr.substr(0, 64)) {
        bool ok = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
                  c == ':';
        if (ok) out.push_back(c);
    }
    return out.empty() ? std::string("inconnue") : out;
}

// A browser and system the module recognises ("Firefox sur Android"), never
// the raw user agent: it is the client's text, and could hold a link.
std::string browser_text(std::string_view ua) {
    std::string name = device_name(ua);
    bool known = !name.empty() && name.find_first_of(":/@.<>()[]{}\"'\\") == std::string::npos &&
                 name.size() <= 40;
    return known ? name : std::string("non reconnu");
}

std::string account_text(std::string_view code) {
    std::string out;
    for (char c : code.substr(0, 32)) {
        if (is_digit(c)) out.push_back(c);
    }
    return out;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = static_cast<unsigned>(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

// 01:00 UTC on the last Sunday of the month, in unix seconds.
long long last_sunday_1am(long long year, unsigned month) {
    long long last = days_from_civil(year, month, 31);
    long long weekday = ((last % 7) + 11) % 7;  // 0 = Sunday (1970-01-01 was a Thursday)
    return (last - weekday) * 86400 + 3600;
}

}  // namespace

std::string paris_time(std::uint64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    long long year = utc.tm_year + 1900;
    long long s = static_cast<long long>(unix_seconds);
    bool summer = s >= last_sunday_1am(year, 3) && s < last_sunday_1am(year, 10);
    std::time_t local = t + (summer ? 7200 : 3600);
    std::tm tm{};
    gmtime_r(&local, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%d/%m/%Y à %H:%M", &tm);
    return std::string(buf) + " (heure de Paris)";
}

std::string access_notice_subject(const AccessNotice& n) {
    switch (n.change) {
    case AccessChange::password_changed: return "Votre mot de passe a été modifié";
    case AccessChange::password_reset: return "Votre mot de passe a été réinitialisé";
    case AccessChange::account_linked: return "Un compte a été associé à votre adresse e-mail";
    case AccessChange::account_unlinked: return "Un compte a été dissocié de votre adresse e-mail";
    case AccessChange::passkey_added: return "Une clé d'accès a été ajoutée à votre espace";
    case AccessChange::passkey_removed: return "Une clé d'accès a été supprimée de votre espace";
    }
    return "Votre espace copropriétaire a été modifié";
}

std::string access_notice_body(const AccessNotice& n) {
    std::string what;
    std::string account = account_text(n.account);
    switch (n.change) {
    case AccessChange::password_changed:
        what = "Le mot de passe de votre espace copropriétaire a été modifié";
        break;
    case AccessChange::password_reset:
        what = "Le mot de passe de votre espace copropriétaire a été réinitialisé avec le lien "
               "« Mot de passe oublié »";
        break;
    case AccessChange::account_linked:
        what = "Le compte " + account + " a été associé à votre adresse e-mail";
        break;
    case AccessChange::account_unlinked:
        what = "Le compte " + account + " a été dissocié de votre adresse e-mail";
        break;
    case AccessChange::passkey_added:
        what = "Une nouvelle clé d'accès (passkey) a été ajoutée à votre espace copropriétaire";
        break;
    case AccessChange::passkey_removed:
        what = "Une clé d'accès (passkey) a été supprimée de votre espace copropriétaire";
        break;
    }
    std::string passkeys;
    if (n.change == AccessChange::password_reset && n.passkeys_removed > 0) {
        passkeys = n.passkeys_removed == 1
                       ? "Votre clé d'accès (passkey) a été supprimée en même temps : elle ne "
                         "permet plus de vous connecter.\n\n"
                       : "Vos " + std::to_string(n.passkeys_removed) +
                             " clés d'accès (passkeys) ont été supprimées en même temps : elles "
                             "ne permettent plus de vous connecter.\n\n";
    }
    return "Bonjour,\n\n" + what + " le " + paris_time(n.at) +
           ".\n\n"
           "Depuis l'adresse IP " + address_text(n.client_addr) + ", navigateur " +
           browser_text(n.user_agent) + ".\n\n" + passkeys +
           "Si c'est bien vous, vous n'avez rien à faire.\n\n"
           "Si ce n'est pas vous, quelqu'un a peut-être accès à votre espace : sur la page de "
           "connexion de votre espace copropriétaire, choisissez « Mot de passe oublié ? » pour "
           "choisir un nouveau mot de passe en cochant « Supprimer aussi toutes mes clés "
           "d'accès », puis vérifiez vos comptes associés, vos clés d'accès et vos sessions "
           "ouvertes dans « Gérer mes comptes ». En cas de doute, contactez votre syndic.\n\n"
           "Ce message est envoyé automatiquement et ne contient aucun lien ; ne répondez pas à "
           "un message qui vous demanderait votre mot de passe.\n";
}

void queue_access_notice(Database& db, std::string_view recipient, const AccessNotice& n) {
    std::string subject = access_notice_subject(n);
    std::string body = access_notice_body(n);
    db.exec(kQueueNotice, {recipient, subject, body});
}

}  // namespace extranet

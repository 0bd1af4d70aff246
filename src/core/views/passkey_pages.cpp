// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/passkey_pages.h"

#include "core/primitives/escape.h"

namespace extranet {

namespace {

std::string esc(std::string_view text) { return html_escape(text); }

std::string script_tag(const PageContext& ctx) {
    return "<script src=\"" + esc(ctx.prefix) + "passkey.js\" defer></script>\n";
}

}  // namespace

std::string passkey_login_fragment(const PageContext& ctx, std::string_view next) {
    // Hidden until passkey.js finds WebAuthn: without it the page is unchanged.
    std::string out = "<div class=\"passkey-login\" id=\"passkey-login\" data-prefix=\"" +
                      esc(ctx.prefix) + "\" data-next=\"" + esc(next) + "\" hidden>\n";
    out += "<p class=\"passkey-or\">ou</p>\n"
           "<button type=\"button\" id=\"passkey-login-button\">"
           "Se connecter avec une clé d'accès</button>\n"
           "<p class=\"error\" id=\"passkey-login-error\" hidden></p>\n"
           "</div>\n";
    out += script_tag(ctx);
    return out;
}

std::string passkey_manage_section(const PageContext& ctx, const std::vector<PasskeyItem>& keys,
                                   bool open) {
    std::string out = std::string("<details class=\"fold\" id=\"passkeys\"") +
                      (open ? " open" : "") +
                      ">\n<summary><h2 id=\"manage-passkeys\">Clés d'accès</h2> (" +
                      std::to_string(keys.size()) + ")</summary>\n<div class=\"fold-body\">\n"
                      "<p>Une clé d'accès vous permet de vous connecter sans taper de mot de "
                      "passe, en déverrouillant votre téléphone ou votre ordinateur (empreinte, "
                      "visage ou code). Votre mot de passe reste valable.</p>\n";
    if (keys.empty()) {
        out += "<p id=\"passkeys-none\">Aucune clé d'accès enregistrée.</p>\n";
    } else {
        out += "<ul class=\"sessions passkeys\">\n";
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const PasskeyItem& k = keys[i];
            std::string id = "passkey-" + std::to_string(i);
            out += "<li class=\"session passkey\">\n<p class=\"session-device\" id=\"" + id +
                   "\">" + esc(k.name.empty() ? std::string_view("Clé d'accès") : k.name) +
                   "</p>\n";
            out += "<p>Créée le " + esc(k.created) + "</p>\n";
            out += "<p>Dernière utilisation : " +
                   (k.last_used.empty() ? std::string("jamais") : esc(k.last_used)) + "</p>\n";
            out += "<form method=\"post\" action=\"" + esc(ctx.prefix) +
                   "passkey/delete\" class=\"passkey-delete\">\n";
            out += "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(ctx.csrf) + "\">\n";
            out += "<input type=\"hidden\" name=\"id\" value=\"" + esc(k.id) + "\">\n";
            out += "<button type=\"submit\" aria-describedby=\"" + id +
                   "\">Supprimer cette clé d'accès</button>\n</form>\n</li>\n";
        }
        out += "</ul>\n";
    }
    out += "<div class=\"passkey-add\" id=\"passkey-add\" data-prefix=\"" + esc(ctx.prefix) +
           "\" data-csrf=\"" + esc(ctx.csrf) + "\" hidden>\n"
           "<div class=\"field\">\n<label for=\"passkey-name\">Nom de la clé d'accès "
           "(facultatif)</label>\n<p class=\"hint\" id=\"passkey-name-hint\">Par exemple "
           "« Mon téléphone ».</p>\n<input type=\"text\" id=\"passkey-name\" name=\"name\" "
           "maxlength=\"60\" autocomplete=\"off\" aria-describedby=\"passkey-name-hint\">\n"
           "</div>\n"
           // A passkey logs in without the password: adding one asks for it.
           "<div class=\"field\">\n<label for=\"passkey-current-password\">Votre mot de passe "
           "actuel</label>\n<input type=\"password\" id=\"passkey-current-password\" "
           "name=\"current_password\" autocomplete=\"current-password\" required>\n</div>\n"
           "<button type=\"button\" id=\"passkey-add-button\">Ajouter une clé "
           "d'accès</button>\n<p class=\"error\" id=\"passkey-add-error\" hidden></p>\n"
           "</div>\n"
           "<p class=\"hint\" id=\"passkey-unsupported\">Pour ajouter une clé d'accès, "
           "utilisez un navigateur récent avec JavaScript activé.</p>\n</div>\n</details>\n";
    out += script_tag(ctx);
    return out;
}

std::string_view passkey_script() {
    // Only browsers with WebAuthn (all of them have fetch and Promise) show
    // the buttons; the server's answers are inserted as text, never HTML.
    static constexpr std::string_view js = R"JS((function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) { return; }

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          var e = new Error(data && data.message ? data.message : 'Erreur ' + response.status);
          e.server = true;
          throw e;
        }
        return data;
      });
    });
  }

  function show(node, message) {
    if (message) { node.setAttribute('role', 'alert'); }
    node.textContent = message;
    node.hidden = !message;
  }

  function failure(e) {
    if (e && e.server) { return e.message; }
    if (e && e.name === 'NotAllowedError') {
      return "L'opération a été annulée ou n'a pas abouti. Veuillez recommencer.";
    }
    if (e && e.name === 'InvalidStateError') {
      return 'Cet appareil a déjà une clé d\u2019accès pour votre compte.';
    }
    return "La clé d'accès n'a pas pu être utilisée. Veuillez recommencer.";
  }

  function setupLogin(box) {
    var prefix = box.getAttribute('data-prefix');
    var button = document.getElementById('passkey-login-button');
    var error = document.getElementById('passkey-login-error');
    box.hidden = false;
    button.addEventListener('click', function () {
      button.disabled = true;
      show(error, '');
      post(prefix + 'passkey/login/options', {}).then(function (options) {
        var pk = options.publicKey;
        pk.challenge = toBytes(pk.challenge);
        return navigator.credentials.get({ publicKey: pk });
      }).then(function (cred) {
        return post(prefix + 'passkey/login', {
          id: cred.id,
          clientDataJSON: toB64url(cred.response.clientDataJSON),
          authenticatorData: toB64url(cred.response.authenticatorData),
          signature: toB64url(cred.response.signature),
          userHandle: cred.response.userHandle ? toB64url(cred.response.userHandle) : '',
          next: box.getAttribute('data-next') || ''
        });
      }).then(function (done) {
        window.location.assign(done.redirect || '/');
      }).catch(function (e) {
        button.disabled = false;
        show(error, failure(e));
      });
    });
  }

  function setupAdd(box) {
    var prefix = box.getAttribute('data-prefix');
    var csrf = box.getAttribute('data-csrf');
    var button = document.getElementById('passkey-add-button');
    var error = document.getElementById('passkey-add-error');
    var unsupported = document.getElementById('passkey-unsupported');
    if (unsupported) { unsupported.hidden = true; }
    box.hidden = false;
    button.addEventListener('click', function () {
      button.disabled = true;
      show(error, '');
      var password = document.getElementById('passkey-current-password');
      post(prefix + 'passkey/register/options', {
        csrf: csrf,
        current_password: password ? password.value : ''
      }).then(function (options) {
        if (password) { password.value = ''; }
        var pk = options.publicKey;
        pk.challenge = toBytes(pk.challenge);
        pk.user.id = toBytes(pk.user.id);
        for (var i = 0; i < pk.excludeCredentials.length; i++) {
          pk.excludeCredentials[i].id = toBytes(pk.excludeCredentials[i].id);
        }
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (cred) {
        return post(prefix + 'passkey/register', {
          csrf: csrf,
          name: document.getElementById('passkey-name').value,
          id: cred.id,
          clientDataJSON: toB64url(cred.response.clientDataJSON),
          attestationObject: toB64url(cred.response.attestationObject)
        });
      }).then(function () {
        window.location.assign(prefix + 'manage?done=passkey_added#passkeys');
      }).catch(function (e) {
        button.disabled = false;
        show(error, failure(e));
      });
    });
  }

  function start() {
    var login = document.getElementById('passkey-login');
    if (login) { setupLogin(login); }
    var add = document.getElementById('passkey-add');
    if (add) { setupAdd(add); }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
)JS";
    return js;
}

}  // namespace extranet

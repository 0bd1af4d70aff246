(function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) { return; }
  // Its words, from the catalog of the site's theme, put here when the
  // theme is loaded.
  var texts = /*TEXTS*/{};

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
          var e = new Error(data && data.message ? data.message
            : texts['passkey.js.error'].replace('{0}', String(response.status)));
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
      return texts['passkey.js.cancelled'];
    }
    if (e && e.name === 'InvalidStateError') {
      return texts['passkey.js.exists'];
    }
    return texts['passkey.js.failed'];
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

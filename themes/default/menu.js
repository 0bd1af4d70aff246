(function () {
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
  // The menu's look (menu.css of the site's theme), put here when the
  // theme is loaded.
  var css = /*MENU_CSS*/'';
  // Its words, from the catalog of the site's theme, put here likewise.
  var texts = /*TEXTS*/{};

  var userIcon = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
    '<circle cx="12" cy="8" r="4.5"/><path d="M3 22c0-5 4-8 9-8s9 3 9 8z"/></svg>';
  var buildingIcon = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
    '<path d="M4 2h12v20H4z M16 8h4v14h-4z" fill-rule="evenodd"/>' +
    '<path class="extranet-window" d="M6 4h3v3H6zM11 4h3v3h-3zM6 9h3v3H6zM11 9h3v3h-3zM6 14h3v3H6zM11 14h3v3h-3zM8 18h4v4H8z"/></svg>';

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
    var code = account.syndic || '';
    var syndic = texts['syndic.unnamed'].replace('{0}', function () { return code; });
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
    bar.setAttribute('aria-label', texts['menu.label']);
    if (bar.nodeName.toLowerCase() !== 'nav') { bar.setAttribute('role', 'navigation'); }
    bar.buttons = el('div', { 'class': 'extranet-bar' });
    bar.appendChild(bar.buttons);

    var userMenu = addMenu(bar, 'user', texts['menu.user'], userIcon);
    var who = me.login === 'email' && me.email ? me.email : (me.account && me.account.code) || '';
    if (who) { userMenu.appendChild(el('span', { 'class': 'extranet-menu-title' }, who)); }
    if (me.login === 'code') {
      userMenu.appendChild(el('a', { href: prefix + 'link', id: 'extranet-link-item', 'class': 'extranet-menu-item' },
        texts['link.menu']));
    }
    if (me.login === 'email') {
      userMenu.appendChild(el('a', { href: prefix + 'manage', id: 'extranet-manage-item', 'class': 'extranet-menu-item' },
        texts['common.manage']));
    }
    userMenu.appendChild(postForm('logout', {}, texts['nav.logout'], 'extranet-logout-item', csrf));

    var accountsMenu = addMenu(bar, 'accounts', texts['accounts.title'], buildingIcon);
    accountsMenu.appendChild(el('span', { 'class': 'extranet-menu-title' }, texts['accounts.title']));
    var next = window.location.pathname + window.location.search;
    var accounts = me.accounts || [];
    for (var i = 0; i < accounts.length; i++) {
      var account = accounts[i];
      if (account.active) {
        var current = el('div', { 'class': 'extranet-menu-item extranet-active', 'aria-current': 'true' });
        accountText(current, account);
        current.appendChild(el('span', { 'class': 'extranet-note' }, texts['account.active']));
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
      texts['common.manage']));

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

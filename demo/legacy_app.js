// The demo "legacy extranet": a stand-in for the untouched application that
// sits behind the module. It shows what the module sends it (the
// X-Extranet-* headers) and nothing more; it trusts those headers because the
// module strips every client-sent copy. njs 0.7 (Debian 12).

var PREFIX = 'x-extranet-';

// The X-Extranet-* request headers as [name, value] pairs sorted by name.
// rawHeadersIn keeps the names as sent and every repeated header.
function extranetHeaders(r) {
    var out = [];
    var raw = r.rawHeadersIn || [];
    for (var i = 0; i < raw.length; i++) {
        var name = raw[i][0];
        if (name.toLowerCase().indexOf(PREFIX) === 0) {
            out.push([name, raw[i][1]]);
        }
    }
    out.sort(function (a, b) {
        var x = a[0].toLowerCase(), y = b[0].toLowerCase();
        return x < y ? -1 : (x > y ? 1 : 0);
    });
    return out;
}

function escapeHtml(s) {
    return String(s)
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
}

// GET anything: the legacy home page, with the headers in a table and a
// closing </body> where sub_filter injects the module's menu.js.
function page(r) {
    var headers = extranetHeaders(r);
    var account = '';
    var rows = '';
    for (var i = 0; i < headers.length; i++) {
        if (headers[i][0].toLowerCase() === 'x-extranet-account') {
            account = headers[i][1];
        }
        rows += '      <tr><th scope="row">' + escapeHtml(headers[i][0]) +
                '</th><td>' + escapeHtml(headers[i][1]) + '</td></tr>\n';
    }
    if (rows === '') {
        rows = '      <tr><td colspan="2">Aucun en-tête X-Extranet-* reçu.</td></tr>\n';
    }

    var body =
        '<!DOCTYPE html>\n' +
        '<html lang="fr">\n' +
        '<head>\n' +
        '  <meta charset="utf-8">\n' +
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n' +
        '  <title>Extranet — Espace copropriétaire</title>\n' +
        '  <style>\n' +
        '    body { font-family: Verdana, Arial, sans-serif; margin: 0; background: #eef1f4; }\n' +
        '    header { background: #24466b; color: #fff; padding: 1em 1.5em; }\n' +
        '    main { padding: 1em 1.5em; max-width: 50em; }\n' +
        '    table { border-collapse: collapse; background: #fff; }\n' +
        '    th, td { border: 1px solid #b8c2cc; padding: .4em .8em; text-align: left; overflow-wrap: anywhere; word-break: break-word; }\n' +
        '    fieldset { background: #fff; border: 1px solid #b8c2cc; margin-top: 1.5em; }\n' +
        '  </style>\n' +
        '</head>\n' +
        '<body>\n' +
        '  <header><h1>Extranet — Espace copropriétaire</h1></header>\n' +
        '  <main>\n' +
        '    <p>Bienvenue' + (account ? ', compte <strong>' + escapeHtml(account) + '</strong>' : '') + '.</p>\n' +
        '    <p><a href="/documents">Mes documents</a> · <a href="/comptes">Mon relevé de compte</a>' +
        ' · <a href="/headers">En-têtes reçus (texte)</a></p>\n' +
        '    <h2>En-têtes transmis par le module</h2>\n' +
        '    <table>\n' +
        '      <tr><th scope="col">En-tête</th><th scope="col">Valeur</th></tr>\n' +
        rows +
        '    </table>\n' +
        '    <form method="get" action="/recherche">\n' +
        '      <fieldset>\n' +
        '        <legend>Rechercher un document</legend>\n' +
        '        <label for="q">Mot-clé</label>\n' +
        '        <input type="text" id="q" name="q">\n' +
        '        <input type="submit" value="Rechercher">\n' +
        '      </fieldset>\n' +
        '    </form>\n' +
        '  </main>\n' +
        '</body>\n' +
        '</html>\n';

    r.headersOut['Content-Type'] = 'text/html; charset=utf-8';
    r.headersOut['Cache-Control'] = 'no-store';
    r.return(200, body);
}

// GET /headers: one "Name: value" line per X-Extranet-* header, by name.
function headers(r) {
    var list = extranetHeaders(r);
    var body = '';
    for (var i = 0; i < list.length; i++) {
        body += list[i][0] + ': ' + list[i][1] + '\n';
    }
    r.headersOut['Content-Type'] = 'text/plain; charset=utf-8';
    r.headersOut['Cache-Control'] = 'no-store';
    r.return(200, body);
}

// GET /cookies: the raw Cookie header(s) received, one per line, so that a
// test can prove the session cookie is not forwarded.
function cookies(r) {
    var raw = r.rawHeadersIn || [];
    var body = '';
    for (var i = 0; i < raw.length; i++) {
        if (raw[i][0].toLowerCase() === 'cookie') {
            body += 'Cookie: ' + raw[i][1] + '\n';
        }
    }
    r.headersOut['Content-Type'] = 'text/plain; charset=utf-8';
    r.headersOut['Cache-Control'] = 'no-store';
    r.return(200, body);
}

export default { page, headers, cookies };

// Passkeys in real headless Chromium with its virtual authenticator (DevTools
// protocol WebAuthn domain): an owner logs in by e-mail, adds a passkey in
// "Gérer mes comptes" (asked for the password first), logs out, logs in with the passkey (no password typed)
// and lands on the default account (X-Extranet-Account). The portal's pages
// are served here under a Content-Security-Policy without 'unsafe-inline'
// (passkey.js is a static file); without JavaScript the login page shows no
// passkey button and still logs in.
//
//   node t/browser/passkeys.mjs http://127.0.0.1:PORT
//
// WebAuthn refuses an IP address as RP ID: the pages are opened on
// http://localhost:PORT (Chromium maps localhost to 127.0.0.1), which is
// the demo's auth_extranet_site_url. Uses the demo account 040000300001,
// which the journey (journey.mjs, run before) never links: it is linked
// here to a fresh e-mail through the portal's own link routes.
// Screenshots: t/artifacts/passkey-<nn>-<step>.png. Exit code 0 only when
// every step passed.

import { chromium } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 10000;
const RUN_TIMEOUT = 90000;

const given = (process.argv[2] || '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(given)) {
    console.error('usage: node passkeys.mjs http://127.0.0.1:PORT');
    process.exit(2);
}
const base = given.replace('://127.0.0.1:', '://localhost:');

const ACCOUNT = { code: '040000300001', password: 'monceau-0001' };
const EMAIL = `passkey-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.org`;
const PASSWORD = 'Cle-d-acces-perso-2024';
const KEY_NAME = 'Téléphone de test';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; " +
            "base-uri 'none'; frame-ancestors 'none'";

let stepNo = 0;
const problems = [];   // CSP violations and script errors, on any page

class StepFailure extends Error {}
function fail(message) { throw new StepFailure(message); }
function check(condition, message) { if (!condition) fail(message); }
function equal(got, expected, what) {
    if (got !== expected) fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
}

async function screenshot(page, name) {
    try {
        await page.screenshot({ path: join(artifacts, `passkey-${String(stepNo).padStart(2, '0')}-${name}.png`),
                                fullPage: true, timeout: STEP_TIMEOUT });
    } catch (e) {
        console.log(`# screenshot failed: ${e.message.split('\n')[0]}`);
    }
}

async function step(name, page, fn) {
    stepNo += 1;
    const before = problems.length;
    try {
        await fn();
        if (problems.length > before) fail(`on the page: ${problems.slice(before).join(' | ')}`);
    } catch (e) {
        console.log(`not ok ${stepNo} - passkey ${name}`);
        const message = e instanceof StepFailure ? e.message : (e.stack || String(e));
        console.log(message.split('\n').map((l) => `#   ${l}`).join('\n'));
        try {
            console.log(`#   at URL: ${page.url()}`);
            const text = await page.locator('body').innerText({ timeout: 2000 });
            console.log(`#   page text: ${JSON.stringify(text.slice(0, 600))}`);
        } catch (_) { /* the page may be gone */ }
        await screenshot(page, `${name}-FAILED`);
        throw e;
    }
    await screenshot(page, name);
    console.log(`ok ${stepNo} - passkey ${name}`);
}

async function clickAndLoad(page, locator) {
    const navigation = page.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT });
    navigation.catch(() => {});
    await locator.click({ timeout: STEP_TIMEOUT });
    const response = await navigation;
    check(response !== null, 'the click loaded no new document');
    return response;
}

// What the demo legacy app received (its /headers lists them as text).
async function upstreamHeaders(page) {
    const r = await page.request.get(`${base}/headers`);
    equal(r.status(), 200, 'GET /headers');
    const out = {};
    for (const line of (await r.text()).split('\n')) {
        const m = /^X-Extranet-([A-Za-z]+): (.*)$/.exec(line);
        if (m) out[m[1]] = m[2];
    }
    return out;
}

// Serves every portal answer with a strict CSP, as a careful site would.
async function withCsp(context) {
    await context.route(/\/auth\//, async (route) => {
        const response = await route.fetch({ maxRedirects: 0 });
        const headers = { ...response.headers(), 'content-security-policy': CSP };
        await route.fulfill({ response, headers });
    });
}

function watch(page) {
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
            problems.push(`CSP: ${m.text()}`);
        }
    });
}

async function main() {
    mkdirSync(artifacts, { recursive: true });
    for (const f of readdirSync(artifacts)) {
        if (/^passkey-.*\.png$/.test(f)) unlinkSync(join(artifacts, f));
    }
    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--host-resolver-rules=MAP localhost 127.0.0.1', '--no-sandbox'],
    });
    try {
        const context = await browser.newContext({ viewport: { width: 360, height: 640 },
                                                   deviceScaleFactor: 1, locale: 'fr-FR' });
        await withCsp(context);
        const page = await context.newPage();
        watch(page);
        const cdp = await context.newCDPSession(page);
        await cdp.send('WebAuthn.enable');
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
            options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
                       hasUserVerification: true, isUserVerified: true },
        });

        // Setup: the account linked to a fresh e-mail through the portal's routes.
        await step('setup-identity', page, async () => {
            let r = await page.request.post(`${base}/auth/login`, {
                form: { login: ACCOUNT.code, password: ACCOUNT.password },
                headers: { Origin: base, Accept: 'application/json' },
            });
            equal(r.status(), 200, `code login for ${ACCOUNT.code} (is it linked already?)`);
            r = await page.request.get(`${base}/auth/api/me`, { headers: { Accept: 'application/json' } });
            const csrf = (await r.json()).csrf;
            check(csrf, 'no CSRF token from api/me');
            r = await page.request.post(`${base}/auth/link/profile`, {
                form: { csrf, email: EMAIL, last_name: 'Passkey', first_name: 'Test',
                        phone: '0600000000', password: PASSWORD, password_confirm: PASSWORD },
                headers: { Origin: base, Accept: 'application/json' },
            });
            check(r.status() === 200, `link/profile answered ${r.status()}: ${await r.text()}`);
            // The new address is proven from its mail before it logs in or
            // registers a passkey (the demo's outbox: EXTRANET_DEMO_PG).
            const [dir, port] = (process.env.EXTRANET_DEMO_PG || '').split(' ');
            check(dir && port, 'EXTRANET_DEMO_PG is not set (run through scripts/browser-test.sh)');
            const token = execFileSync(join(here, '..', '..', 'scripts', 'pg.sh'),
                ['psql', dir, port, '-X', '-q', '-A', '-t', '-c',
                 "SELECT substring(body from 'link/confirm[?]token=([A-Za-z0-9_-]{43})')"
                 + ` FROM extranet.mail_outbox WHERE recipient = '${EMAIL}' ORDER BY id DESC LIMIT 1`],
                { encoding: 'utf8' }).trim();
            r = await page.request.post(`${base}/auth/link/confirm`, {
                form: { token }, headers: { Origin: base, Accept: 'application/json' },
            });
            equal(r.status(), 200, 'the address confirmed with the mailed link');
            r = await page.request.post(`${base}/auth/logout`, {
                form: { csrf }, headers: { Origin: base, Accept: 'application/json' },
            });
            equal(r.status(), 200, 'logout after the setup');
        });

        await step('login-page', page, async () => {
            await page.goto(`${base}/auth/login`, { waitUntil: 'load' });
            const b = page.getByRole('button', { name: "Se connecter avec une clé d'accès", exact: true });
            await b.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
        });

        await step('email-login', page, async () => {
            await page.locator('#login-identifier').fill(EMAIL);
            await page.locator('#login-password').fill(PASSWORD);
            await clickAndLoad(page, page.getByRole('button', { name: 'Connexion', exact: true }));
            const h = await upstreamHeaders(page);
            equal(h.Email, EMAIL, 'X-Extranet-Email after the e-mail login');
            equal(h.Account, ACCOUNT.code, 'X-Extranet-Account after the e-mail login');
        });

        await step('manage-no-passkey', page, async () => {
            await page.goto(`${base}/auth/manage`, { waitUntil: 'load' });
            const section = page.locator('#passkeys');
            // folded away like the other lists of the page: unfold it
            await page.locator('#passkeys > summary').click();
            await section.scrollIntoViewIfNeeded();
            check((await section.innerText()).includes("Aucune clé d'accès enregistrée."),
                  'the section does not say there is no passkey yet');
            check(await page.locator('#passkey-unsupported').isHidden(),
                  'the "navigateur récent" hint is shown although WebAuthn is there');
            await page.getByRole('button', { name: "Ajouter une clé d'accès", exact: true })
                .waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
        });

        await step('passkey-added', page, async () => {
            await page.getByLabel("Nom de la clé d'accès (facultatif)").fill(KEY_NAME);
            // A passkey logs in without the password: adding one asks for it.
            const add = page.getByRole('button', { name: "Ajouter une clé d'accès", exact: true });
            await add.click();
            const error = page.locator('#passkey-add-error');
            await error.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
            check((await error.innerText()).includes('mot de passe actuel'),
                  'without the password, no passkey is added and the page asks for it');
            await page.locator('#passkey-add').getByLabel('Votre mot de passe actuel').fill(PASSWORD);
            await clickAndLoad(page, add);
            const url = new URL(page.url());
            equal(url.pathname + url.search, '/auth/manage?done=passkey_added', 'after adding');
            const text = await page.locator('main').innerText();
            check(text.includes("Votre clé d'accès a été ajoutée."), 'no notice after adding');
            check(text.includes(KEY_NAME), `the passkey "${KEY_NAME}" is not listed`);
            check(/Dernière utilisation : jamais/.test(text), 'a new passkey should never have been used');
            const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
            equal(credentials.length, 1, 'credentials in the virtual authenticator');
            check(credentials[0].isResidentCredential, 'the passkey is not discoverable');
            await page.locator('#passkeys').scrollIntoViewIfNeeded();
        });

        await step('logout', page, async () => {
            await clickAndLoad(page, page.locator('header').getByRole('button', { name: 'Se déconnecter' }));
            equal(new URL(page.url()).pathname, '/auth/login', 'after logout');
            const h = await upstreamHeaders(page);
            check(!h.Account, 'still a session after logout');
        });

        await step('passkey-login', page, async () => {
            const b = page.getByRole('button', { name: "Se connecter avec une clé d'accès", exact: true });
            await b.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
            await clickAndLoad(page, b);
            equal(new URL(page.url()).pathname, '/', 'the passkey login lands on the extranet');
            const h = await upstreamHeaders(page);
            equal(h.Account, ACCOUNT.code, 'X-Extranet-Account after the passkey login (default account)');
            equal(h.Email, EMAIL, 'X-Extranet-Email after the passkey login');
        });

        await step('manage-last-used', page, async () => {
            await page.goto(`${base}/auth/manage#passkeys`, { waitUntil: 'load' });
            if (await page.locator('#passkeys').getAttribute('open') === null) {
                await page.locator('#passkeys > summary').click();
            }
            const text = await page.locator('#passkeys').innerText();
            check(/Dernière utilisation : \d\d\/\d\d\/\d{4}/.test(text), 'the last use is not shown');
            await page.locator('#passkeys').scrollIntoViewIfNeeded();
        });

        // Without JavaScript: no passkey button, the password form still works.
        const plainContext = await browser.newContext({ javaScriptEnabled: false,
                                                        viewport: { width: 360, height: 640 } });
        const plain = await plainContext.newPage();
        await step('no-javascript', plain, async () => {
            await plain.goto(`${base}/auth/login`, { waitUntil: 'load' });
            check(await plain.locator('#passkey-login').isHidden(), 'the passkey button shows without JavaScript');
            await plain.locator('#login-identifier').fill(EMAIL);
            await plain.locator('#login-password').fill(PASSWORD);
            await clickAndLoad(plain, plain.getByRole('button', { name: 'Connexion', exact: true }));
            equal(new URL(plain.url()).pathname, '/', 'password login without JavaScript');
        });
        await plainContext.close();
    } finally {
        await browser.close();
    }
}

const timer = setTimeout(() => {
    console.log(`not ok - passkeys: more than ${RUN_TIMEOUT / 1000}s`);
    process.exit(1);
}, RUN_TIMEOUT);

main().then(() => {
    clearTimeout(timer);
    console.log(`# passkeys: ${stepNo} steps passed`);
    process.exit(0);
}, (e) => {
    clearTimeout(timer);
    if (!(e instanceof StepFailure)) console.log(`# ${e.stack || e}`);
    process.exit(1);
});

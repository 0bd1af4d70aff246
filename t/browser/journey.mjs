// The owner's journey of issue 3 in real headless Chromium: the two "modes
// d'emploi" of the guide (link an account to a new e-mail; group the other
// accounts under it), the "immeuble" menu to switch, "Gérer mes comptes" to
// choose the default account, and the login page without JavaScript.
//
//   node t/browser/journey.mjs http://127.0.0.1:PORT
//
// Needs the demo environment (scripts/browser-test.sh starts a fresh one):
// the module in front of demo/legacy_app.js, menu.js injected by sub_filter,
// the demo accounts of sql/demo/demo_data.sql, none linked yet.
// A screenshot of every step goes to t/artifacts/<nn>-<step>.png.
// Exit code 0 only when every step passed; the first failure stops the run.

import { chromium } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 10000;     // ms, each wait inside a step
const RUN_TIMEOUT = 110000;     // ms, the whole journey

const base = (process.argv[2] || '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) {
    console.error('usage: node journey.mjs http://127.0.0.1:PORT');
    process.exit(2);
}
const origin = new URL(base).origin;

// The demo accounts (sql/demo/demo_data.sql).
const A1 = { code: '030000100001', password: 'tilleuls-0001', syndic: '0300' };
const A2 = { code: '030000100002', password: 'tilleuls-0002', syndic: '0300' };
const A3 = { code: '030100200001', password: 'closfleuri-01', syndic: '0301' };
const A4 = { code: '040000300001', password: 'monceau-0001', syndic: '0400' };

// A fresh identity on every run.
const EMAIL = `owner-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.org`;
const PERSONAL_PASSWORD = 'Mon-mot-de-passe-perso-2024';
const BAD_EMAIL = 'jean.dupont@gmail';  // a typo the browser lets through

const ALREADY_USED =
    "L'adresse e-mail saisie est déjà utilisée. Si vous souhaitez associer ce compte à cette " +
    'adresse, veuillez entrer le mot de passe correspondant. Dans le cas contraire, veuillez ' +
    'revenir en arrière et entrer une nouvelle adresse.';

// ---------------------------------------------------------------------------
// Steps, screenshots and failures

let browser = null;
let stepNo = 0;
let current = null;          // the page the running step works on
const pageErrors = [];       // uncaught script errors (menu.js) on any page

class StepFailure extends Error {}

function fail(message) {
    throw new StepFailure(message);
}

function check(condition, message) {
    if (!condition) {
        fail(message);
    }
}

function equal(got, expected, what) {
    if (got !== expected) {
        fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    }
}

function shotPath(n, name) {
    return join(artifacts, `${String(n).padStart(2, '0')}-${name}.png`);
}

async function screenshot(page, path) {
    try {
        await page.screenshot({ path, fullPage: true, timeout: STEP_TIMEOUT });
    } catch (e) {
        console.log(`# screenshot ${path} failed: ${e.message.split('\n')[0]}`);
    }
}

// Runs one step on a page, then saves its screenshot. A failure saves the
// screenshot too (name ending in -FAILED), reports and ends the run.
async function step(name, page, fn) {
    stepNo += 1;
    current = page;
    const before = pageErrors.length;
    try {
        await fn();
        if (pageErrors.length > before) {
            fail(`script error on the page: ${pageErrors.slice(before).join(' | ')}`);
        }
    } catch (e) {
        console.log(`not ok ${stepNo} - ${name}`);
        const message = e instanceof StepFailure ? e.message : (e.stack || String(e));
        console.log(message.split('\n').map((l) => `#   ${l}`).join('\n'));
        try {
            console.log(`#   at URL: ${page.url()}`);
            const main = await page.locator('body').innerText({ timeout: 2000 });
            console.log(`#   page text: ${JSON.stringify(main.slice(0, 600))}`);
        } catch (_) { /* the page may be gone */ }
        await screenshot(page, shotPath(stepNo, `${name}-FAILED`));
        throw e;
    }
    await screenshot(page, shotPath(stepNo, name));
    console.log(`ok ${stepNo} - ${name}`);
}

// ---------------------------------------------------------------------------
// Page helpers

function pathOf(page) {
    const u = new URL(page.url());
    return u.pathname + u.search;
}

// A finger on the phone's screen: the element must be within the visible
// part of the page (the visual viewport) and not covered by anything; its
// centre is tapped at screen coordinates.
async function fingerTap(page, locator, what) {
    await locator.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    const geometry = () => locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const v = window.visualViewport;
        return { x: r.left + r.width / 2, y: r.top + r.height / 2, left: r.left, right: r.right,
                 vx: v.offsetLeft, vy: v.offsetTop, vw: v.width, vh: v.height,
                 page: document.documentElement.scrollWidth };
    });
    const g = await geometry();
    // An owner on a phone must see the icons without panning sideways.
    check(g.left >= g.vx && g.right <= g.vx + g.vw,
          `${what} is outside the ${Math.round(g.vw)}px-wide phone screen (x ${Math.round(g.left)}-` +
          `${Math.round(g.right)} on a page ${g.page}px wide)`);
    const hit = await locator.evaluate((el, p) => {
        const top = document.elementFromPoint(p.x, p.y);
        return top === el || el.contains(top) ? '' : (top ? top.outerHTML.slice(0, 80) : 'nothing');
    }, { x: g.x, y: g.y });
    check(hit === '', `${what} is covered by ${hit}`);
    await page.touchscreen.tap(g.x - g.vx, g.y - g.vy);
}

// Clicks something that loads a new document (a link, a form's button) and
// waits for that document; returns its main response (after redirects).
// tap: a string naming the element, tapped with fingerTap (menu.js items).
async function clickAndLoad(page, locator, { tap = null } = {}) {
    const navigation = page.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT });
    navigation.catch(() => {});   // awaited below; abandoned if the click fails
    if (tap) {
        await fingerTap(page, locator, tap);
    } else {
        await locator.click({ timeout: STEP_TIMEOUT });
    }
    const response = await navigation;
    check(response !== null, 'the click loaded no new document');
    return response;
}

async function heading(page) {
    const h1 = page.locator('h1').first();
    await h1.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    return (await h1.innerText()).trim();
}

async function expectHeading(page, text) {
    equal(await heading(page), text, `page heading (${pathOf(page)})`);
}

// The input a visible label names (labels are tied with for=/id).
async function fieldByLabel(page, label) {
    const input = page.getByLabel(label, { exact: true });
    const n = await input.count();
    check(n === 1, `expected one field labelled "${label}", found ${n}`);
    await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    return input;
}

function button(page, text) {
    return page.getByRole('button', { name: text, exact: true });
}

async function expectButton(page, text) {
    const b = button(page, text);
    const n = await b.count();
    check(n >= 1, `no "${text}" button on ${pathOf(page)}`);
    await b.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    return b.first();
}

async function mainText(page) {
    return (await page.locator('main').first().innerText({ timeout: STEP_TIMEOUT })).replace(/\s+/g, ' ');
}

// The X-Extranet-* headers the demo legacy page lists in its table.
async function legacyHeaders(page) {
    await page.locator('header h1', { hasText: 'Extranet — Espace copropriétaire' })
        .waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    return page.evaluate(() => {
        const out = {};
        for (const row of document.querySelectorAll('main table tr')) {
            const th = row.querySelector('th[scope="row"]');
            const td = row.querySelector('td');
            if (th && td) {
                out[th.textContent.trim().toLowerCase()] = td.textContent.trim();
            }
        }
        return out;
    });
}

async function expectLegacyPage(page, { account, syndic, login, email }) {
    const h = await legacyHeaders(page);
    equal(h['x-extranet-account'], account, 'X-Extranet-Account shown by the legacy page');
    if (syndic !== undefined) {
        equal(h['x-extranet-syndic'], syndic, 'X-Extranet-Syndic');
    }
    if (login !== undefined) {
        equal(h['x-extranet-login'], login, 'X-Extranet-Login');
    }
    if (email !== undefined) {
        equal(h['x-extranet-email'], email, 'X-Extranet-Email');
    }
    const welcome = await page.locator('main p').first().innerText();
    check(welcome.includes(account), `the legacy page does not welcome account ${account}: "${welcome}"`);
    return h;
}

// menu.js draws its two icons once api/me has answered.
async function waitForMenu(page) {
    await page.locator('#extranet-user-button').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    await page.locator('#extranet-accounts-button').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
}

async function openMenu(page, which) {
    const iconButton = page.locator(`#extranet-${which}-button`);
    const panel = page.locator(`#extranet-${which}-menu`);
    await fingerTap(page, iconButton, `the "${which === 'user' ? 'utilisateur' : 'immeuble'}" icon`);
    await panel.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    equal(await iconButton.getAttribute('aria-expanded'), 'true', `aria-expanded of the ${which} icon`);
    return panel;
}

async function gotoLogin(page) {
    await page.goto(`${base}/auth/login`, { waitUntil: 'load', timeout: STEP_TIMEOUT });
    await expectHeading(page, 'Accédez à votre compte');
}

// Fills and posts the login form; returns the response of the page it lands on.
async function submitLogin(page, login, password) {
    await (await fieldByLabel(page, 'Identifiant (code client ou adresse e-mail)')).fill(login);
    await (await fieldByLabel(page, 'Mot de passe')).fill(password);
    return clickAndLoad(page, await expectButton(page, 'Connexion'));
}

async function loginTo(page, login, password) {
    const response = await submitLogin(page, login, password);
    equal(response.status(), 200, `status after logging in as ${login}`);
    equal(pathOf(page), '/', `page after logging in as ${login}`);
}

// "utilisateur" icon → "Se déconnecter": back on the login page.
async function logoutFromMenu(page) {
    await waitForMenu(page);
    const panel = await openMenu(page, 'user');
    const item = panel.locator('#extranet-logout-item');
    equal((await item.innerText()).trim(), 'Se déconnecter', 'logout item');
    await clickAndLoad(page, item, { tap: '"Se déconnecter" in the user menu' });
    await expectHeading(page, 'Accédez à votre compte');
    check(new URL(page.url()).pathname === '/auth/login', `logout landed on ${pathOf(page)}`);
    const cookies = await page.context().cookies(base);
    check(!cookies.some((c) => c.name === 'extranet_session' && c.value !== ''),
        'the session cookie is still set after logout');
}

// From the legacy page: "utilisateur" → "Associer mon compte" → the e-mail step.
async function openLinkPage(page) {
    await waitForMenu(page);
    const panel = await openMenu(page, 'user');
    const item = panel.locator('#extranet-link-item');
    equal((await item.innerText()).trim(), 'Associer mon compte', 'link item of the user menu');
    check(await panel.locator('#extranet-logout-item').isVisible(), 'no "Se déconnecter" in the user menu');
    await clickAndLoad(page, item, { tap: '"Associer mon compte" in the user menu' });
    equal(new URL(page.url()).pathname, '/auth/link', 'the link item leads to');
    await expectHeading(page, 'Associer un compte');
    await expectButton(page, 'SUIVANT');
    const email = await fieldByLabel(page, 'Votre email');
    equal(await email.getAttribute('autocomplete'), 'email', 'autocomplete of "Votre email"');
    return email;
}

// The known-e-mail path: same e-mail → "déjà utilisée" → "Votre mot de passe".
async function submitKnownEmail(page) {
    const email = await fieldByLabel(page, 'Votre email');
    await email.fill(EMAIL);
    await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
    equal(new URL(page.url()).pathname, '/auth/link/password', 'a known e-mail leads to');
    await expectHeading(page, 'Associer un compte');
    const text = await mainText(page);
    check(text.includes(ALREADY_USED), `the "déjà utilisée" text is missing or different: "${text}"`);
    check(text.includes(EMAIL), 'the e-mail is not recalled on the password page');
    await expectButton(page, 'SUIVANT');
    const password = await fieldByLabel(page, 'Votre mot de passe');
    equal(await password.getAttribute('autocomplete'), 'current-password', 'autocomplete of "Votre mot de passe"');
    return password;
}

async function expectLinked(page, account) {
    await expectHeading(page, 'Ce compte est associé');
    const text = await mainText(page);
    check(text.includes(account), `"Ce compte est associé" does not name ${account}: "${text}"`);
    check(text.includes(EMAIL), `"Ce compte est associé" does not name ${EMAIL}`);
}

async function newContext(options) {
    const context = await browser.newContext({ locale: 'fr-FR', ...options });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    return context;
}

async function newPage(context) {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    return page;
}

// ---------------------------------------------------------------------------
// The journey

async function journey() {
    // --- Without JavaScript: the login page alone -----------------------

    const noJs = await newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 768 } });
    const plain = await newPage(noJs);

    await step('nojs-login-page', plain, async () => {
        await plain.goto(`${base}/`, { waitUntil: 'load' });
        equal(pathOf(plain), '/auth/login?next=%2F', 'an anonymous visit of / is sent to');
        await expectHeading(plain, 'Accédez à votre compte');
    });

    await step('nojs-login-code-040000300001', plain, async () => {
        await loginTo(plain, A4.code, A4.password);
        await expectLegacyPage(plain, { account: A4.code, syndic: A4.syndic, login: 'code' });
        equal(await plain.locator('#extranet-menu').count(), 0, 'menu.js ran with JavaScript disabled');
        await clickAndLoad(plain, plain.getByRole('link', { name: 'Mes documents', exact: true }));
        equal(pathOf(plain), '/documents', 'the legacy "Mes documents" link');
        await expectLegacyPage(plain, { account: A4.code });
    });

    await noJs.close();

    // An old phone: small screen, touch, mobile user agent.
    const phone = await newContext({
        viewport: { width: 360, height: 640 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        userAgent: 'Mozilla/5.0 (Linux; Android 8.0.0; SM-G930F) AppleWebKit/537.36 ' +
                   '(KHTML, like Gecko) Chrome/90.0.4430.210 Mobile Safari/537.36',
    });
    const page = await newPage(phone);

    // --- Mode d'emploi 1: link an account to a new e-mail -----------------

    await step('login-page', page, async () => {
        const response = await page.goto(`${base}/`, { waitUntil: 'load' });
        check(response !== null, 'no response for /');
        equal(pathOf(page), '/auth/login?next=%2F', 'an anonymous visit of / is sent to');
        await expectHeading(page, 'Accédez à votre compte');
        const login = await fieldByLabel(page, 'Identifiant (code client ou adresse e-mail)');
        equal(await login.getAttribute('autocomplete'), 'username', 'autocomplete of the identifier');
        const password = await fieldByLabel(page, 'Mot de passe');
        equal(await password.getAttribute('type'), 'password', 'type of the password field');
        equal(await password.getAttribute('autocomplete'), 'current-password', 'autocomplete of the password');
        await expectButton(page, 'Connexion');
        check(await page.getByRole('link', { name: 'Mot de passe oublié ?' }).isVisible(),
            'no "Mot de passe oublié ?" link');
        // Readable on the phone: nothing wider than the screen.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        check(overflow <= 0, `the login page is ${overflow}px wider than the phone screen`);
    });

    await step('login-code-030000100001', page, async () => {
        await loginTo(page, A1.code, A1.password);
        await expectLegacyPage(page, { account: A1.code, syndic: A1.syndic, login: 'code' });
        await waitForMenu(page);
    });

    await step('user-menu', page, async () => {
        const panel = await openMenu(page, 'user');
        equal((await panel.locator('#extranet-link-item').innerText()).trim(), 'Associer mon compte', 'link item');
        equal((await panel.locator('#extranet-logout-item').innerText()).trim(), 'Se déconnecter', 'logout item');
        check(await page.locator('#extranet-user-button').getAttribute('aria-label') !== null,
            'the "utilisateur" icon has no accessible name');
    });

    await step('link-page', page, async () => {
        const item = page.locator('#extranet-link-item');
        await clickAndLoad(page, item, { tap: '"Associer mon compte" in the user menu' });
        equal(new URL(page.url()).pathname, '/auth/link', '"Associer mon compte" leads to');
        await expectHeading(page, 'Associer un compte');
        await fieldByLabel(page, 'Votre email');
        await expectButton(page, 'SUIVANT');
    });

    await step('link-bad-email', page, async () => {
        const email = await fieldByLabel(page, 'Votre email');
        await email.fill(BAD_EMAIL);
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 400, 'status for a bad e-mail');
        await expectHeading(page, 'Associer un compte');
        const error = page.locator('#link-email-error');
        await error.waitFor({ state: 'visible' });
        equal((await error.innerText()).trim(), 'Veuillez entrer une adresse email valide.', 'error next to "Votre email"');
        // The entered e-mail is kept after an error.
        equal(await (await fieldByLabel(page, 'Votre email')).inputValue(), BAD_EMAIL, 'the e-mail field after the error');
        equal(await page.locator('#link-email').getAttribute('aria-invalid'), 'true', 'aria-invalid of "Votre email"');
    });

    await step('link-new-email', page, async () => {
        const email = await fieldByLabel(page, 'Votre email');
        await email.fill(EMAIL);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/profile', 'a new e-mail leads to');
        await expectHeading(page, 'Vos informations personnelles');
        equal(await (await fieldByLabel(page, 'Adresse e-mail')).inputValue(), EMAIL, 'the e-mail shown on the profile page');
        for (const label of ['Nom', 'Prénom', 'Téléphone (facultatif)', 'Mot de passe', 'Confirmation du mot de passe']) {
            await fieldByLabel(page, label);
        }
        equal(await (await fieldByLabel(page, 'Mot de passe')).getAttribute('autocomplete'), 'new-password',
            'autocomplete of the new password');
        await expectButton(page, 'SUIVANT');
    });

    await step('link-profile-filled', page, async () => {
        await (await fieldByLabel(page, 'Nom')).fill('Lefèvre');
        await (await fieldByLabel(page, 'Prénom')).fill('Marie-Hélène');
        await (await fieldByLabel(page, 'Mot de passe')).fill(PERSONAL_PASSWORD);
        await (await fieldByLabel(page, 'Confirmation du mot de passe')).fill(PERSONAL_PASSWORD);
    });

    await step('link-done-030000100001', page, async () => {
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/done', 'the profile step leads to');
        await expectLinked(page, A1.code);
    });

    await step('extranet-as-email-session', page, async () => {
        // The session became an e-mail session on the account just linked.
        await clickAndLoad(page, page.getByRole('link', { name: "Accéder à l'extranet", exact: true }));
        equal(pathOf(page), '/', '"Accéder à l\'extranet" leads to');
        await expectLegacyPage(page, { account: A1.code, syndic: A1.syndic, login: 'email', email: EMAIL });
        await waitForMenu(page);
    });

    await step('logout-1', page, async () => {
        await logoutFromMenu(page);
    });

    // --- Mode d'emploi 2: group the other accounts under the e-mail -------

    await step('login-code-030000100002', page, async () => {
        await loginTo(page, A2.code, A2.password);
        await expectLegacyPage(page, { account: A2.code, syndic: A2.syndic, login: 'code' });
    });

    await step('link-page-030000100002', page, async () => {
        await openLinkPage(page);
    });

    await step('link-known-email-030000100002', page, async () => {
        await submitKnownEmail(page);
    });

    await step('link-wrong-password-030000100002', page, async () => {
        await (await fieldByLabel(page, 'Votre mot de passe')).fill('pas-le-bon-mot-de-passe');
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 401, 'status for a wrong personal password');
        check((await heading(page)) !== 'Ce compte est associé', 'a wrong password linked the account');
        const alert = page.locator('main [role="alert"]').first();
        await alert.waitFor({ state: 'visible' });
        // Never keep a password in the page after an error.
        const kept = await page.locator('input[type="password"]').evaluateAll((l) => l.map((i) => i.value).join(''));
        equal(kept, '', 'password fields after the error');
    });

    await step('link-done-030000100002', page, async () => {
        // The wrong-password page may be the same form again or lead back.
        if (!(await page.getByLabel('Votre mot de passe', { exact: true }).count())) {
            await gotoLinkFromAnywhere(page);
            await submitKnownEmail(page);
        }
        await (await fieldByLabel(page, 'Votre mot de passe')).fill(PERSONAL_PASSWORD);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/done', 'the password step leads to');
        await expectLinked(page, A2.code);
    });

    await step('logout-2', page, async () => {
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await logoutFromMenu(page);
    });

    await step('login-code-030100200001', page, async () => {
        await loginTo(page, A3.code, A3.password);
        await expectLegacyPage(page, { account: A3.code, syndic: A3.syndic, login: 'code' });
    });

    await step('link-known-email-030100200001', page, async () => {
        await openLinkPage(page);
        await submitKnownEmail(page);
    });

    await step('link-done-030100200001-partner', page, async () => {
        await (await fieldByLabel(page, 'Votre mot de passe')).fill(PERSONAL_PASSWORD);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/done', 'linking a partner syndic\'s account leads to');
        await expectLinked(page, A3.code);
    });

    await step('logout-3', page, async () => {
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await logoutFromMenu(page);
    });

    await step('login-code-040000300001', page, async () => {
        await loginTo(page, A4.code, A4.password);
        await expectLegacyPage(page, { account: A4.code, syndic: A4.syndic, login: 'code' });
    });

    await step('link-known-email-040000300001', page, async () => {
        await openLinkPage(page);
        await submitKnownEmail(page);
    });

    await step('link-refused-040000300001-not-partner', page, async () => {
        await (await fieldByLabel(page, 'Votre mot de passe')).fill(PERSONAL_PASSWORD);
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 409, 'status for an account of a non-partner syndic');
        check((await heading(page)) !== 'Ce compte est associé', 'the non-partner account was linked');
        const text = await mainText(page);
        // The reason, named: syndic 0400 is no partner of the others'.
        check(/syndic/i.test(text) && /partenaire/i.test(text) && text.includes(A4.syndic),
            `the refusal does not name the reason (syndic ${A4.syndic} not partner): "${text}"`);
    });

    await step('logout-4', page, async () => {
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await expectLegacyPage(page, { account: A4.code, login: 'code' });
        await logoutFromMenu(page);
    });

    // With auth_extranet_legacy_login unlinked (the default) a linked
    // account's code no longer logs in: the owner is told to use the e-mail.
    await step('login-code-of-linked-account-refused', page, async () => {
        const response = await submitLogin(page, A1.code, A1.password);
        equal(response.status(), 403, 'status for the code of a linked account');
        await expectHeading(page, 'Accédez à votre compte');
        const text = await mainText(page);
        check(/e-?mail/i.test(text), `the login page does not tell to use the e-mail: "${text}"`);
    });

    // --- Next login with the e-mail: the default account ----------------

    await step('login-email-default-030000100001', page, async () => {
        await gotoLogin(page);
        await loginTo(page, EMAIL, PERSONAL_PASSWORD);
        const h = await expectLegacyPage(page, { account: A1.code, syndic: A1.syndic, login: 'email', email: EMAIL });
        const linked = (h['x-extranet-accounts'] || '').split(',').map((s) => s.trim()).sort();
        equal(linked.join(','), [A1.code, A2.code, A3.code].sort().join(','), 'X-Extranet-Accounts');
        await waitForMenu(page);
    });

    // --- The "immeuble" menu -------------------------------------------

    await step('accounts-menu', page, async () => {
        // Somewhere else than the home page, to see the switch come back here.
        await clickAndLoad(page, page.getByRole('link', { name: 'Mes documents', exact: true }));
        equal(pathOf(page), '/documents', 'the legacy "Mes documents" link');
        await waitForMenu(page);
        const panel = await openMenu(page, 'accounts');
        const active = panel.locator('[aria-current="true"]');
        equal(await active.count(), 1, 'active accounts in the menu');
        check((await active.innerText()).includes(A1.code), 'the active account in the menu is not 030000100001');
        const switches = await panel.locator('button[data-account]')
            .evaluateAll((l) => l.map((b) => b.getAttribute('data-account')).sort());
        equal(switches.join(','), [A2.code, A3.code].sort().join(','), 'switch buttons in the "immeuble" menu');
        const text = await panel.innerText();
        for (const a of [A1, A2, A3]) {
            check(text.includes(a.code), `${a.code} is not listed in the "immeuble" menu`);
        }
        check(!text.includes(A4.code), '040000300001 is listed although its link was refused');
    });

    await step('switch-to-030000100002', page, async () => {
        const b = page.locator(`#extranet-accounts-menu button[data-account="${A2.code}"]`);
        const response = await clickAndLoad(page, b, { tap: `the switch to ${A2.code}` });
        equal(response.status(), 200, 'status after the switch');
        equal(pathOf(page), '/documents', 'the switch brings the owner back to');
        await expectLegacyPage(page, { account: A2.code, syndic: A2.syndic, login: 'email', email: EMAIL });
        await waitForMenu(page);
    });

    await step('switch-to-030100200001', page, async () => {
        const panel = await openMenu(page, 'accounts');
        check((await panel.locator('[aria-current="true"]').innerText()).includes(A2.code),
            'the menu does not mark 030000100002 as active');
        const response = await clickAndLoad(page, panel.locator(`button[data-account="${A3.code}"]`),
            { tap: `the switch to ${A3.code}` });
        equal(response.status(), 200, 'status after the switch');
        equal(pathOf(page), '/documents', 'the switch brings the owner back to');
        await expectLegacyPage(page, { account: A3.code, syndic: A3.syndic, login: 'email', email: EMAIL });
        await waitForMenu(page);
    });

    // --- "Gérer mes comptes": the default account ------------------------

    await step('manage-page', page, async () => {
        const panel = await openMenu(page, 'user');
        const item = panel.locator('#extranet-manage-item');
        equal((await item.innerText()).trim(), 'Gérer mes comptes', 'manage item of the user menu');
        check(await panel.locator('#extranet-link-item').count() === 0,
            '"Associer mon compte" offered to an e-mail session');
        await clickAndLoad(page, item, { tap: '"Gérer mes comptes" in the user menu' });
        equal(new URL(page.url()).pathname, '/auth/manage', '"Gérer mes comptes" leads to');
        await expectHeading(page, 'Gérer mes comptes');
        const text = await mainText(page);
        for (const a of [A1, A2, A3]) {
            check(text.includes(a.code), `${a.code} is not listed on "Gérer mes comptes"`);
        }
        equal(await page.locator(`input[name="default_account"][value="${A1.code}"]`).isChecked(), true,
            '030000100001 is the default account');
    });

    await step('manage-default-030100200001', page, async () => {
        const radio = page.locator(`input[name="default_account"][value="${A3.code}"]`);
        await radio.check();
        const response = await clickAndLoad(page, await expectButton(page, 'Modifier le compte par défaut'));
        equal(response.status(), 200, 'status after changing the default account');
        equal(new URL(page.url()).pathname, '/auth/manage', 'changing the default account leads back to');
        await expectHeading(page, 'Gérer mes comptes');
        equal(await page.locator(`input[name="default_account"][value="${A3.code}"]`).isChecked(), true,
            '030100200001 is now the default account');
    });

    await step('logout-5', page, async () => {
        // The portal pages have their own "Se déconnecter" (no JavaScript needed).
        await clickAndLoad(page, page.locator('.site-nav').getByRole('button', { name: 'Se déconnecter', exact: true }));
        await expectHeading(page, 'Accédez à votre compte');
    });

    await step('login-email-default-030100200001', page, async () => {
        await loginTo(page, EMAIL, PERSONAL_PASSWORD);
        await expectLegacyPage(page, { account: A3.code, syndic: A3.syndic, login: 'email', email: EMAIL });
        await waitForMenu(page);
    });

    await phone.close();

    // --- Without JavaScript, once linked: the pages alone ---------------

    const noJs2 = await newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 768 } });
    const plain2 = await newPage(noJs2);

    await step('nojs-login-email', plain2, async () => {
        await gotoLogin(plain2);
        await loginTo(plain2, EMAIL, PERSONAL_PASSWORD);
        await expectLegacyPage(plain2, { account: A3.code, login: 'email', email: EMAIL });
        equal(await plain2.locator('#extranet-menu').count(), 0, 'menu.js ran with JavaScript disabled');
    });

    await step('nojs-accounts-page-switch', plain2, async () => {
        await plain2.goto(`${base}/auth/accounts`, { waitUntil: 'load' });
        await expectHeading(plain2, 'Mes comptes');
        const items = plain2.locator('li.account');
        equal(await items.count(), 3, 'accounts listed on the "Mes comptes" page');
        check((await plain2.locator('li.account[aria-current="true"]').innerText()).includes(A3.code),
            'the "Mes comptes" page does not mark 030100200001 as active');
        const item = plain2.locator('li.account', { hasText: A1.code });
        await clickAndLoad(plain2, item.getByRole('button', { name: 'Accéder à ce compte', exact: true }));
        await expectLegacyPage(plain2, { account: A1.code, login: 'email', email: EMAIL });
    });

    await noJs2.close();
}

// After a refused password the owner can always start the e-mail step again.
async function gotoLinkFromAnywhere(page) {
    await page.goto(`${base}/auth/link`, { waitUntil: 'load' });
    await expectHeading(page, 'Associer un compte');
}

// ---------------------------------------------------------------------------

async function main() {
    mkdirSync(artifacts, { recursive: true });
    for (const f of readdirSync(artifacts)) {
        if (/^\d\d-.*\.png$/.test(f)) {
            unlinkSync(join(artifacts, f));
        }
    }
    console.log(`# base ${origin}, identity ${EMAIL}, screenshots in ${artifacts}`);

    const watchdog = setTimeout(() => {
        console.log(`not ok ${stepNo + 1} - the journey took more than ${RUN_TIMEOUT / 1000}s`);
        const done = current ? screenshot(current, shotPath(stepNo + 1, 'TIMEOUT')) : Promise.resolve();
        done.finally(() => process.exit(1));
    }, RUN_TIMEOUT);

    // Stopped from outside (Ctrl-C, timeout): fail; playwright's exit hook
    // kills Chromium.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        process.on(signal, () => {
            console.log(`not ok ${stepNo + 1} - interrupted by ${signal}`);
            process.exit(1);
        });
    }

    browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
        timeout: 30000,
    });
    let rc = 0;
    try {
        await journey();
        console.log(`1..${stepNo}`);
        console.log(`# the whole journey passed (${stepNo} steps)`);
    } catch (e) {
        console.log(`1..${stepNo}`);
        console.log('# FAILED: the journey stopped at the step above');
        rc = 1;
    } finally {
        clearTimeout(watchdog);
        await browser.close().catch(() => {});
    }
    process.exit(rc);
}

main().catch((e) => {
    console.log(`not ok - ${e.stack || e}`);
    process.exit(1);
});

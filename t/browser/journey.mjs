// The owner's journey of issues 3 and 9 in real headless Chromium: the two
// "modes d'emploi" of the guide (link an account to a new e-mail; group the
// other accounts under it), the "immeuble" menu to switch, "Gérer mes
// comptes", the forgotten password of a code, the legacy page and the
// portal without JavaScript; walked on a 360x640 phone at 1x, 1.5x and 2x
// text size, then checked at 400 % zoom. On every page state: axe-core (any
// violation fails), and element geometry for the icons, the menu panels and
// each error summary (inside the visible screen).
//
// Text size: Chromium for Android follows the system font size with its
// accessibility page zoom, which scales every CSS pixel (text, boxes,
// icons), so a page laid out for 360 px gets 360/f CSS px of width. That is
// what each walk emulates: a 360x640 screen whose CSS viewport is
// (360/f)x(640/f) at device scale 2f, so screenshots stay 720x1280. (Blink's
// own text autosizing, accessibilityFontScaleFactor, is not applied by
// headless Chromium; setting a root font-size would leave px text alone.)
// 400 % zoom is WCAG's reflow case: 1280x1024 at 400 %, 320x256 CSS px.
//
//   node t/browser/journey.mjs http://127.0.0.1:PORT
//
// Needs the demo environment (scripts/browser-test.sh starts a fresh one):
// the module in front of demo/legacy_app.js, menu.js injected by sub_filter,
// the demo accounts of sql/demo/demo_data.sql, none linked yet.
// A screenshot of every step goes to t/artifacts/<nn>-<step>.png, named
// after what it shows (x1.5-... for the walk at 1.5x text).
// Exit code 0 only when every step passed; the first failure stops the run.

import { chromium } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, unlinkSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 15000;     // ms, each wait inside a step
const RUN_TIMEOUT = 570000;     // ms, the whole journey (three walks)
const AXE_SOURCE = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

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

// A fresh identity on every walk, with a long address without break points
// (the guide's marie.lefevre.phone@...): it must wrap, never scroll sideways.
let EMAIL = '';
function newEmail(tag) {
    return `marie.lefevre.phone.${tag}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}` +
           '@exemple-de-fournisseur-de-messagerie.example';
}
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
        // What the owner sees on the screen for the steps about it; else
        // the whole page.
        const screenOnly = /(visible|on-screen|fits)(-FAILED)?\.png$/.test(path);
        await page.screenshot({ path, fullPage: !screenOnly, timeout: STEP_TIMEOUT });
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
    // An item further down a long menu: the owner scrolls to it first.
    await locator.scrollIntoViewIfNeeded({ timeout: STEP_TIMEOUT });
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

// The token of the newest confirmation link mailed to the address, read
// from the demo's outbox (the demo sends no mail): browser-test.sh gives
// the demo's PostgreSQL as EXTRANET_DEMO_PG="<dir> <port>".
function mailedConfirmToken(address) {
    const [dir, port] = (process.env.EXTRANET_DEMO_PG || '').split(' ');
    check(dir && port, 'EXTRANET_DEMO_PG is not set (run through scripts/browser-test.sh)');
    const quoted = `'${address.replace(/'/g, "''")}'`;
    const out = execFileSync(join(here, '..', '..', 'scripts', 'pg.sh'),
        ['psql', dir, port, '-X', '-q', '-A', '-t', '-c',
         "SELECT substring(body from 'link/confirm[?]token=([A-Za-z0-9_-]{43})') FROM extranet.mail_outbox"
         + ` WHERE recipient = ${quoted} AND body LIKE '%link/confirm?token=%' ORDER BY id DESC LIMIT 1`],
        { encoding: 'utf8' });
    return out.trim();
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
    // axe-core is injected as a script: the portal's Content-Security-Policy
    // (script-src 'self') would refuse it
    const context = await browser.newContext({ locale: 'fr-FR', bypassCSP: true, ...options });
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
// Issue 9 checks: axe-core, geometry, summaries

// axe-core on the page as it is now (menus open or not): any violation fails.
// A page without JavaScript cannot run axe: its HTML is served again, at
// the same URL (so that its stylesheet loads), to a page that can.
let axeContext = null;
async function axeCheck(page, state, { noJs = false } = {}) {
    if (noJs) {
        const html = await page.content();
        const url = page.url();
        if (!axeContext) {
            axeContext = await newContext({ viewport: page.viewportSize() });
        }
        const copy = await axeContext.newPage();
        try {
            await copy.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
            await copy.goto(url, { waitUntil: 'load' });
            await axeCheck(copy, `${state} (without JavaScript)`);
        } finally {
            await copy.close();
        }
        return;
    }
    const has = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!has) {
        await page.addScriptTag({ content: AXE_SOURCE });
    }
    const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ` +
            v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
    });
    check(violations.length === 0, `axe-core on ${state} (${pathOf(page)}):\n  ${violations.join('\n  ')}`);
}

// Where an element is against the visible screen (the visual viewport).
async function box(locator) {
    return locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const v = window.visualViewport;
        return { left: r.left - v.offsetLeft, right: r.right - v.offsetLeft, top: r.top - v.offsetTop,
                 bottom: r.bottom - v.offsetTop, vw: v.width, vh: v.height,
                 page: document.documentElement.scrollWidth };
    });
}

function px(n) {
    return Math.round(n);
}

// Inside the screen's width, and (whole: every edge; else its top) within
// its height as it is shown now.
async function expectOnScreen(locator, what, { whole = true } = {}) {
    await locator.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    const g = await box(locator);
    const where = `x ${px(g.left)}-${px(g.right)}, y ${px(g.top)}-${px(g.bottom)} on a ` +
                  `${px(g.vw)}x${px(g.vh)} screen, page ${g.page}px wide`;
    check(g.left >= -0.5 && g.right <= g.vw + 0.5, `${what} is not within the screen's width (${where})`);
    if (whole) {
        check(g.top >= -0.5 && g.bottom <= g.vh + 0.5, `${what} is not within the screen (${where})`);
    } else {
        check(g.top >= -0.5 && g.top < g.vh - 20, `${what} does not start on the screen (${where})`);
    }
    return g;
}

// After a failed submit: the form's error summary, focused, on the screen,
// each of its links leading to a field of the page.
async function expectSummary(page, id, messages) {
    const summary = page.locator(`#${id}`);
    await summary.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    equal(focused, `${id}-title`, 'the element focused after the failed submit');
    await expectOnScreen(summary, `the error summary #${id}`, { whole: false });
    const links = await summary.locator('a').evaluateAll((l) => l.map((a) => ({
        text: a.textContent.trim(), target: a.getAttribute('href'),
        found: !!document.getElementById(a.getAttribute('href').slice(1)),
    })));
    for (const text of messages) {
        check(links.some((l) => l.text === text), `the summary does not list "${text}": ${JSON.stringify(links)}`);
    }
    for (const l of links) {
        check(l.found, `the summary links to ${l.target}, which is not on the page`);
    }
    return summary;
}

// Nothing wider than the screen (long addresses wrap).
async function expectNoSideways(page, what) {
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(over <= 0, `${what} is ${over}px wider than the screen: it scrolls sideways`);
}

// The two icons on the visible screen (legacy pages).
async function expectIconsOnScreen(page) {
    await waitForMenu(page);
    await expectOnScreen(page.locator('#extranet-user-button'), 'the "utilisateur" icon');
    await expectOnScreen(page.locator('#extranet-accounts-button'), 'the "immeuble" icon');
    // A bar of its own, in the flow: the legacy page starts below it.
    const bar = await box(page.locator('#extranet-menu'));
    const first = await box(page.locator('body > header').first());
    check(first.top >= bar.bottom - 0.5, `the menu bar covers the legacy page (bar ends at ${px(bar.bottom)}, ` +
          `the page's header starts at ${px(first.top)})`);
}

async function expectPanelOnScreen(page, which) {
    await expectOnScreen(page.locator(`#extranet-${which}-menu`), `the ${which} menu panel`, { whole: false });
}

// ---------------------------------------------------------------------------
// The journey

// Without JavaScript: the injected snippet is a plain link to the accounts
// page, which offers linking, the accounts and logout.
async function withoutJavaScript() {
    const noJs = await newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 640 },
                                    deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const plain = await newPage(noJs);

    await step('nojs-login-page', plain, async () => {
        await plain.goto(`${base}/`, { waitUntil: 'load' });
        equal(pathOf(plain), '/auth/login?next=%2F', 'an anonymous visit of / is sent to');
        await expectHeading(plain, 'Accédez à votre compte');
    });

    await step('nojs-legacy-page-plain-link-to-accounts', plain, async () => {
        await loginTo(plain, A4.code, A4.password);
        await expectLegacyPage(plain, { account: A4.code, syndic: A4.syndic, login: 'code' });
        equal(await plain.locator('#extranet-user-button').count(), 0, 'menu.js ran with JavaScript disabled');
        const link = plain.locator('#extranet-menu a[href="/auth/accounts"]');
        equal(await link.count(), 1, 'the plain link of the injected snippet');
        await expectNoSideways(plain, 'the legacy page');
        await axeCheck(plain, 'the legacy page with the plain link', { noJs: true });
        await clickAndLoad(plain, link);
        equal(new URL(plain.url()).pathname, '/auth/accounts', 'the plain link leads to');
    });

    await step('nojs-accounts-page-link-accounts-logout', plain, async () => {
        await expectHeading(plain, 'Mes comptes');
        check((await mainText(plain)).includes(A4.code), 'the accounts page does not list the account');
        check(await plain.locator('main').getByRole('link', { name: 'Associer mon compte', exact: true }).isVisible(),
            'no "Associer mon compte" on the accounts page');
        const logout = plain.locator('main').getByRole('button', { name: 'Se déconnecter', exact: true });
        check(await logout.isVisible(), 'no "Se déconnecter" on the accounts page');
        await axeCheck(plain, 'the accounts page', { noJs: true });
        await clickAndLoad(plain, logout);
        await expectHeading(plain, 'Accédez à votre compte');
    });

    await noJs.close();
}

// The guide walked on a 360x640 phone whose text size is f (see the top).
async function walk(f) {
    const tag = `x${f}`;
    const name = (s) => `${tag}-${s}`;
    EMAIL = newEmail(String(f).replace('.', ''));
    const phone = await newContext({
        viewport: { width: Math.round(360 / f), height: Math.round(640 / f) },
        deviceScaleFactor: 2 * f,
        isMobile: true,
        hasTouch: true,
        userAgent: 'Mozilla/5.0 (Linux; Android 8.0.0; SM-G930F) AppleWebKit/537.36 ' +
                   '(KHTML, like Gecko) Chrome/90.0.4430.210 Mobile Safari/537.36',
    });
    const page = await newPage(phone);

    // --- Mode d'emploi 1: link an account to a new e-mail -----------------

    await step(name('login-page'), page, async () => {
        const response = await page.goto(`${base}/`, { waitUntil: 'load' });
        check(response !== null, 'no response for /');
        equal(pathOf(page), '/auth/login?next=%2F', 'an anonymous visit of / is sent to');
        await expectHeading(page, 'Accédez à votre compte');
        const login = await fieldByLabel(page, 'Identifiant (code client ou adresse e-mail)');
        equal(await login.getAttribute('autocomplete'), 'username', 'autocomplete of the identifier');
        const password = await fieldByLabel(page, 'Mot de passe');
        equal(await password.getAttribute('autocomplete'), 'current-password', 'autocomplete of the password');
        await expectButton(page, 'Connexion');
        await expectNoSideways(page, 'the login page');
        await axeCheck(page, 'the login page');
    });

    await step(name('login-error-summary-visible'), page, async () => {
        const response = await submitLogin(page, A4.code, 'pas-le-bon-mot-de-passe');
        equal(response.status(), 401, 'status for a wrong password');
        await expectSummary(page, 'login-error', ['Identifiant ou mot de passe incorrect.']);
        await axeCheck(page, 'the login error');
    });

    await step(name('legacy-page-icons-on-screen'), page, async () => {
        await loginTo(page, A1.code, A1.password);
        await expectLegacyPage(page, { account: A1.code, syndic: A1.syndic, login: 'code' });
        await expectIconsOnScreen(page);
        await axeCheck(page, 'the legacy page with the menu');
    });

    await step(name('user-menu-panel-fits'), page, async () => {
        const panel = await openMenu(page, 'user');
        await expectPanelOnScreen(page, 'user');
        equal((await panel.locator('#extranet-link-item').innerText()).trim(), 'Associer mon compte', 'link item');
        equal((await panel.locator('#extranet-logout-item').innerText()).trim(), 'Se déconnecter', 'logout item');
        await axeCheck(page, 'the open user menu');
    });

    await step(name('link-email-choisissez-l-adresse'), page, async () => {
        const item = page.locator('#extranet-link-item');
        await clickAndLoad(page, item, { tap: '"Associer mon compte" in the user menu' });
        equal(new URL(page.url()).pathname, '/auth/link', '"Associer mon compte" leads to');
        await expectHeading(page, 'Associer un compte');
        check((await mainText(page)).includes("Choisissez l'adresse e-mail à rattacher à votre compte."),
            'the guide\'s "Choisissez l\'adresse e-mail à rattacher à votre compte." is missing');
        await fieldByLabel(page, 'Votre email');
        await expectButton(page, 'SUIVANT');
        await axeCheck(page, 'the e-mail step');
    });

    await step(name('link-bad-email-summary-visible'), page, async () => {
        await (await fieldByLabel(page, 'Votre email')).fill(BAD_EMAIL);
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 400, 'status for a bad e-mail');
        await expectSummary(page, 'link-form-errors', ['Veuillez entrer une adresse email valide.']);
        equal(await (await fieldByLabel(page, 'Votre email')).inputValue(), BAD_EMAIL, 'the e-mail field after the error');
        equal(await page.locator('#link-email').getAttribute('aria-invalid'), 'true', 'aria-invalid of "Votre email"');
        await axeCheck(page, 'the e-mail step with its error');
    });

    await step(name('link-profile-attention-mot-de-passe'), page, async () => {
        await (await fieldByLabel(page, 'Votre email')).fill(EMAIL);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/profile', 'a new e-mail leads to');
        await expectHeading(page, 'Vos informations personnelles');
        equal(await (await fieldByLabel(page, 'Adresse e-mail')).inputValue(), EMAIL, 'the e-mail shown on the profile page');
        for (const label of ['Nom', 'Prénom', 'Téléphone (facultatif)', 'Mot de passe', 'Confirmez le mot de passe']) {
            await fieldByLabel(page, label);
        }
        check((await mainText(page)).includes('Attention ce mot de passe est personnel et indépendant de votre ' +
            'syndic. Pensez donc bien à le conserver.'), 'the guide\'s "Attention ce mot de passe est personnel…" is missing');
        await expectNoSideways(page, 'the profile step with a long address');
        await axeCheck(page, 'the profile step');
    });

    await step(name('link-profile-error-summary-visible'), page, async () => {
        // The finding: after a failed SUIVANT the error sat ~740px down.
        // (What the browser lets through: the server's checks answer.)
        await (await fieldByLabel(page, 'Nom')).fill('Lefèvre');
        await (await fieldByLabel(page, 'Prénom')).fill('Marie-Hélène');
        await (await fieldByLabel(page, 'Téléphone (facultatif)')).fill('06 12 AB');
        await (await fieldByLabel(page, 'Mot de passe')).fill(PERSONAL_PASSWORD);
        await (await fieldByLabel(page, 'Confirmez le mot de passe')).fill('une-autre-confirmation-2024');
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 400, 'status for a bad phone and mismatched passwords');
        await expectSummary(page, 'profile-form-errors',
            ['Veuillez entrer un numéro de téléphone valide (chiffres, espaces et les signes + . - uniquement).',
             'Les mots de passe ne correspondent pas.']);
        equal(await (await fieldByLabel(page, 'Prénom')).inputValue(), 'Marie-Hélène', 'the first name after the error');
        await axeCheck(page, 'the profile step with its errors');
    });

    await step(name('link-retour-keeps-email'), page, async () => {
        await clickAndLoad(page, page.locator('main').getByRole('link', { name: 'Retour', exact: true }));
        equal(new URL(page.url()).pathname, '/auth/link', '"Retour" leads to');
        equal(await (await fieldByLabel(page, 'Votre email')).inputValue(), EMAIL, '"Votre email" after "Retour"');
        await axeCheck(page, 'the e-mail step after "Retour"');
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/profile', 'SUIVANT again leads to');
    });

    await step(name('link-done-long-address-wraps'), page, async () => {
        await (await fieldByLabel(page, 'Nom')).fill('Lefèvre');
        await (await fieldByLabel(page, 'Prénom')).fill('Marie-Hélène');
        await (await fieldByLabel(page, 'Téléphone (facultatif)')).fill('06 12 34 56 78');
        await (await fieldByLabel(page, 'Mot de passe')).fill(PERSONAL_PASSWORD);
        await (await fieldByLabel(page, 'Confirmez le mot de passe')).fill(PERSONAL_PASSWORD);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/done', 'the profile step leads to');
        await expectLinked(page, A1.code);
        await expectNoSideways(page, '"Ce compte est associé" with a long address');
        await axeCheck(page, '"Ce compte est associé"');
    });

    await step(name('extranet-as-email-session'), page, async () => {
        await clickAndLoad(page, page.getByRole('link', { name: "Accéder à l'extranet", exact: true }));
        equal(pathOf(page), '/', '"Accéder à l\'extranet" leads to');
        await expectLegacyPage(page, { account: A1.code, syndic: A1.syndic, login: 'email', email: EMAIL });
        await expectIconsOnScreen(page);
        await logoutFromMenu(page);
    });

    // The owner opens the mail sent to the new address and confirms it: the
    // page the link leads to, without the token in the address bar, and its
    // button.
    await step(name('confirm-address-from-the-mail'), page, async () => {
        const token = mailedConfirmToken(EMAIL);
        check(token, `no confirmation link mailed to ${EMAIL}`);
        await page.goto(`${base}/auth/link/confirm?token=${token}`, { waitUntil: 'load', timeout: STEP_TIMEOUT });
        equal(pathOf(page), '/auth/link/confirm', 'the mailed link leaves the token out of the URL:');
        await expectHeading(page, 'Confirmer votre adresse e-mail');
        check((await page.locator('main').innerText()).includes(A1.code), 'the page does not name the account');
        await expectNoSideways(page, 'the confirmation page');
        await axeCheck(page, 'the confirmation page');
        await clickAndLoad(page, await expectButton(page, 'Confirmer mon adresse e-mail'));
        await expectHeading(page, 'Adresse e-mail confirmée');
        await axeCheck(page, 'the address confirmed');
        // On to the login page, where the journey goes on.
        await clickAndLoad(page, page.getByRole('link', { name: 'Se connecter', exact: true }));
        equal(pathOf(page), '/auth/login', '"Se connecter" leads to');
    });

    // --- Mode d'emploi 2: group the other accounts under the e-mail -------

    await step(name('link-known-email-long-address-wraps'), page, async () => {
        await loginTo(page, A2.code, A2.password);
        await expectLegacyPage(page, { account: A2.code, syndic: A2.syndic, login: 'code' });
        await openLinkPage(page);
        await submitKnownEmail(page);
        await expectNoSideways(page, 'the "déjà utilisée" page with a long address');
        await axeCheck(page, 'the "déjà utilisée" page');
    });

    await step(name('link-wrong-password-summary-visible'), page, async () => {
        await (await fieldByLabel(page, 'Votre mot de passe')).fill('pas-le-bon-mot-de-passe');
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 401, 'status for a wrong personal password');
        await expectSummary(page, 'link-password-form-errors', ['Mot de passe incorrect.']);
        const kept = await page.locator('input[type="password"]').evaluateAll((l) => l.map((i) => i.value).join(''));
        equal(kept, '', 'password fields after the error');
        await axeCheck(page, 'the password step with its error');
    });

    await step(name('link-done-030000100002'), page, async () => {
        await (await fieldByLabel(page, 'Votre mot de passe')).fill(PERSONAL_PASSWORD);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/done', 'the password step leads to');
        await expectLinked(page, A2.code);
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await logoutFromMenu(page);
    });

    await step(name('link-done-030100200001-same-group'), page, async () => {
        await loginTo(page, A3.code, A3.password);
        await openLinkPage(page);
        await submitKnownEmail(page);
        await (await fieldByLabel(page, 'Votre mot de passe')).fill(PERSONAL_PASSWORD);
        await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(new URL(page.url()).pathname, '/auth/link/done', 'linking a partner syndic\'s account leads to');
        await expectLinked(page, A3.code);
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await logoutFromMenu(page);
    });

    await step(name('partner-refusal-next-steps-and-syndic-contact'), page, async () => {
        await loginTo(page, A4.code, A4.password);
        await openLinkPage(page);
        await submitKnownEmail(page);
        await (await fieldByLabel(page, 'Votre mot de passe')).fill(PERSONAL_PASSWORD);
        const response = await clickAndLoad(page, await expectButton(page, 'SUIVANT'));
        equal(response.status(), 409, 'status for an account of a non-partner syndic');
        const text = await mainText(page);
        check(!/partenaire/i.test(text), `the refusal still speaks of "partenaires": "${text}"`);
        check(text.includes('Que faire ?'), 'the refusal does not say what to do next');
        check(text.includes('Syndic Leroy') && text.includes('Cabinet Durand'), 'the refusal does not name both syndics');
        check(await page.locator('main a[href^="tel:"]').count() === 1, 'no phone number of the syndic to call');
        check(await page.getByRole('link', { name: 'choisir une autre adresse e-mail', exact: true }).isVisible(),
            'no way to choose another address');
        await expectNoSideways(page, 'the refusal');
        await axeCheck(page, 'the partner refusal');
    });

    await step(name('forgot-code-syndic-contact'), page, async () => {
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await logoutFromMenu(page);
        await clickAndLoad(page, page.getByRole('link', { name: 'Mot de passe oublié ?', exact: true }));
        await expectHeading(page, 'Mot de passe oublié');
        await axeCheck(page, 'the forgotten-password page');
        await (await fieldByLabel(page, 'Votre adresse e-mail ou votre code client')).fill(A4.code);
        await clickAndLoad(page, await expectButton(page, 'Envoyer'));
        const text = await mainText(page);
        check(text.includes('contactez votre syndic'), `no "contactez votre syndic": "${text}"`);
        check(text.includes('Syndic Leroy') && text.includes('01 44 00 04 00'),
            `the syndic's contact details are missing: "${text}"`);
        await axeCheck(page, 'the syndic contact page');
        await clickAndLoad(page, page.getByRole('link', { name: 'Retour à la connexion', exact: true }));
    });

    await step(name('login-code-of-linked-account-refused'), page, async () => {
        const response = await submitLogin(page, A1.code, A1.password);
        equal(response.status(), 403, 'status for the code of a linked account');
        await expectSummary(page, 'login-error', []);
        check(/e-?mail/i.test(await mainText(page)), 'the login page does not tell to use the e-mail');
        await axeCheck(page, 'the "use your e-mail" refusal');
    });

    // --- Next login with the e-mail; the "immeuble" menu ----------------

    await step(name('accounts-menu-panel-fits'), page, async () => {
        await gotoLogin(page);
        await loginTo(page, EMAIL, PERSONAL_PASSWORD);
        const h = await expectLegacyPage(page, { account: A1.code, syndic: A1.syndic, login: 'email', email: EMAIL });
        const linked = (h['x-extranet-accounts'] || '').split(',').map((x) => x.trim()).sort();
        equal(linked.join(','), [A1.code, A2.code, A3.code].sort().join(','), 'X-Extranet-Accounts');
        await clickAndLoad(page, page.getByRole('link', { name: 'Mes documents', exact: true }));
        await expectIconsOnScreen(page);
        const panel = await openMenu(page, 'accounts');
        await expectPanelOnScreen(page, 'accounts');
        const switches = await panel.locator('button[data-account]')
            .evaluateAll((l) => l.map((b) => b.getAttribute('data-account')).sort());
        equal(switches.join(','), [A2.code, A3.code].sort().join(','), 'switch buttons in the "immeuble" menu');
        await axeCheck(page, 'the open "immeuble" menu');
    });

    await step(name('switch-to-030100200001'), page, async () => {
        const b = page.locator(`#extranet-accounts-menu button[data-account="${A3.code}"]`);
        const response = await clickAndLoad(page, b, { tap: `the switch to ${A3.code}` });
        equal(response.status(), 200, 'status after the switch');
        equal(pathOf(page), '/documents', 'the switch brings the owner back to');
        await expectLegacyPage(page, { account: A3.code, syndic: A3.syndic, login: 'email', email: EMAIL });
    });

    // --- "Gérer mes comptes" ---------------------------------------------

    await step(name('manage-two-screens-default-first'), page, async () => {
        await waitForMenu(page);
        const panel = await openMenu(page, 'user');
        await clickAndLoad(page, panel.locator('#extranet-manage-item'), { tap: '"Gérer mes comptes" in the user menu' });
        await expectHeading(page, 'Gérer mes comptes');
        // The default account and the personal information come first.
        const headings = await page.locator('main h2').allInnerTexts();
        equal(headings.slice(0, 2).join(' | '), 'Compte affiché à la connexion | Informations personnelles',
            'the first sections');
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        const screen = Math.round(640 / f);
        if (f === 1) {
            check(height <= 2.2 * screen, `"Gérer mes comptes" is ${(height / screen).toFixed(1)} screens tall at 360x640`);
        }
        console.log(`# ${tag}: "Gérer mes comptes" is ${(height / screen).toFixed(2)} screens tall`);
        for (const label of ['Mot de passe actuel', 'Nouveau mot de passe', 'Confirmez le nouveau mot de passe']) {
            equal(await page.getByLabel(label, { exact: true }).count(), 1, `fields labelled "${label}"`);
        }
        await expectNoSideways(page, '"Gérer mes comptes"');
        await axeCheck(page, '"Gérer mes comptes"');
    });

    await step(name('manage-default-030100200001'), page, async () => {
        await page.locator(`input[name="default_account"][value="${A3.code}"]`).check();
        await clickAndLoad(page, await expectButton(page, 'Modifier le compte par défaut'));
        await expectHeading(page, 'Gérer mes comptes');
        equal(await page.locator(`input[name="default_account"][value="${A3.code}"]`).isChecked(), true,
            '030100200001 is now the default account');
    });

    await step(name('manage-wrong-password-summary-visible'), page, async () => {
        // The finding: the error of the password change sat ~1400px down.
        await page.locator('#manage-password > summary').click();
        await (await fieldByLabel(page, 'Mot de passe actuel')).fill('pas-le-bon-mot-de-passe');
        await (await fieldByLabel(page, 'Nouveau mot de passe')).fill('Un-nouveau-mot-de-passe-2025');
        await (await fieldByLabel(page, 'Confirmez le nouveau mot de passe')).fill('Un-nouveau-mot-de-passe-2025');
        const response = await clickAndLoad(page, await expectButton(page, 'Changer le mot de passe'));
        equal(response.status(), 401, 'status for a wrong current password');
        await expectSummary(page, 'manage-password-errors', ['Mot de passe incorrect.']);
        await axeCheck(page, 'the password change with its error');
    });

    if (f === 1) {
        await noJsEmailSession();
    }

    // "Dissocier", confirmed, for each account: the next walk links them again.
    const openUnlink = async (account, last) => {
        await page.goto(`${base}/auth/manage`, { waitUntil: 'load' });
        await page.locator('#manage-accounts > summary').click();
        const item = page.locator('#manage-accounts li.account', { hasText: account.code });
        const button = item.getByRole('link', { name: 'Dissocier ce compte…', exact: true });
        const style = await button.evaluate((el) => getComputedStyle(el).color);
        equal(style, 'rgb(155, 0, 0)', '"Dissocier" drawn in the danger colour');
        await clickAndLoad(page, button);
        const confirm = page.locator('#manage-confirm');
        await expectOnScreen(confirm, 'the confirmation step', { whole: false });
        const text = (await confirm.innerText()).replace(/\s+/g, ' ');
        check(text.includes(`Dissocier le compte ${account.code} ?`), `the confirmation does not name ${account.code}`);
        equal(text.includes('dernier compte'), last, 'the last-account warning');
        await axeCheck(page, `the confirmation of "Dissocier" ${account.code}`);
    };
    const confirmUnlink = async () => {
        await (await fieldByLabel(page, 'Votre mot de passe, pour confirmer')).fill(PERSONAL_PASSWORD);
        const b = await expectButton(page, 'Confirmer la dissociation');
        equal(await b.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(155, 0, 0)',
            '"Confirmer la dissociation" drawn in the danger colour');
        await clickAndLoad(page, b);
    };
    const unlink = async (account, last) => {
        await openUnlink(account, last);
        await confirmUnlink();
    };

    await step(name('manage-dissocier-confirmation-step-visible'), page, async () => {
        await openUnlink(A2, false);
    });

    await step(name('manage-unlink-done-030000100002'), page, async () => {
        await confirmUnlink();
        await expectHeading(page, 'Gérer mes comptes');
        check((await mainText(page)).includes('Le compte a été dissocié'), 'no notice after "Dissocier"');
    });

    await step(name('manage-unlink-030000100001'), page, async () => {
        await unlink(A1, false);
        await expectHeading(page, 'Gérer mes comptes');
    });

    await step(name('manage-unlink-last-030100200001'), page, async () => {
        await unlink(A3, true);
        // No account left: the e-mail session ends.
        await expectHeading(page, 'Accédez à votre compte');
    });

    await phone.close();
}

// Without JavaScript, an e-mail session: the accounts page switches.
async function noJsEmailSession() {
    const noJs = await newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 768 } });
    const plain = await newPage(noJs);
    await step('nojs-accounts-page-switch', plain, async () => {
        await gotoLogin(plain);
        await loginTo(plain, EMAIL, PERSONAL_PASSWORD);
        await expectLegacyPage(plain, { account: A3.code, login: 'email', email: EMAIL });
        await plain.goto(`${base}/auth/accounts`, { waitUntil: 'load' });
        await expectHeading(plain, 'Mes comptes');
        equal(await plain.locator('li.account').count(), 3, 'accounts listed on the "Mes comptes" page');
        await axeCheck(plain, 'the accounts page of an e-mail session', { noJs: true });
        const item = plain.locator('li.account', { hasText: A1.code });
        await clickAndLoad(plain, item.getByRole('button', { name: 'Accéder à ce compte', exact: true }));
        await expectLegacyPage(plain, { account: A1.code, login: 'email', email: EMAIL });
    });
    await noJs.close();
}

// 1280x1024 at 400 % zoom: 320x256 CSS px (WCAG reflow).
async function zoom400() {
    const desk = await newContext({ viewport: { width: 320, height: 256 }, deviceScaleFactor: 4 });
    const page = await newPage(desk);
    await step('zoom400-legacy-page-icons-and-panels-fit', page, async () => {
        await gotoLogin(page);
        await loginTo(page, A1.code, A1.password);
        await expectIconsOnScreen(page);
        await page.locator('#extranet-accounts-button').click();
        await expectPanelOnScreen(page, 'accounts');
        await page.locator('#extranet-user-button').click();
        await expectPanelOnScreen(page, 'user');
        await axeCheck(page, 'the legacy page at 400 % zoom');
    });
    await desk.close();
}

async function journey() {
    await withoutJavaScript();
    for (const f of [1, 1.5, 2]) {
        await walk(f);
    }
    await zoom400();
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

// Two sites, two themes on one nginx, in headless Chromium: the demo's
// built-in site and Cabinet Durand's (conf.examples/themes/cabinet-durand).
// Each login page shows its theme's name, logo and colours; axe-core finds
// no violation on either theme on any page state walked here; an identity
// whose names hold markup, quotes and {{ markers is shown as text in both
// themes; at 2x text an account code stays on one line (the accounts page
// and the menu's accounts panel).
//
//   node t/browser/themes.mjs http://127.0.0.1:PORT http://127.0.0.1:DURAND_PORT
//
// Runs before journey.mjs and leaves the demo as it found it: the account it
// links (030100200001) is unlinked again at the end. Screenshots:
// t/artifacts/theme-<theme>-<state>.png. Exit code 0 only when every check
// passed.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

const [baseA, baseD] = process.argv.slice(2).map((b) => (b || '').replace(/\/+$/, ''));
if (!/^https?:\/\/[^/]+$/.test(baseA || '') || !/^https?:\/\/[^/]+$/.test(baseD || '')) {
    console.error('usage: node themes.mjs http://127.0.0.1:PORT http://127.0.0.1:DURAND_PORT');
    process.exit(2);
}

const SITES = [
    { theme: 'default', base: baseA, product: 'Extranet copropriétaires', header: 'rgb(18, 53, 91)' },
    { theme: 'cabinet-durand', base: baseD, product: 'Espace clients Cabinet Durand', header: 'rgb(91, 26, 53)' },
];
const ACCOUNT = { code: '030100200001', password: 'closfleuri-01' };
const EVIL = `<script>window.pwned=1</script>"' {{PREFIX}} {{#X}}`;
const EMAIL = `theme-${Date.now().toString(36)}${randomBytes(3).toString('hex')}@example.org`;
const PASSWORD = 'Theme-mot-de-passe-2024';

let failures = 0;
let checks = 0;
function check(ok, message) {
    checks += 1;
    if (ok) {
        console.log(`ok ${checks} - ${message}`);
    } else {
        failures += 1;
        console.log(`not ok ${checks} - ${message}`);
    }
}

async function axe(page, state) {
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
        await page.addScriptTag({ content: AXE_SOURCE });
    }
    const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    });
    check(violations.length === 0, `axe-core: 0 violations on ${state}${violations.length ? '\n  ' + violations.join('\n  ') : ''}`);
}

async function shot(page, name) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function submit(page, selector) {
    await Promise.all([page.waitForLoadState('load'), page.locator(selector).click()]);
    await page.waitForLoadState('load');
}

async function context(browser, options = {}) {
    // axe-core is injected as a script: the portal's CSP (script-src 'self')
    // would refuse it.
    const c = await browser.newContext({ locale: 'fr-FR', bypassCSP: true, viewport: { width: 360, height: 640 },
                                         ...options });
    c.setDefaultTimeout(15000);
    return c;
}

async function codeLogin(page, site, account = ACCOUNT) {
    await page.goto(`${site.base}/auth/login`);
    await page.locator('#login-identifier').fill(account.code);
    await page.locator('#login-password').fill(account.password);
    await submit(page, '#login-form button[type=submit]');
}

// The login page, its errors, the forgotten password and the code pages.
async function walkSite(browser, site) {
    const c = await context(browser);
    const page = await c.newPage();
    await page.goto(`${site.base}/auth/login`);
    const look = await page.evaluate(() => {
        const logo = document.querySelector('.site-logo');
        return {
            name: document.querySelector('.site-name').textContent.trim(),
            logo: logo ? logo.complete && logo.naturalWidth > 0 : false,
            header: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
        };
    });
    check(look.name === site.product, `${site.theme}: the login page names "${site.product}" (${look.name})`);
    check(look.logo, `${site.theme}: the logo is shown`);
    check(look.header === site.header, `${site.theme}: the header in the theme's colour ${site.header} (${look.header})`);
    await axe(page, `${site.theme} login`);
    await shot(page, `theme-${site.theme}-login`);

    await page.locator('#login-identifier').fill(ACCOUNT.code);
    await page.locator('#login-password').fill('pas-le-bon-mot-de-passe');
    await submit(page, '#login-form button[type=submit]');
    check(await page.locator('.error-summary').count() === 1, `${site.theme}: a failed login shows its summary`);
    await axe(page, `${site.theme} login with an error`);

    await page.goto(`${site.base}/auth/password/forgot`);
    await axe(page, `${site.theme} password/forgot`);
    await page.locator('#forgot-login').fill('pas-une-adresse');
    await submit(page, '#forgot-form button[type=submit]');
    await axe(page, `${site.theme} password/forgot with an error`);
    await page.locator('#forgot-login').fill(ACCOUNT.code);
    await submit(page, '#forgot-form button[type=submit]');
    await axe(page, `${site.theme} the syndic's contact page`);

    await codeLogin(page, site);
    await page.goto(`${site.base}/auth/accounts`);
    await axe(page, `${site.theme} accounts`);
    await page.goto(`${site.base}/auth/link`);
    await axe(page, `${site.theme} link`);
    await page.locator('#link-email').fill('jean.dupont@gmail');
    await submit(page, '#link-form button[type=submit]');
    await axe(page, `${site.theme} link with an error`);
    await c.close();
}

// The token of the newest confirmation link mailed to the address, from the
// demo's outbox (the demo sends no mail; browser-test.sh gives its
// PostgreSQL as EXTRANET_DEMO_PG="<dir> <port>").
function mailedConfirmToken(address) {
    const [dir, port] = (process.env.EXTRANET_DEMO_PG || '').split(' ');
    if (!dir || !port) return '';
    const quoted = `'${address.replace(/'/g, "''")}'`;
    return execFileSync(join(here, '..', '..', 'scripts', 'pg.sh'),
        ['psql', dir, port, '-X', '-q', '-A', '-t', '-c',
         "SELECT substring(body from 'link/confirm[?]token=([A-Za-z0-9_-]{43})') FROM extranet.mail_outbox"
         + ` WHERE recipient = ${quoted} AND body LIKE '%link/confirm?token=%' ORDER BY id DESC LIMIT 1`],
        { encoding: 'utf8' }).trim();
}

// What the hostile names look like on a page: text, never markup.
async function expectEscaped(page, state) {
    // The names are the values of the profile's fields.
    const seen = await page.evaluate((evil) => ({
        values: ['#manage-last-name', '#manage-first-name'].every((s) => document.querySelector(s).value === evil),
        pwned: typeof window.pwned !== 'undefined',
        inline: document.querySelectorAll('script:not([src])').length,
    }), EVIL);
    check(seen.values && !seen.pwned && seen.inline === 0,
          `${state}: the names are shown as typed, nothing ran (${JSON.stringify(seen)})`);
}

// Site D links the account to an identity with hostile names; both sites
// show them escaped; the account is unlinked again at the end.
async function hostileIdentity(browser) {
    const [a, d] = SITES;
    const c = await context(browser);
    const page = await c.newPage();
    await codeLogin(page, d);
    await page.goto(`${d.base}/auth/link`);
    await page.locator('#link-email').fill(EMAIL);
    await submit(page, '#link-form button[type=submit]');
    await page.locator('#profile-last-name').fill(EVIL);
    await page.locator('#profile-first-name').fill(EVIL);
    await page.locator('#profile-password').fill(PASSWORD);
    await page.locator('#profile-password-confirm').fill(PASSWORD);
    await axe(page, `${d.theme} link/profile`);
    await submit(page, '#profile-form button[type=submit]');
    await axe(page, `${d.theme} link done`);
    // The address is proven from its mailbox before it logs in anywhere.
    const token = mailedConfirmToken(EMAIL);
    check(token !== '', `${d.theme}: a confirmation link is mailed to the new address`);
    await page.goto(`${d.base}/auth/link/confirm?token=${token}`);
    await axe(page, `${d.theme} link/confirm`);
    await submit(page, '#confirm-form button[type=submit]');
    await page.goto(`${d.base}/auth/manage`);
    await expectEscaped(page, `${d.theme} manage`);
    await axe(page, `${d.theme} manage`);
    await shot(page, `theme-${d.theme}-manage`);
    await c.close();

    const c2 = await context(browser);
    const p2 = await c2.newPage();
    await p2.goto(`${a.base}/auth/login`);
    await p2.locator('#login-identifier').fill(EMAIL);
    await p2.locator('#login-password').fill(PASSWORD);
    await submit(p2, '#login-form button[type=submit]');
    await p2.goto(`${a.base}/auth/manage`);
    await expectEscaped(p2, `${a.theme} manage`);
    await axe(p2, `${a.theme} manage`);
    await shot(p2, `theme-${a.theme}-manage`);
    await p2.goto(`${a.base}/auth/manage?confirm=unlink&account=${ACCOUNT.code}`);
    await axe(p2, `${a.theme} manage, unlink confirmation`);
    await p2.locator('#manage-confirm-password').fill(PASSWORD);
    await submit(p2, '#manage-unlink-form button[type=submit]');
    await c2.close();
}

// At 2x text (the journey's emulation: 180x320 CSS px at device scale 4)
// an account code stays on one line.
async function codesOnOneLine(browser, site) {
    const c = await context(browser, { viewport: { width: 180, height: 320 }, deviceScaleFactor: 4,
                                       isMobile: true, hasTouch: true });
    const page = await c.newPage();
    await codeLogin(page, site);
    check(!page.url().includes('/auth/login'), `${site.theme}: ${ACCOUNT.code} logs in with its code again (unlinked)`);
    await page.goto(`${site.base}/auth/accounts`);
    const lines = await page.evaluate(() =>
        [...document.querySelectorAll('.account-code strong')].map((e) => e.getClientRects().length));
    check(lines.length > 0 && lines.every((n) => n === 1),
          `${site.theme}: at 2x text each code of the accounts page is on one line (${lines.join(',')})`);
    await page.goto(`${site.base}/`);
    await page.locator('#extranet-accounts-button').click();
    const menu = await page.evaluate(() =>
        [...document.querySelectorAll('#extranet-accounts-menu .extranet-code')].map((e) => {
            const height = e.getBoundingClientRect().height;
            return Math.round(height / parseFloat(getComputedStyle(e).lineHeight));
        }));
    check(menu.length > 0 && menu.every((n) => n === 1),
          `${site.theme}: at 2x text each code of the menu's accounts panel is on one line (${menu.join(',')})`);
    await shot(page, `theme-${site.theme}-menu-2x`);
    await c.close();
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
    for (const site of SITES) {
        await walkSite(browser, site);
    }
    await hostileIdentity(browser);
    for (const site of SITES) {
        await codesOnOneLine(browser, site);
    }
} catch (e) {
    check(false, `the walk stopped: ${e.message.split('\n')[0]}`);
} finally {
    await browser.close();
}
console.log(`1..${checks}`);
console.log(failures ? `# ${failures} check(s) failed` : '# every check passed');
process.exit(failures ? 1 : 0);

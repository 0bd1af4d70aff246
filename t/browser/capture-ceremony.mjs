// Records one WebAuthn ceremony (creation, then assertion) from Chromium's
// virtual authenticator on http://localhost:PORT, for t/unit/test_webauthn.cpp.
//   node t/browser/capture-ceremony.mjs
import { chromium } from 'playwright-core';
import http from 'node:http';
const server = http.createServer((req, res) => { res.setHeader('content-type','text/html'); res.end('<!doctype html><title>cap</title><p>cap</p>'); });
await new Promise(r => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--host-resolver-rules=MAP localhost 127.0.0.1'] });
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('WebAuthn.enable');
await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true } });
await page.goto(`http://localhost:${port}/`);
const out = await page.evaluate(async () => {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g,'-').replace(/\//g,'_').replace(/=+$/,'');
  const ch1 = new Uint8Array(32).map((_, i) => i + 1);
  const ch2 = new Uint8Array(32).map((_, i) => 100 + i);
  const c = await navigator.credentials.create({ publicKey: { challenge: ch1, rp: { id: 'localhost', name: 'Extranet' }, user: { id: new Uint8Array([1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]), name: 'owner@example.org', displayName: 'owner@example.org' }, pubKeyCredParams: [{type:'public-key',alg:-7},{type:'public-key',alg:-8},{type:'public-key',alg:-257}], authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }, attestation: 'none' } });
  const g = await navigator.credentials.get({ publicKey: { challenge: ch2, rpId: 'localhost', userVerification: 'required' } });
  return { origin: location.origin, id: c.id, clientDataJSON: b64(c.response.clientDataJSON), attestationObject: b64(c.response.attestationObject),
    get: { id: g.id, clientDataJSON: b64(g.response.clientDataJSON), authenticatorData: b64(g.response.authenticatorData), signature: b64(g.response.signature), userHandle: b64(g.response.userHandle) } };
});
console.log(JSON.stringify(out, null, 1));
await browser.close(); server.close();

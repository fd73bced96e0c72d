// t/browser/app.js URL PASSWORD STATEDIR OUTDIR
// The dashboard as an installed app, in Debian's chromium driven by
// playwright-core as a 375x812 phone: log in, browse the home and an item
// page, then ask Chromium (DevTools protocol) whether the page is
// installable and what its manifest parses to, list what the service
// worker cached, stop nginx + fcgiwrap (cgi/run-dashboard stop STATEDIR)
// and load the home page again: the offline page must show, in light and
// dark, without sideways scroll. Prints one JSON object; t/65-app.bats
// asserts on it. The server is left stopped.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const [url, password, statedir, outdir] = process.argv.slice(2);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars'];

async function main() {
  // a profile on disk: Chromium never offers to install from incognito
  const ctx = await chromium.launchPersistentContext(path.join(outdir, 'profile'), {
    executablePath: '/usr/bin/chromium', args: ARGS,
    viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  });
  const out = {};
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url + '/login');
    await page.fill('#pw', password);
    await Promise.all([page.waitForURL(url + '/'), page.tap('main.login button[type=submit]')]);
    // the worker installs (the shell cached) and takes the page over
    out.controlled = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 50 && !navigator.serviceWorker.controller; i++)
        await new Promise((r) => setTimeout(r, 100));
      return !!navigator.serviceWorker.controller;
    });
    await page.goto(url + '/item?id=DRAFT_EMAIL_1');
    await page.goto(url + '/');
    const cdp = await ctx.newCDPSession(page);
    out.installability = (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors
      .map((e) => e.errorId);
    const m = await cdp.send('Page.getAppManifest');
    out.manifestErrors = m.errors.map((e) => e.message);
    out.manifestUrl = m.url;
    out.cached = await page.evaluate(async () => {
      const keys = [];
      for (const n of await caches.keys())
        for (const r of await (await caches.open(n)).keys()) keys.push(new URL(r.url).pathname);
      return keys.sort();
    });
    execFileSync(path.join(__dirname, '../../cgi/run-dashboard'), ['stop', statedir]);
    out.stopped = true;
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(url + '/');
      // the time comes from the Cache API, a moment after the load
      await page.waitForFunction(() => /last reached/.test(
        (document.getElementById('last') || {}).textContent || ''), null, { timeout: 3000 })
        .catch(() => {});
      out[scheme] = await page.evaluate(() => ({
        title: document.title,
        last: (document.getElementById('last') || {}).textContent || '',
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        bg: getComputedStyle(document.body).backgroundColor,
      }));
      await page.screenshot({ path: path.join(outdir, `offline-375-${scheme}.png`), fullPage: true });
    }
    // a POST while offline is not answered from any cache: it fails
    out.postOffline = await page.evaluate(async () => {
      try {
        const r = await fetch('/approve', { method: 'POST', body: 'id=x' });
        return 'answered ' + r.status;
      } catch (e) {
        return 'failed';
      }
    });
    out.errors = errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e));
  } finally {
    await ctx.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });

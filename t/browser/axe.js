// t/browser/axe.js URL PASSWORD [NAME=PATH...]
// Runs axe-core (WCAG 2.x A/AA and best practices) in Debian's chromium,
// driven by playwright-core as a 375x812 phone, on the login page, the home
// page (with the card of DRAFT_EMAIL_1), /item?id=DRAFT_EMAIL_1 (its edit
// fold open), /new and /activity, then each PATH given (its folds open),
// in light and dark colour schemes. Prints one JSON object per page:
// {page, scheme, bg, violations: [{id, impact, help, nodes: [target...]}]}.
'use strict';
const { chromium } = require('playwright-core');
const axe = require('axe-core');

const [url, password, ...more] = process.argv.slice(2);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars'];

async function check(page, name, scheme) {
  // page.evaluate is not subject to the page's CSP (addScriptTag would be)
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(axe.source);
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  }));
  const violations = r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\s+/g, ' ')),
  }));
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  console.log(JSON.stringify({ page: name, scheme, bg, violations }));
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  try {
    const ctx = await browser.newContext({
      viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true,
      colorScheme: 'light',
    });
    const page = await ctx.newPage();
    // both schemes: the page follows prefers-color-scheme live
    async function both(name) {
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await check(page, name, scheme);
      }
    }
    await page.goto(url + '/login');
    await both('login');
    await page.fill('#pw', password);
    await Promise.all([page.waitForURL(url + '/'), page.click('main.login button[type=submit]')]);
    await page.waitForSelector('#c-DRAFT_EMAIL_1');
    await both('home');
    await page.goto(url + '/item?id=DRAFT_EMAIL_1');
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    await both('item');
    await page.goto(url + '/new');
    await both('new');
    await page.goto(url + '/activity?range=7d');
    await both('activity');
    for (const m of more) {
      const at = m.indexOf('=');
      await page.goto(url + m.slice(at + 1));
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      await both(m.slice(0, at));
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });

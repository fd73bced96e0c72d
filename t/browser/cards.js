// t/browser/cards.js URL PASSWORD OUTDIR PATH...
// The dashboard's pages of the kinds (posts, WhatsApp replies, invoices)
// in Debian's chromium driven by playwright-core as a 375x812 phone, light
// and dark: axe-core (as axe.js), whether the page scrolls sideways, every
// control under 44 px, and a full-page screenshot
// OUTDIR/cards-<n>-<scheme>.png (n: the path's index). Prints one JSON
// object per page and scheme:
// {page, scheme, bg, violations: [...], scroll: true when nothing scrolls
// sideways, small: [control:height...]}.
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');
const axe = require('axe-core');

const [url, password, outdir, ...paths] = process.argv.slice(2);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars'];

async function check(page) {
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(axe.source);
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  }));
  const violations = r.violations.map((v) => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\s+/g, ' ')),
  }));
  const m = await page.evaluate(() => {
    const small = [];
    document.querySelectorAll('button, .btn, summary, input, textarea, select, .card h3 a').forEach((b) => {
      const r = b.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      if (r.height < 44) small.push((b.textContent || b.name || b.tagName).trim() + ':' + r.height);
    });
    return { scroll: document.documentElement.scrollWidth <= window.innerWidth, small,
      bg: getComputedStyle(document.body).backgroundColor };
  });
  return { violations, scroll: m.scroll, small: m.small, bg: m.bg };
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  try {
    const ctx = await browser.newContext({
      viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true,
      colorScheme: 'light',
    });
    const page = await ctx.newPage();
    await page.goto(url + '/login');
    await page.fill('#pw', password);
    await Promise.all([page.waitForURL(url + '/'), page.click('main.login button[type=submit]')]);
    for (const [i, p] of paths.entries()) {
      await page.goto(url + p);
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        const r = await check(page);
        await page.screenshot({ path: path.join(outdir, `cards-${i}-${scheme}.png`), fullPage: true });
        console.log(JSON.stringify({ page: p, scheme, bg: r.bg, violations: r.violations,
          scroll: r.scroll, small: r.small }));
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });

// t/browser/keys.js URL PASSWORD VAULT
// The dashboard's keyboard shortcuts in Debian's chromium (playwright-core)
// on a desktop window: ? help, j/k move between cards, e edit, r the
// reject fold, a approve after a confirm (dismissed, then accepted), and
// keys typed into a field left alone. Prints one JSON object;
// t/65-app.bats asserts on it.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, password, vault] = process.argv.slice(2);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const out = { confirms: [] };
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    let accept = false;
    page.on('dialog', (dl) => { out.confirms.push(dl.message()); return accept ? dl.accept() : dl.dismiss(); });
    await page.goto(url + '/login');
    await page.fill('#pw', password);
    await Promise.all([page.waitForURL(url + '/'), page.click('main.login button[type=submit]')]);
    await page.keyboard.press('?');
    out.help = await page.evaluate(() => { const g = document.getElementById('keys'); return !!g && g.open && g.textContent; });
    await page.keyboard.press('Escape');
    out.helpClosed = await page.evaluate(() => !document.getElementById('keys').open);
    await page.keyboard.press('j');
    out.selected = await page.evaluate(() => [...document.querySelectorAll('.card.sel')].map((c) => c.id));
    await page.keyboard.press('r');
    out.reject = await page.evaluate(() => ({ name: document.activeElement.name,
      open: document.activeElement.closest('details').open }));
    // typed into the reason: no shortcut fires
    await page.keyboard.type('a?');
    out.typed = await page.evaluate(() => ({ value: document.activeElement.value,
      help: document.getElementById('keys').open }));
    await page.evaluate(() => document.activeElement.blur());
    await Promise.all([page.waitForURL(/\/item\?id=DRAFT_EMAIL_1#edit$/), page.keyboard.press('e')]);
    out.edit = await page.evaluate(() => ({ open: document.querySelector('details.edit').open,
      focus: document.activeElement.name }));
    await page.goto(url + '/');
    await page.keyboard.press('j');
    await page.keyboard.press('a');
    await page.waitForTimeout(300);
    const a = path.join(vault, 'Approved/email/DRAFT_EMAIL_1.md');
    out.approvedAfterDismiss = fs.existsSync(a);
    accept = true;
    await page.keyboard.press('a');
    for (let i = 0; i < 40 && !fs.existsSync(a); i++) await page.waitForTimeout(50);
    out.approved = fs.existsSync(a);
    out.errors = errors;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });

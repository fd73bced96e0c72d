// t/browser/dashboard.js MODE URL PASSWORD VAULT OUTDIR
// Drives Debian's chromium with playwright-core as a phone (375x812, touch)
// against a running dashboard, and prints one JSON object of what it saw;
// t/61-browser.bats asserts on it. Modes: approve, layout, poll, more, theme,
// changed, edit (edit a draft, then approve it), cockpit (the layout of the
// New forms, Activity, edit and Settings pages, light and dark), undo (the
// confirmation after Approve and its Undo), undo-late (Undo's time over),
// phone (times, header, the item page's folded paths, light and dark).
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [mode, url, password, vault, outdir] = process.argv.slice(2);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars'];

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function waitFile(p, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fs.existsSync(p)) return true;
    await sleep(50);
  }
  return fs.existsSync(p);
}

async function login(page) {
  await page.goto(url + '/');
  if (!page.url().endsWith('/login')) throw new Error('not sent to /login: ' + page.url());
  await page.fill('#pw', password);
  await Promise.all([page.waitForURL(url + '/'), page.tap('main.login button[type=submit]')]);
}

// The page's width and every control under 44 px, every fold open.
async function measure(page) {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  return page.evaluate(() => {
    const small = [];
    let n = 0;
    document.querySelectorAll('button, .btn, summary, input, textarea, select, .card h3 a, .tl a, header h1 a').forEach((b) => {
      const r = b.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      n++;
      if (r.height < 44) small.push((b.textContent || b.name || b.tagName).trim() + ':' + r.height);
    });
    return { scrollWidth: document.documentElement.scrollWidth, controls: n, small };
  });
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const out = { mode };
  try {
    const ctx = await browser.newContext({
      viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await login(page);
    out.card = await page.isVisible('#c-DRAFT_EMAIL_1');
    if (mode === 'approve') {
      const t0 = Date.now();
      await page.tap('#c-DRAFT_EMAIL_1 button.ok');
      await page.waitForSelector('#c-DRAFT_EMAIL_1', { state: 'detached', timeout: 2000 });
      out.gone_ms = Date.now() - t0;
      out.approved = await waitFile(path.join(vault, 'Approved/email/DRAFT_EMAIL_1.md'),
        Math.max(0, 2000 - out.gone_ms));
      out.within_ms = Date.now() - t0;
      out.pending_count = await page.textContent('#npend');
    } else if (mode === 'layout') {
      // open every fold so hidden controls are measured too
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      Object.assign(out, await page.evaluate(() => {
        const small = [];
        let n = 0;
        document.querySelectorAll('button, .btn, summary, input, textarea, .card h3 a, header h1 a').forEach((b) => {
          const r = b.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) return;
          n++;
          if (r.height < 44) small.push((b.textContent || b.name || b.tagName).trim() + ':' + r.height);
        });
        const fs = parseFloat(getComputedStyle(document.body).fontSize);
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          controls: n, small, fontSize: fs };
      }));
      const shot = path.join(outdir, 'dashboard-375.png');
      await page.screenshot({ path: shot, fullPage: true });
      out.screenshot = shot;
      await page.goto(url + '/item?id=DRAFT_EMAIL_1');
      out.itemScrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      await page.screenshot({ path: path.join(outdir, 'item-375.png'), fullPage: true });
    } else if (mode === 'poll') {
      const src = path.join(vault, 'Pending_Approval/email/DRAFT_EMAIL_1.md');
      const text = fs.readFileSync(src, 'utf8').replace(/DRAFT_EMAIL_1/g, 'DRAFT_EMAIL_NEW')
        .replace(/Re: Question about my order/, 'Re: Brand new draft');
      await page.evaluate(() => { window.__noReload = 1; });
      fs.writeFileSync(path.join(vault, 'Pending_Approval/email/DRAFT_EMAIL_NEW.md'), text);
      await page.waitForSelector('#c-DRAFT_EMAIL_NEW', { timeout: 12000 });
      out.appeared = true;
      out.same_page = await page.evaluate(() => window.__noReload === 1);
      out.title = await page.textContent('#c-DRAFT_EMAIL_NEW h3');
      out.pending_count = await page.textContent('#npend');
    } else if (mode === 'more') {
      // more drafts wait than the page shows: deciding one brings the next
      const cards = () => page.evaluate(() => document.querySelectorAll('#cards .card').length);
      out.cards_before = await cards();
      out.pending_before = await page.textContent('#npend');
      const first = await page.getAttribute('#cards .card', 'id');
      await page.tap(`#${first} button.ok`);
      await page.waitForSelector(`#${first}`, { state: 'detached', timeout: 5000 });
      out.pending_after_tap = await page.textContent('#npend');
      await page.waitForFunction((n) => document.querySelectorAll('#cards .card').length === n,
        out.cards_before, { timeout: 15000 });
      out.cards_after = await cards();
      out.more = await page.textContent('#more');
      out.pending_count = await page.textContent('#npend');
    } else if (mode === 'changed') {
      // the draft changes under an open page: the poll replaces the card;
      // a tap on a page drawn from the old version is answered with the new
      const file = path.join(vault, 'Pending_Approval/email/DRAFT_EMAIL_1.md');
      const edit = (from, to) => fs.writeFileSync(file,
        fs.readFileSync(file, 'utf8').replace(from, to));
      const before = await page.getAttribute('#c-DRAFT_EMAIL_1', 'data-digest');
      edit(/Re: Question about my order/, 'Re: Changed while you looked');
      await page.waitForFunction((d) => {
        const c = document.getElementById('c-DRAFT_EMAIL_1');
        return c && c.getAttribute('data-digest') !== d;
      }, before, { timeout: 12000 });
      out.card_title = await page.textContent('#c-DRAFT_EMAIL_1 h3');
      // the item page does not poll: it keeps the version it was drawn from
      await page.goto(url + '/item?id=DRAFT_EMAIL_1');
      edit(/ships tomorrow/, 'ships never');
      await Promise.all([page.waitForURL(/changed=1/, { timeout: 5000 }),
        page.tap('main .actions button.ok')]);
      out.notice = await page.textContent('#msg');
      out.shows_new = (await page.textContent('main pre')).includes('ships never');
      out.still_pending = fs.existsSync(file);
      out.approved = fs.existsSync(path.join(vault, 'Approved/email/DRAFT_EMAIL_1.md'));
    } else if (mode === 'edit') {
      // edit the draft's body on the phone, save, approve what is shown
      await page.goto(url + '/item?id=DRAFT_EMAIL_1');
      await page.tap('details:has(form[action="/edit"]) summary');
      await page.fill('textarea[name=body]', 'Hello Alice,\n\nEDITED ON THE PHONE.\n');
      await Promise.all([page.waitForURL(/edited=1/, { timeout: 5000 }),
        page.tap('form[action="/edit"] button[type=submit]')]);
      out.notice = await page.textContent('#msg');
      out.shows_edit = (await page.textContent('main pre')).includes('EDITED ON THE PHONE.');
      await Promise.all([page.waitForURL(url + '/', { timeout: 5000 }),
        page.tap('main .actions button.ok')]);
      const f = path.join(vault, 'Approved/email/DRAFT_EMAIL_1.md');
      out.approved = await waitFile(f, 2000);
      out.approved_text = out.approved ? fs.readFileSync(f, 'utf8') : '';
      await page.goto(url + '/activity');
      out.timeline = await page.textContent('ol.tl');
    } else if (mode === 'cockpit') {
      // the new pages at 375 px, light and dark, with screenshots
      out.pages = {};
      for (const [name, p] of [['new', '/new'], ['activity', '/activity'],
        ['edit', '/item?id=DRAFT_EMAIL_1'], ['new-post', '/new?kind=post'],
        ['new-whatsapp', '/new?kind=whatsapp'], ['new-invoice', '/new?kind=invoice'],
        ['settings', '/settings']]) {
        await page.goto(url + p);
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          const m = await measure(page);
          m.bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          out.pages[name + '-' + scheme] = m;
          await page.screenshot({ path: path.join(outdir, `${name}-375-${scheme}.png`), fullPage: true });
        }
      }
      out.innerWidth = await page.evaluate(() => window.innerWidth);
    } else if (mode === 'undo') {
      // Approve: the confirmation where the card was, in words, with Undo;
      // screenshots of it at 375 px, light and dark; then Undo brings the
      // card back
      await page.tap('#c-DRAFT_EMAIL_1 button.ok');
      await page.waitForSelector('#u-DRAFT_EMAIL_1 button.undo', { timeout: 3000 });
      out.confirm = (await page.textContent('#u-DRAFT_EMAIL_1 p')).trim();
      out.role = await page.getAttribute('#u-DRAFT_EMAIL_1', 'role');
      out.card_gone = !(await page.isVisible('#c-DRAFT_EMAIL_1'));
      out.shots = {};
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        const m = await measure(page);
        m.bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        out.shots[scheme] = m;
        await page.screenshot({ path: path.join(outdir, `undo-375-${scheme}.png`), fullPage: true });
      }
      out.innerWidth = await page.evaluate(() => window.innerWidth);
      await page.tap('#u-DRAFT_EMAIL_1 button.undo');
      await page.waitForSelector('#u-DRAFT_EMAIL_1', { state: 'detached', timeout: 3000 });
      out.msg = (await page.textContent('#msg')).trim();
      out.pending = await waitFile(path.join(vault, 'Pending_Approval/email/DRAFT_EMAIL_1.md'), 2000);
      await page.waitForSelector('#c-DRAFT_EMAIL_1', { timeout: 8000 });
      out.card_back = true;
    } else if (mode === 'phone') {
      // the card as the phone shows it: times in words with the exact time
      // as title, the header link and what is under it; the item page's
      // file paths folded away; screenshots light and dark
      const t = await page.$('#c-DRAFT_EMAIL_1 time');
      out.time_text = (await t.textContent()).trim();
      out.time_title = await t.getAttribute('title');
      out.time_datetime = await t.getAttribute('datetime');
      out.card_text = (await page.textContent('#c-DRAFT_EMAIL_1')).replace(/\s+/g, ' ');
      Object.assign(out, await page.evaluate(() => {
        const h = document.querySelector('header'), a = document.querySelector('header h1 a');
        const first = [...document.querySelectorAll('main > *')].find((e) => e.getBoundingClientRect().height > 0);
        return { header_link_h: a.getBoundingClientRect().height,
          gap: first.getBoundingClientRect().top - h.getBoundingClientRect().bottom };
      }));
      out.shots = {};
      for (const [name, p] of [['home', '/'], ['item', '/item?id=DRAFT_EMAIL_1']]) {
        await page.goto(url + p);
        if (name === 'item') {
          out.where_open = await page.evaluate(() => document.querySelector('details.where').open);
          out.where_text = await page.textContent('details.where');
          out.visible_text = await page.evaluate(() => document.querySelector('main').innerText);
        }
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          const m = await measure(page);
          m.bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          out.shots[name + '-' + scheme] = m;
          await page.screenshot({ path: path.join(outdir, `card-${name}-375-${scheme}.png`), fullPage: true });
          await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = false; }));
        }
      }
      out.innerWidth = await page.evaluate(() => window.innerWidth);
    } else if (mode === 'undo-late') {
      // after the grace the Undo button goes; the words stay
      await page.tap('#c-DRAFT_EMAIL_1 button.ok');
      await page.waitForSelector('#u-DRAFT_EMAIL_1 button.undo', { timeout: 3000 });
      await page.waitForSelector('#u-DRAFT_EMAIL_1 button.undo', { state: 'detached', timeout: 4000 });
      out.confirm = (await page.textContent('#u-DRAFT_EMAIL_1 p')).trim();
    } else if (mode === 'theme') {
      const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await page.emulateMedia({ colorScheme: 'dark' });
      out.dark_auto = await bg();
      await page.emulateMedia({ colorScheme: 'light' });
      out.light_auto = await bg();
      await page.tap('#theme');
      out.toggled = await bg();
      await page.reload();
      out.after_reload = await bg();
      out.stored = await page.evaluate(() => localStorage.getItem('aie-theme'));
    }
    out.errors = errors;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ mode, error: String(e && e.message || e) }) + '\n');
  process.exit(1);
});

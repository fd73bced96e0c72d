// t/browser/lighthouse.mjs URL COOKIE PATH...
// Runs Lighthouse (mobile: performance, accessibility, best-practices) on
// each PATH of a running dashboard, in one headless Debian chromium, sending
// COOKIE ("name=value", the logged-in session) with every request. Prints one
// JSON object per page: {path, url, performance, accessibility,
// best_practices, tbt_ms, failing: [audit ids with score < 1 in a/11y and bp]}.
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [url, cookie, ...paths] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: '/usr/bin/chromium',
  chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--hide-scrollbars'],
});
let rc = 0;
try {
  for (const p of paths) {
    const r = await lighthouse(url + p, {
      port: chrome.port, logLevel: 'error', output: 'json',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      formFactor: 'mobile', extraHeaders: { Cookie: cookie },
    });
    const lhr = r.lhr;
    const failing = [];
    for (const c of ['accessibility', 'best-practices']) {
      for (const ref of lhr.categories[c].auditRefs) {
        const a = lhr.audits[ref.id];
        if (a.score !== null && a.score < 1 && ref.weight > 0) failing.push(ref.id);
      }
    }
    if (lhr.runtimeError) rc = 1;
    console.log(JSON.stringify({
      path: p, url: lhr.finalDisplayedUrl, error: lhr.runtimeError ? lhr.runtimeError.code : null,
      performance: lhr.categories.performance.score,
      accessibility: lhr.categories.accessibility.score,
      best_practices: lhr.categories['best-practices'].score,
      tbt_ms: Math.round(lhr.audits['total-blocking-time'].numericValue), failing,
    }));
  }
} finally {
  await chrome.kill();
}
process.exit(rc);

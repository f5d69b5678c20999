// Headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) through playwright-core,
// with three checks that every page in the tests gets for free: no request leaves 127.0.0.1, no
// Content-Security-Policy violation and no script error; plus axe-core and screenshots on request.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.MELDPUNT_CHROMIUM || '/usr/bin/chromium';
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCREENSHOTS = process.env.MELDPUNT_SCREENSHOT_DIR || path.join(REPO, 'target', 'screenshots');
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 375, height: 812 },
};

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// axe-core reaches the page as a same-origin script that the test itself answers (below), so the
// app's own CSP (`script-src 'self'`) allows it and stays fully in force: no `bypassCSP` is needed,
// and a page that only works with its CSP switched off would still fail these tests.
const AXE_PATH = '/__browser-test__/axe.min.js';

/** What went wrong on any page, gathered across the run and asserted on at the end. */
export const findings = {
  outsideRequests: [], // requests to anything but 127.0.0.1 (blocked)
  cspViolations: [],
  scriptErrors: [],
  axe: [], // { page, id, impact, help, helpUrl, nodes: [{ target, html, summary }] }
  axeChecked: [], // page names axe ran on
};

export async function launch() {
  // playwright-core gives each launch a fresh, temporary user-data dir and removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
    ],
  });
}

/** A fresh browser context (own cookies) against `base`, with the request guard and the watchers. */
export async function newContext(browser, base, options = {}) {
  const ctx = await browser.newContext({
    viewport: VIEWPORTS.desktop,
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    ...options,
  });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(20_000);
  const origin = new URL(base).origin;
  await ctx.route((url) => url.origin !== origin || url.pathname === AXE_PATH, (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin && url.pathname === AXE_PATH) {
      return route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: AXE_SOURCE });
    }
    if (url.hostname !== '127.0.0.1' && url.protocol !== 'data:') findings.outsideRequests.push(url.href);
    return route.abort('blockedbyclient');
  });
  ctx.on('page', (page) => watch(page));
  return ctx;
}

function watch(page) {
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy/i.test(text)) findings.cspViolations.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (err) => findings.scriptErrors.push(`${page.url()}: ${err.message}`));
}

/** Run axe-core (all its rules except the experimental ones: its defaults) on the page as it is now. */
export async function axeCheck(page, name) {
  if (await pageAllowsOwnScripts(page)) {
    await page.addScriptTag({ url: AXE_PATH });
  } else {
    // A page whose CSP allows no script at all (the print pages: `default-src 'none'`): axe-core
    // is evaluated through the DevTools protocol, which the page's CSP does not govern; the CSP
    // stays in force for everything the page loads itself.
    await page.evaluate(AXE_SOURCE);
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  findings.axeChecked.push(name);
  for (const v of result.violations) {
    findings.axe.push({
      page: name,
      url: page.url(),
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    });
  }
  return result.violations;
}

/** Whether the page's Content-Security-Policy lets it load a same-origin script. */
async function pageAllowsOwnScripts(page) {
  // Asked outside the page (its own fetch would be subject to its CSP), with its cookies.
  const r = await page.context().request.get(page.url(), { maxRedirects: 0 }).catch(() => null);
  const csp = r?.headers()['content-security-policy'] || '';
  const d = Object.fromEntries(csp.split(';').map((x) => x.trim().split(/\s+/)).filter((x) => x[0]).map(([k, ...v]) => [k, v]));
  const scripts = d['script-src'] || d['default-src'];
  return !scripts || scripts.includes("'self'");
}

export function formatAxe(list) {
  return list.map((v) => `- [${v.page}] ${v.id} (${v.impact}): ${v.help}\n  ${v.helpUrl}\n`
    + v.nodes.map((n) => `    at ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'))
    .join('\n');
}

/** Full-page screenshots of the page as it is now, at desktop and phone width. */
export async function shoot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true, animations: 'disabled' });
  }
  if (before) await page.setViewportSize(before);
}

/** Remove the screenshots of an earlier run, so what is there is from this one. */
export function clearScreenshots() {
  if (!fs.existsSync(SCREENSHOTS)) return;
  for (const f of fs.readdirSync(SCREENSHOTS)) {
    if (f.endsWith('.png')) fs.rmSync(path.join(SCREENSHOTS, f));
  }
}

/** Whether the page scrolls sideways. */
export function horizontalOverflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    const sticksOut = (e) => e.getBoundingClientRect().right > d.clientWidth + 1;
    // The outermost boxes that stick out first (their parent does not): where to look.
    const all = [...document.querySelectorAll('body *')].filter(sticksOut);
    const wide = [...all.filter((e) => !sticksOut(e.parentElement)), ...all.filter((e) => sticksOut(e.parentElement))]
      .slice(0, 5)
      .map((e, i) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''}`
        + (i === 0 ? ` [${Math.round(e.getBoundingClientRect().width)} px: ${e.outerHTML.slice(0, 160).replace(/\s+/g, ' ')}]` : ''));
    if (!wide.length && d.scrollWidth > d.clientWidth) {
      // No box sticks out: then text does (a word too long for its box, overflowing it).
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let n = walk.nextNode(); n && wide.length < 5; n = walk.nextNode()) {
        range.selectNodeContents(n);
        if (range.getBoundingClientRect().right > d.clientWidth + 1) {
          wide.push(`text in ${n.parentElement.tagName.toLowerCase()}: "${n.textContent.trim().slice(0, 40)}"`);
        }
      }
    }
    return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, wide };
  });
}

// Processors report in (issue 19, point 4): the pages of a processor and of the controller's
// people who deal with it, walked in a real browser. The installation administrator links a
// printing house to a municipality; the printing house's account sends a breach notice (first with
// errors), follows it and adds a supplement; the municipality's handler finds it in the inbox,
// makes an incident of it and lists a data recipient to inform under its delivery agreement.
// Each page: axe-core at 1280 and 375 px, no sideways scrolling at 375 and 320 px, screenshots in
// target/screenshots/processor/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startServer } from './lib/server.mjs';
import { SCREENSHOTS, axeCheck, formatAxe, horizontalOverflow, launch, newContext } from './lib/browser.mjs';

const DIR = path.join(SCREENSHOTS, 'processor');
const WIDTHS = [[1280, 900], [375, 812], [320, 700]];
const ORGS = [
  { slug: 'gemeente-oost', name: 'Gemeente Oost', fgName: 'F. Gerritsen', fgEmail: 'fg@oost.example' },
  { slug: 'gemeente-west', name: 'Gemeente West', fgName: 'W. Westra', fgEmail: 'fg@west.example' },
  { slug: 'drukkerij-noord', name: 'Drukkerij Noord' },
];
const ADMIN = { email: 'beheer@meldpunt.example', password: 'een-lang-beheer-wachtwoord', installationAdmin: true, name: 'Bea Beheer' };
const PROCESSOR = { email: 'meldt@drukkerij.example', password: 'drukkerij-wachtwoord-42', role: 'processor', org: 'drukkerij-noord', name: 'Piet Pers' };
const HANDLER = { email: 'behandelaar@oost.example', password: 'lang-genoeg-wachtwoord-42', role: 'handler', org: 'gemeente-oost', name: 'Hanna Handel' };
// The printing house's own privacy team: handlers in its organisation (a shared-service team).
const TEAM = { email: 'privacy@drukkerij.example', password: 'team-wachtwoord-lang-9', role: 'handler', org: 'drukkerij-noord', name: 'Tom Team' };

let browser;
const problems = [];

/** Check and photograph the page at each width. */
async function look(page, name) {
  fs.mkdirSync(DIR, { recursive: true });
  // A template given an object where it expects text renders "[object]": never on a page.
  if (/\[object/.test(await page.locator('body').innerText())) problems.push(`${name} shows "[object"`);
  for (const [width, height] of WIDTHS) {
    await page.setViewportSize({ width, height });
    if (width !== 320) {
      const v = await axeCheck(page, `processor-${name}-${width}`);
      if (v.length) problems.push(formatAxe(v.map((x) => ({ ...x, page: `${name}-${width}`, nodes: x.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })) }))));
      await page.screenshot({ path: path.join(DIR, `${name}-${width}.png`), fullPage: true, animations: 'disabled' });
    }
    const o = await horizontalOverflow(page);
    if (o.scrollWidth > o.clientWidth) {
      problems.push(`${name} scrolls sideways at ${width} px: ${o.scrollWidth} > ${o.clientWidth} (${o.wide.join(', ')})`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function go(page, action) {
  const [r] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  return r;
}

/** A local date-time value for a datetime-local input, `minutes` ago (Amsterdam time). */
function localAgo(minutes) {
  const t = new Date(Date.now() - minutes * 60_000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(t).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

before(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  browser = await launch();
});
after(async () => { await browser?.close(); });

describe('a processor reports in', () => {
  let server;
  before(async () => { server = await startServer({ orgs: ORGS, users: [ADMIN, PROCESSOR, HANDLER, TEAM] }); });
  after(async () => { await server?.stop(); });

  async function person(who) {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(`${server.base}/staff/login`);
    await page.fill('#f-email', who.email);
    await page.fill('#f-password', who.password);
    await go(page, () => page.click('main button[type=submit]'));
    assert.notEqual(new URL(page.url()).pathname, '/staff/login', `${who.email} is signed in`);
    return { ctx, page };
  }

  it('link, notice, supplement, inbox, incident and deliveries, each page checked', { timeout: 150_000 }, async () => {
    // The installation administrator links the printing house to the municipality (24 hours).
    const { ctx: aCtx, page: a } = await person(ADMIN);
    await a.goto(`${server.base}/staff/admin/processors`);
    await look(a, '01-admin-processors');
    await go(a, () => a.click('form[action="/staff/admin/processors"] button[type=submit]'));
    assert.ok(await a.locator('.error-summary').count(), 'an empty form comes back with the errors');
    await look(a, '02-admin-processors-errors');
    await a.selectOption('#f-processor', 'drukkerij-noord');
    await a.selectOption('#f-controller', 'gemeente-oost');
    await a.fill('#f-contract_hours', '24');
    await go(a, () => a.click('form[action="/staff/admin/processors"] button[type=submit]'));
    assert.match(a.url(), /\?ok=linked$/);
    assert.match(await a.locator('main').innerText(), /24 uur/);
    await look(a, '03-admin-processors-linked');
    await aCtx.close();

    // The processor lands on its notices, sends one (first with errors), follows it, adds to it.
    const { ctx: pCtx, page: p } = await person(PROCESSOR);
    assert.equal(new URL(p.url()).pathname, '/verwerker');
    await look(p, '10-processor-notices-empty');
    await p.goto(`${server.base}/verwerker/melden`);
    await look(p, '11-processor-form');
    await go(p, () => p.click('form[action="/verwerker/melden"] button[type=submit]'));
    assert.match(await p.locator('.error-summary').innerText(), /Kies minstens één organisatie/);
    await look(p, '12-processor-form-errors');
    await p.locator('input[name="controllers"][value="gemeente-oost"]').check();
    await p.fill('#f-description', 'Loonstroken van 120 medewerkers zijn naar verkeerde adressen gestuurd.');
    await p.fill('#f-aware_at', localAgo(30 * 60));
    await p.locator('input[name="data_categories"][value="name"]').check();
    await p.locator('input[name="person_groups"][value="employees"]').check();
    await p.fill('#f-people_min', '120');
    await p.fill('#f-people_max', '140');
    await p.fill('#f-measures', 'De post is teruggehaald.');
    await go(p, () => p.click('form[action="/verwerker/melden"] button[type=submit]'));
    assert.match(p.url(), /\/verwerker\/meldingen\/V-[^?]+\?ok=sent$/);
    const main = await p.locator('main').innerText();
    assert.match(main, /Uw melding is verstuurd/);
    assert.match(main, /te laat gemeld/, 'aware 30 hours ago under a 24-hour contract: late');
    assert.match(main, /Verwerker\s+Drukkerij Noord/, 'the processor by its name');
    assert.doesNotMatch(main, /\[object/, 'no template object leaks into the page');
    await look(p, '13-processor-notice');
    await p.fill('#f-text', 'Ook het IBAN stond op de loonstrook.');
    await go(p, () => p.click('form[action$="/aanvullen"] button[type=submit]'));
    assert.match(await p.locator('main').innerText(), /Ook het IBAN stond op de loonstrook/);
    await look(p, '14-processor-supplement');
    await p.goto(`${server.base}/verwerker`);
    await look(p, '15-processor-notices');
    await pCtx.close();

    // The municipality's handler: the report in the inbox with the late flag; an incident of it;
    // a data recipient to inform under its delivery agreement.
    const { ctx: hCtx, page: h } = await person(HANDLER);
    await h.goto(`${server.base}/staff/inbox`);
    assert.match(await h.locator('main').innerText(), /te laat gemeld/);
    await look(h, '20-inbox');
    const report = await h.locator('main a[href^="/staff/reports/M-"]').first().getAttribute('href');
    await h.goto(`${server.base}${report}`);
    assert.match(await h.locator('main').innerText(), /Drukkerij Noord/);
    await look(h, '21-report');
    await go(h, () => h.click('a[href^="/staff/incidents/new?reports="]'));
    await look(h, '22-incident-new');
    await h.fill('#f-title', 'Loonstroken bij verkeerde adressen');
    const confirm = h.locator('#f-confirm_awareness');
    if (await confirm.count()) await confirm.check();
    await go(h, () => h.click('main button[type=submit]'));
    assert.match(h.url(), /\?ok=created$/);
    const incident = new URL(h.url()).pathname;
    await h.goto(`${server.base}${incident}/deliveries`);
    await look(h, '23-deliveries');
    await go(h, () => h.click(`form[action="${incident}/deliveries"] button[type=submit]`));
    assert.ok(await h.locator('.error-summary').count(), 'an empty delivery comes back with the errors');
    await look(h, '24-deliveries-errors');
    await h.fill('#f-recipient', 'Belastingdienst');
    await h.fill('#f-agreement', 'Leveringsovereenkomst 2024, artikel 9');
    await h.fill('#f-clause_hours', '48');
    await go(h, () => h.click(`form[action="${incident}/deliveries"] button[type=submit]`));
    assert.match(await h.locator('main').innerText(), /Belastingdienst/);
    await look(h, '25-deliveries-listed');
    await hCtx.close();

    assert.deepEqual(problems, [], problems.join('\n\n'));
  });

  it('one breach, two controllers: the shared team splits it, each municipality has its part', { timeout: 150_000 }, async () => {
    problems.length = 0;
    // The printing house serves west too (48 hours).
    const { ctx: aCtx, page: a } = await person(ADMIN);
    await a.goto(`${server.base}/staff/admin/processors`);
    await a.selectOption('#f-processor', 'drukkerij-noord');
    await a.selectOption('#f-controller', 'gemeente-west');
    await a.fill('#f-contract_hours', '48');
    await go(a, () => a.click('form[action="/staff/admin/processors"] button[type=submit]'));
    assert.match(a.url(), /\?ok=linked$/);
    await aCtx.close();

    // The team opens its own incident and splits it to both municipalities.
    const { ctx: tCtx, page: t } = await person(TEAM);
    await t.goto(`${server.base}/staff/incidents/new`);
    await t.fill('#f-title', 'Verkeerde adresbestanden in de printstraat');
    await t.fill('#f-awareness_how', 'De printstraat meldde afwijkende aantallen.');
    await go(t, () => t.click('main button[type=submit]'));
    assert.match(t.url(), /\?ok=created$/);
    const shared = new URL(t.url()).pathname;
    await t.goto(`${server.base}${shared}/shared`);
    await look(t, '30-shared-empty');
    await go(t, () => t.click(`form[action$="/shared/split"] button[type=submit]`));
    assert.ok(await t.locator('.error-summary').count(), 'no controller chosen: the form comes back');
    await look(t, '31-shared-errors');
    await t.locator('input[name="controllers"][value="gemeente-oost"]').check();
    await t.locator('input[name="controllers"][value="gemeente-west"]').check();
    await go(t, () => t.click(`form[action$="/shared/split"] button[type=submit]`));
    const parts = await t.locator('main').innerText();
    assert.match(parts, /Gemeente Oost/);
    assert.match(parts, /Gemeente West/);
    await look(t, '32-shared-parts');
    // The team corrects the description afterwards: the change is offered to each part.
    await t.goto(`${server.base}${shared}`);
    await t.fill('section[aria-labelledby="f-facts"] #f-description',
      'Adresbestanden van week 49 zijn door elkaar gehaald in de printstraat.');
    await go(t, () => t.click('form[action$="/facts"] button[type=submit]'));
    assert.match(t.url(), /\?ok=saved/);
    await tCtx.close();

    // Oost's handler sees its own part, with when the team told it; not the shared incident.
    const { ctx: hCtx, page: h } = await person(HANDLER);
    await h.goto(`${server.base}/staff/incidents`);
    const row = h.locator('main tr').filter({ hasText: 'Verkeerde adresbestanden' });
    const part = await row.locator('a[href^="/staff/incidents/"]').first().getAttribute('href');
    assert.ok(part, 'the part is in oost\'s list');
    await h.goto(`${server.base}${part.split('#')[0]}/shared-origin`);
    assert.match(await h.locator('main').innerText(), /Drukkerij Noord/);
    assert.match(await h.locator('main').innerText(), /week 49/, 'the change is offered');
    await h.locator('summary', { hasText: 'Klopt de wijziging niet' }).click();
    await look(h, '33-shared-origin');
    // Declining asks why; without a reason the form comes back with the message at the field.
    await go(h, () => h.click('form[action$="/shared-origin/decline"] button[type=submit]'));
    assert.match(await h.locator('#f-reason-error').innerText(), /Schrijf op waarom/);
    await look(h, '34-shared-origin-decline-error');
    await h.fill('#f-reason', 'Bij ons gaat het alleen om de brieven van week 48.');
    await go(h, () => h.click('form[action$="/shared-origin/decline"] button[type=submit]'));
    assert.match(await h.locator('main').innerText(), /U heeft de wijziging niet overgenomen/);
    assert.match(await h.locator('main').innerText(), /Er zijn geen nieuwe wijzigingen/);
    const r = await h.goto(`${server.base}${shared}`);
    assert.equal(r.status(), 404, 'the shared incident is not oost\'s');
    await hCtx.close();

    assert.deepEqual(problems, [], problems.join('\n\n'));
  });
});

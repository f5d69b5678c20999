// The user's day (issue 16): first run in the browser, the set-up checklist, a new incident from
// scratch and one made of a citizen's report with its awareness proposed; then the whole day of a
// case, each step in a real page with the right person signed in: a citizen reports, the handler
// is told and answers, opens the incident, records facts and the decision, drafts the AP
// notification, the FG is told and signs, the handler files it, letters in Dutch and English go
// out in a campaign, a measure is taken and the incident is closed. Each page, error pages and
// print pages included: axe-core at 1280 and 375 px, no sideways scrolling at 375 and 320 px,
// screenshots in target/screenshots/day/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startServer } from './lib/server.mjs';
import { SCREENSHOTS, axeCheck, findings, formatAxe, horizontalOverflow, launch, newContext } from './lib/browser.mjs';
import { readMails, waitForMails } from './lib/mail.mjs';

const DIR = path.join(SCREENSHOTS, 'day');
const WIDTHS = [[1280, 900], [375, 812], [320, 700]];
const ORGS = [{ slug: 'gemeente-oost', name: 'Gemeente Oost', fgName: 'F. Gerritsen', fgEmail: 'fg@oost.example' }];
const ADMIN = { email: 'beheer@oost.example', name: 'Bea Beheer', password: 'een-lang-beheer-wachtwoord' };

let browser;
const problems = [];
const timing = {};
const clock = async (what, f) => { const t = Date.now(); try { return await f(); } finally { timing[what] = (timing[what] || 0) + Date.now() - t; } };
process.on('exit', () => { if (process.env.DAY_TIMING) console.error(JSON.stringify(timing)); });

/** Check and photograph the page at each width. */
async function look(page, name) {
  fs.mkdirSync(DIR, { recursive: true });
  // A template given an object where it expects text renders "[object]": never on a page.
  if (/\[object/.test(await page.locator('body').innerText())) problems.push(`${name} shows "[object"`);
  for (const [width, height] of WIDTHS) {
    await clock('resize', () => page.setViewportSize({ width, height }));
    if (width !== 320) {
      const v = await clock('axe', () => axeCheck(page, `${name}-${width}`));
      if (v.length) problems.push(formatAxe(v.map((x) => ({ ...x, page: `${name}-${width}`, nodes: x.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })) }))));
      await clock('shot', () => page.screenshot({ path: path.join(DIR, `${name}-${width}.png`), fullPage: true, animations: 'disabled' }));
    }
    const o = await clock('overflow', () => horizontalOverflow(page));
    if (o.scrollWidth > o.clientWidth) {
      problems.push(`${name} scrolls sideways at ${width} px: ${o.scrollWidth} > ${o.clientWidth} (${o.wide.join(', ')})`);
      // The page as it was, to find the culprit in.
      fs.writeFileSync(path.join(DIR, `OVERFLOW-${name}-${width}.html`), await page.content());
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function go(page, action) {
  const [r] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  return r;
}

before(async () => {
  // What is there is from this run.
  fs.rmSync(DIR, { recursive: true, force: true });
  browser = await launch();
});
after(async () => { await browser?.close(); });

describe('the first run and the day of a handler', () => {
  let server;
  before(async () => { server = await startServer({ orgs: ORGS }); });
  after(async () => { await server?.stop(); });

  it('the printed link makes the first administrator, who lands on the checklist', async () => {
    const m = server.stdout().match(/(\/setup\?code=\S+)/);
    assert.ok(m, `the first-run link is printed:\n${server.stdout()}`);
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(server.base + m[1]);
    assert.equal(await page.locator('h1').innerText(), 'Eerste beheerder instellen');
    await look(page, '01-setup');
    await page.fill('#f-email', ADMIN.email);
    await page.fill('#f-display_name', ADMIN.name);
    await page.fill('#f-password', ADMIN.password);
    await page.fill('#f-password_again', 'iets anders');
    await go(page, () => page.click('button[type=submit]'));
    assert.match(await page.locator('.error-summary').innerText(), /niet gelijk/);
    await look(page, '02-setup-errors');
    await page.fill('#f-password', ADMIN.password);
    await page.fill('#f-password_again', ADMIN.password);
    await go(page, () => page.click('button[type=submit]'));
    assert.equal(new URL(page.url()).pathname, '/staff/start');
    assert.match(await page.locator('main').innerText(), /Nog doen/);
    await look(page, '03-checklist');
    // The link is spent.
    const again = await page.goto(server.base + m[1]);
    assert.equal(again.status(), 410);
    await look(page, '04-setup-spent');
    await ctx.close();
  });
});

describe('a new incident, from scratch and from a report', () => {
  let server;
  const handler = { email: 'behandelaar@oost.example', password: 'lang-genoeg-wachtwoord-42', org: 'gemeente-oost' };
  before(async () => { server = await startServer({ orgs: ORGS, handler }); });
  after(async () => { await server?.stop(); });

  it('the handler opens incidents from the pages', async () => {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    // A citizen's report comes in (the public API, as the form does).
    const r = await ctx.request.post(`${server.base}/api/v1/reports`, {
      data: { description: 'Ik kreeg een brief met de gegevens van mijn buurman.', organisation: 'gemeente-oost' },
    });
    assert.equal(r.status(), 201);
    const { reference } = await r.json();
    await page.goto(`${server.base}/staff/login`);
    await page.fill('#f-email', handler.email);
    await page.fill('#f-password', handler.password);
    await go(page, () => page.click('main button[type=submit]'));
    await page.goto(`${server.base}/staff/incidents`);
    await look(page, '10-incidents');
    await go(page, () => page.click('a[href="/staff/incidents/new"]'));
    await look(page, '11-new-incident');
    await page.fill('#f-title', 'Laptop kwijt in de trein');
    await go(page, () => page.click('main button[type=submit]'));
    assert.match(await page.locator('.error-summary').innerText(), /hoe uw organisatie van het lek hoorde/);
    await look(page, '12-new-incident-errors');
    await page.fill('#f-awareness_how', 'Een medewerker belde de servicedesk.');
    await go(page, () => page.click('main button[type=submit]'));
    assert.match(page.url(), /\/staff\/incidents\/[^/]+\?ok=created$/);
    // From the report: the earliest arrival proposed, to confirm.
    await page.goto(`${server.base}/staff/reports/${reference}`);
    await look(page, '13-report');
    await go(page, () => page.click(`a[href="/staff/incidents/new?reports=${reference}"]`));
    assert.match(await page.locator('main').innerText(), /toen de eerste melding binnenkwam/);
    await page.fill('#f-title', 'Brief bij de buurman');
    await look(page, '14-new-incident-from-report');
    await go(page, () => page.click('main button[type=submit]'));
    assert.match(await page.locator('.error-summary').innerText(), /Bevestig/);
    await page.check('#f-confirm_awareness');
    await go(page, () => page.click('main button[type=submit]'));
    assert.match(page.url(), /\?ok=created$/);
    assert.match(await page.locator('main').innerText(), new RegExp(reference));
    await look(page, '15-incident');
    // Work assignment (issue 16, point 5): take it on, then "Mijn incidenten", a search, the
    // landing view with what waits.
    await go(page, () => page.click('#owner button[name=take]'));
    assert.match(page.url(), /\?ok=owner#owner$/);
    assert.match(await page.locator('#owner').innerText(), /Dit incident is van/);
    await page.goto(`${server.base}/staff/incidents?owner=me`);
    assert.match(await page.locator('#range').innerText(), /1–1 van 1/);
    await look(page, '16-incidents-mine');
    await page.goto(`${server.base}/staff/incidents`);
    assert.match(await page.locator('main').innerText(), /Wat op u wacht/);
    await page.fill('#f-q', 'laptop');
    await go(page, () => page.click('form[role=search] button[type=submit]'));
    assert.match(await page.locator('#range').innerText(), /1–1 van 1/);
    await look(page, '17-incidents-search');
    await ctx.close();
  });

});

describe('the whole day of a case, from the citizen\'s report to the closed incident', () => {
  let server;
  const handler = { email: 'behandelaar@oost.example', password: 'lang-genoeg-wachtwoord-42', org: 'gemeente-oost' };
  const fg = { email: 'fg@oost.example', password: 'nog-een-lang-wachtwoord-7', org: 'gemeente-oost' };
  const citizen = { name: 'Jan de Vries', email: 'jan.devries@example.nl' };
  const outbox = () => path.join(server.dir, 'outbox');
  before(async () => { server = await startServer({ orgs: ORGS, handler, fg }); });
  after(async () => { await server?.stop(); });

  /** A fresh browser for `who` (or nobody), signed in at /staff/login. */
  async function person(who) {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    if (who) {
      await page.goto(`${server.base}/staff/login`);
      await page.fill('#f-email', who.email);
      await page.fill('#f-password', who.password);
      await go(page, () => page.click('main button[type=submit]'));
      assert.notEqual(new URL(page.url()).pathname, '/staff/login', `${who.email} is signed in`);
    }
    return { ctx, page };
  }

  /** The navigation's count on the link to `href` ('' when there is none). */
  async function navCount(page, href) {
    const c = page.locator(`header nav a[href="${href}"] .count`);
    return (await c.count()) ? (await c.innerText()).replace(/\D+/g, '') : '';
  }

  /** Run one person's part; on failure keep a screenshot of where it stopped. */
  async function step(name, page, fn) {
    try {
      await fn();
    } catch (e) {
      fs.mkdirSync(DIR, { recursive: true });
      await page.screenshot({ path: path.join(DIR, `FAILED-${name}.png`), fullPage: true }).catch(() => {});
      e.message += `\n(at ${page.url()}; screenshot FAILED-${name}.png)\nserver log:\n${server.logs().slice(-3000)}`;
      throw e;
    }
  }

  it('a citizen reports, the handler is told, answers, and the case runs to its close', { timeout: 170_000 }, async () => {
    // --- 1. The citizen reports on /melden, in Dutch. -------------------------------------------
    const { ctx: citizenCtx, page: c } = await person(null);
    let reference;
    let followPath;
    await step('citizen', c, async () => {
      await c.goto(`${server.base}/`);
      await look(c, '20-start');
      await go(c, () => c.click('main a[href="/melden"]'));
      assert.equal(await c.getAttribute('html', 'lang'), 'nl');
      await look(c, '21-form');
      // First without a description and with a wrong address: the form comes back with the errors.
      await c.fill('#f-contact_email', 'jan.devries');
      const bad = await go(c, () => c.click('main form button[type=submit]'));
      assert.equal(bad.status(), 422);
      assert.match(await c.locator('.error-summary').innerText(), /e-mailadres/i);
      await look(c, '22-form-errors');
      await c.fill('#f-description', 'Ik kreeg een brief van de gemeente met de naam, het adres en het BSN van mijn buurvrouw. '
        + 'De brief zat in een envelop met mijn naam erop.');
      await c.check('#f-via-letter');
      await c.selectOption('#f-organisation', 'gemeente-oost');
      await c.check('#f-kind-name');
      await c.check('#f-kind-address');
      await c.check('#f-kind-bsn');
      await c.check('#f-action-kept');
      await c.fill('#f-contact_name', citizen.name);
      await c.fill('#f-contact_email', citizen.email);
      const sent = await go(c, () => c.click('main form button[type=submit]'));
      assert.equal(sent.status(), 200);
      reference = (await c.locator('.reference').innerText()).trim();
      assert.match(reference, /^M-\d{4}-\d{6}$/);
      followPath = new URL(await c.locator(`main a[href*="/volgen/${reference}/"]`).getAttribute('href'), server.base).pathname;
      await look(c, '23-confirmation');
    });
    // The citizen gets the acknowledgement, in Dutch.
    const [ack] = await waitForMails(outbox(), (m) => m.to.includes(citizen.email));
    assert.match(ack.subject, new RegExp(reference));

    // --- 2. The handler is told: an e-mail without personal data, and the count in the menu. --
    const [told] = await waitForMails(outbox(), (m) => m.to.includes(handler.email) && m.subject.includes(reference));
    for (const personal of [citizen.name, citizen.email, 'buurvrouw', 'BSN']) {
      assert.ok(!told.text.includes(personal) && !told.subject.includes(personal), `${personal} is in the handler's e-mail:\n${told.text}`);
    }
    const reportUrl = told.text.match(/https?:\/\/\S+\/staff\/reports\/M-\d{4}-\d{6}/);
    assert.ok(reportUrl, `the e-mail links to the report:\n${told.text}`);
    const { ctx: hCtx, page: h } = await person(handler);
    let incidentPath;
    await step('handler', h, async () => {
      assert.equal(await navCount(h, '/staff/inbox'), '1', 'the menu counts the new report');
      await h.goto(`${server.base}/staff/inbox`);
      await look(h, '24-inbox');
      // The link in the e-mail opens the report.
      await h.goto(`${server.base}${new URL(reportUrl[0]).pathname}`);
      assert.match(await h.locator('h1').innerText(), new RegExp(reference));
      await look(h, '25-report');
      // Answer the citizen (a standard answer and a line of one's own): by e-mail and on their page.
      await h.selectOption('#f-standard', 'keep');
      await h.fill('#f-text', 'Wij zoeken uit hoe dit kon gebeuren. U hoort van ons.');
      await go(h, () => h.click('form[action$="/reply"] button[type=submit]'));
      assert.match(h.url(), /\?ok=replied#h-reply$/);
    });
    const [answer] = await waitForMails(outbox(), (m) => m.to.includes(citizen.email) && m.subject.startsWith('Antwoord'));
    assert.match(answer.text, /U hoort van ons/);
    assert.equal(answer.headers['in-reply-to'], undefined, 'a report from the form answers no e-mail');
    assert.equal(answer.headers.references, ack.headers['message-id'], 'it threads under the acknowledgement');
    await step('citizen-follow', c, async () => {
      await c.goto(`${server.base}${followPath}`);
      assert.match(await c.locator('main').innerText(), /U hoort van ons/);
      await look(c, '27-follow-answered');
    });
    await citizenCtx.close();

    // --- 3. The handler opens the incident from the report. ------------------------------------
    await step('incident', h, async () => {
      await go(h, () => h.click(`a[href="/staff/incidents/new?reports=${reference}"]`));
      await h.fill('#f-title', 'Brief met BSN bij de buren');
      await h.check('#f-confirm_awareness');
      await go(h, () => h.click('main button[type=submit]'));
      assert.match(h.url(), /\?ok=created$/);
      incidentPath = new URL(h.url()).pathname;
      await look(h, '29-incident-new');

      // --- 4. Facts and the decision. ----------------------------------------------------------
      await h.selectOption('#f-kind', 'letter_wrong_recipient');
      await h.getByRole('checkbox', { name: 'vertrouwelijkheid: mogelijk ingezien door onbevoegden', exact: true }).check();
      for (const d of ['naam', 'adres', 'burgerservicenummer (BSN)']) {
        await h.locator('#f-general_data').getByRole('checkbox', { name: d, exact: true }).check();
      }
      // No special categories: recorded as such ("Geen van deze"), so the AP form's 6.2 is answered.
      await h.check('#confirm-special_categories');
      await h.check('#f-groups-customers');
      await h.fill('#f-records', '1');
      await h.check('#f-consequences_people-identity_theft_or_fraud');
      await h.fill('#f-people_exact', '1');
      await go(h, () => h.click('form[action$="/facts"] button[type=submit]'));
      assert.match(await h.locator('#f-special_categories').innerText(), /ingevuld|vastgelegd/i);
      await h.fill('section[aria-labelledby="f-facts"] #f-description',
        'Een brief met naam, adres en BSN van een inwoner is in de envelop van een buurman gestuurd.');
      await go(h, () => h.click('form[action$="/facts"] button[type=submit]'));
      assert.match(await h.locator('main').innerText(), /melden bij de AP en de betrokkenen informeren/);
      await h.selectOption('#f-outcome', 'notify_ap_and_data_subjects');
      await h.fill('#f-reasons', 'Een BSN met naam en adres bij een ander: risico op identiteitsfraude.');
      await go(h, () => h.click('form[action$="/decision"] button[type=submit]'));
      // Through triage to assessed: the AP notification can be filed once it is assessed.
      for (const to of ['triage', 'assessed']) {
        await go(h, () => h.click(`button[name=to][value=${to}]`));
        assert.match(h.url(), /\?ok=state/);
      }
    });

    // --- 5. The AP notification, drafted: it waits for the FG, who is told. ---------------------
    let apDraft;
    await step('ap-draft', h, async () => {
      await h.goto(`${server.base}${incidentPath}/notifications/new`);
      await h.check('#f-kind-initial_complete');
      await h.fill('#f-reporter_name', 'B. Handelaar');
      await h.fill('#f-reporter_function', 'Privacyjurist');
      await h.fill('#f-reporter_phone', '0101234567');
      await h.fill('#f-reporter_email', handler.email);
      await h.fill('#f-measures', 'De brief is teruggehaald; het adresbestand wordt gecontroleerd.');
      await look(h, '31-ap-new');
      await go(h, () => h.click('main form button[type=submit]'));
      assert.match(h.url(), /\/notifications\/[^/?]+\?ok=drafted$/);
      apDraft = new URL(h.url()).pathname;
      await look(h, '32-ap-draft');
      await h.goto(`${server.base}${apDraft}/print`);
      await look(h, '33-ap-print');
    });
    const [fgTold] = await waitForMails(outbox(), (m) => m.to.includes(fg.email));
    assert.ok(fgTold.text.includes('/staff/te-tekenen') || fgTold.text.includes(apDraft), `the FG's e-mail leads to the draft:\n${fgTold.text}`);

    // --- 6. The FG signs on "Te tekenen". --------------------------------------------------------
    const { ctx: fgCtx, page: f } = await person(fg);
    await step('fg-ap', f, async () => {
      assert.equal(await navCount(f, '/staff/te-tekenen'), '1', 'the menu counts the draft to sign');
      await f.goto(`${server.base}/staff/te-tekenen`);
      await look(f, '34-to-sign');
      await go(f, () => f.click(`main a[href="${apDraft}/signoff"]`));
      await look(f, '35-ap-signoff');
      await go(f, () => f.click('form.decide-approve button[type=submit]'));
      assert.match(await f.locator('[role=status]').innerText(), /afgetekend/);
    });

    // --- 7. Filing: the AP's number is recorded. -------------------------------------------------
    await step('filing', h, async () => {
      await h.goto(`${server.base}${apDraft}`);
      await go(h, () => h.click('form[action$="/filing"] button[type=submit]'));
      assert.ok(await h.locator('#f-ap_number[aria-invalid=true]').count(), 'the AP number is asked for');
      await look(h, '36-filing-errors');
      await h.fill('#f-ap_number', 'AP-2026-12345');
      await go(h, () => h.click('form[action$="/filing"] button[type=submit]'));
      assert.match(h.url(), /\?ok=filed$/);
      assert.match(await h.locator('main').innerText(), /AP-2026-12345/);
      await look(h, '37-filed');
    });

    // --- 8. Letters to the people concerned, in Dutch and in English. ----------------------------
    const nl = {
      what: 'Wij hebben een brief met uw naam, adres en BSN naar een verkeerd adres gestuurd.',
      advice: 'Let op post en telefoontjes die u niet verwacht.',
      measures: 'Wij hebben de brief teruggehaald en ons adresbestand verbeterd.',
    };
    const en = {
      what: 'We sent a letter with your name, address and citizen service number to a wrong address.',
      advice: 'Watch out for post and calls you do not expect.',
      measures: 'We got the letter back and corrected our address file.',
    };
    let letterDraft;
    await step('letters', h, async () => {
      await h.goto(`${server.base}${incidentPath}/notifications/new?kind=letter_email`);
      await h.check('#f-kind-letter_email');
      await h.fill('#f-what_happened', nl.what);
      await h.fill('#f-advice', nl.advice);
      await h.fill('#f-measures', nl.measures);
      await h.fill('#f-what_happened_en', en.what);
      await h.fill('#f-advice_en', en.advice);
      await h.fill('#f-measures_en', en.measures);
      await go(h, () => h.click('main form button[type=submit]'));
      letterDraft = new URL(h.url()).pathname;
      await look(h, '39-letter-draft');
    });
    let signed;
    await step('fg-letters', f, async () => {
      await f.goto(`${server.base}/staff/te-tekenen`);
      await go(f, () => f.click(`main a[href="${letterDraft}/signoff"]`));
      // The FG sees both languages: exactly the texts that will go out.
      const parts = await f.locator('#h-content ~ *').allInnerTexts();
      signed = (await f.locator('main section[aria-labelledby="h-content"]').innerText());
      for (const t of [...Object.values(nl), ...Object.values(en)]) assert.ok(signed.includes(t), `the FG reads "${t}"`);
      assert.ok(parts.length > 0);
      await look(f, '40-letter-signoff');
      await go(f, () => f.click('form.decide-approve button[type=submit]'));
      assert.match(await f.locator('[role=status]').innerText(), /afgetekend/);
    });
    await fgCtx.close();

    // --- 9. The campaign: recipients from a file, one in Dutch and one in English. --------------
    await step('campaign', h, async () => {
      await h.goto(`${server.base}${incidentPath}/recipients`);
      await h.setInputFiles('#f-file', {
        name: 'ontvangers.csv', mimeType: 'text/csv',
        buffer: Buffer.from('name,email,postal_address,language\nAnna Bakker,anna@example.nl,,nl\nBen Smith,ben@example.com,,en\n'
          + 'Cor Jansen,,Dorpsstraat 1 1234 AB Oost,nl\n'),
      });
      await go(h, () => h.click('form[enctype="multipart/form-data"] button[type=submit]'));
      await look(h, '42-recipients-imported');
      await h.selectOption('#f-draft_id', { index: 0 });
      await go(h, () => h.click('form[action$="/campaigns"] button[type=submit]'));
      assert.match(h.url(), /\/campaigns\/[^/?]+\?ok=started$/);
    });
    const [anna] = await waitForMails(outbox(), (m) => m.to.includes('anna@example.nl'));
    const [ben] = await waitForMails(outbox(), (m) => m.to.includes('ben@example.com'));
    for (const t of Object.values(nl)) {
      assert.ok(anna.text.includes(t), `the Dutch e-mail has "${t}":\n${anna.text}`);
      assert.ok(!ben.text.includes(t), `the English e-mail has no Dutch text "${t}":\n${ben.text}`);
    }
    for (const t of Object.values(en)) {
      assert.ok(ben.text.includes(t), `the English e-mail has "${t}":\n${ben.text}`);
      assert.ok(!anna.text.includes(t), `the Dutch e-mail has no English text "${t}":\n${anna.text}`);
    }
    await step('campaign-done', h, async () => {
      await h.reload();
      await look(h, '44-campaign-sent');
      const letter = await h.locator('main a[href*="/letters/"]').first().getAttribute('href');
      await h.goto(new URL(letter, h.url()).toString());
      await look(h, '45-letter-print');
    });

    // --- 10. A measure, done; 11. the incident closed. -------------------------------------------
    await step('close', h, async () => {
      await h.goto(`${server.base}${incidentPath}#measures`);
      await h.fill('#f-measure_description', 'Adresbestand van de afdeling Belastingen controleren');
      await h.fill('#f-measure_due_on', new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10));
      await go(h, () => h.click('form[action$="/measures"] button[type=submit]'));
      await h.locator('select[id^="f-status-"]').first().selectOption('done');
      await h.locator('textarea[id^="f-evidence-"]').first().fill('Controle gedaan op 12 december; 3 adressen verbeterd.');
      await go(h, () => h.locator('form[action*="/measures/"] button[type=submit]').first().click());
      // Closing: straight away when offered, else through remediation.
      for (let i = 0; i < 3 && await h.locator('button[name=to][value=closed]').count() === 0; i++) {
        await go(h, () => h.click('button[name=to][value=remediation]'));
      }
      await h.fill('#f-lessons_learned', 'Adressen vaker controleren voor een grote verzending.');
      await go(h, () => h.click('button[name=to][value=closed]'));
      assert.match(await h.locator('section[aria-labelledby="f-state"]').innerText(), /[Gg]esloten/);
      await look(h, '47-closed');
    });

    // --- Error pages in the person's language. ---------------------------------------------------
    await step('errors', h, async () => {
      const notFound = await h.goto(`${server.base}/staff/bestaat-niet`);
      assert.equal(notFound.status(), 404);
      await look(h, '50-error-404');
      // A method the address does not take (a browser navigates with GET only: the request is
      // sent as DELETE): 405, as a page.
      const form = `${server.base}/melden`;
      await h.route(form, (r) => r.continue({ method: 'DELETE' }));
      const wrongMethod = await h.goto(form);
      await h.unroute(form);
      assert.equal(wrongMethod.status(), 405);
      await look(h, '51-error-405');
      // A note far larger than a form may be: 413, as a page.
      await h.goto(`${server.base}${incidentPath}`);
      await h.locator('#f-body').evaluate((e) => { e.value = 'x'.repeat(300_000); });
      const tooLarge = await go(h, () => h.click('form[action$="/notes"] button[type=submit]'));
      assert.equal(tooLarge.status(), 413);
      // Not a file here, and not 10 MB: the page says what is true of every form.
      assert.match(await h.locator('main').innerText(), /te groot om te verwerken/i);
      await look(h, '52-error-413');
    });
    await hCtx.close();
    const { ctx: anon, page: a } = await person(null);
    await step('public-errors', a, async () => {
      const r = await a.goto(`${server.base}/bestaat-niet`);
      assert.equal(r.status(), 404);
      await look(a, '53-public-404');
    });
    await anon.close();
    // The day's e-mails, to read beside the screenshots.
    fs.writeFileSync(path.join(DIR, 'mails.txt'), readMails(outbox())
      .map((m) => `To: ${m.to}\nSubject: ${m.subject}\n\n${m.text}`).join('\n\n----------\n\n'));
  });
});

describe('every page of the day', () => {
  it('passes axe-core at 1280 and 375 px and does not scroll sideways at 375 and 320 px, without CSP or script errors', () => {
    assert.deepEqual(problems, [], problems.join('\n'));
    assert.deepEqual(findings.cspViolations, []);
    assert.deepEqual(findings.scriptErrors, []);
    assert.deepEqual(findings.outsideRequests, []);
  });
});

// Browser test of the evac web UI in headless Chromium (Debian's /usr/bin/chromium).
//   node ui.test.mjs <base url> <username> <password> <screenshot dir>
// At desktop and at phone size: logs in, checks the map shows the scenario's settlements
// (and is visible: not 0 px high), issues an order, picks Kupiansk in the settlement
// picker by two spellings, registers a household with per-person counts and checks the
// settlement's count changes and the picker keeps the choice, that a name full of markup
// is shown as text, finds the household by search and records a step, and the dashboard.
// On the registrar's screens: no horizontal overflow and every visible button, input,
// select and link at least 44 px tall (a checkbox: its label). At phone size, offline:
// a registration waits in the outbox ("waiting to send"), survives a reload served by the
// service worker, is sent when back online, and the server then holds exactly one copy; a
// retried request with the same client id is not a second household (answered
// `replayed`); logging in
// without a connection says "no connection". Screenshots of each screen go to the
// screenshot dir. Also checks the html`` helper and that the ES modules are served as
// JavaScript. The trips screen at phone size: a household boarded by a tap and one by its
// code. Also: the order preview before issuing, every error code in Ukrainian, names
// on the map, the dashboard's progress over time, the CSV and XLSX downloads. Exits
// non-zero on any failure.
import { chromium, request } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';

const [base, user, pass, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.EVAC_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const fail = async (msg) => { console.error(`FAIL: ${msg}`); await browser.close(); process.exit(1); };
const check = (ok, msg) => { if (!ok) throw new Error(msg); };
const kupiansk = 'UA63080090010026457';

const SIZES = [
  { name: 'desktop', prefix: '', options: { viewport: { width: 1400, height: 900 } } },
  { name: 'phone', prefix: 'phone-', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } },
];

const authed = (page, path, init = {}) => page.evaluate(async ([path, init]) => {
  const headers = Object.assign({ 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('evac-token')}` }, init.headers || {});
  const r = await fetch(path, Object.assign({}, init, { headers }));
  return { status: r.status, body: await r.json().catch(() => null) };
}, [path, init]);
const registered = async (page) => (await authed(page, `/api/settlements/${kupiansk}`)).body.registered;

// Types a spelling into the settlement picker and picks Kupiansk from what it offers.
async function pickSettlement(page, spelling) {
  await page.fill('#reg-settlement', '');
  await page.fill('#reg-settlement', spelling);
  const option = page.locator(`#reg-settlement-list button[data-id="${kupiansk}"]`);
  await option.waitFor({ timeout: 5000 });
  const text = (await option.textContent()).replace(/\s+/g, ' ').trim();
  await option.click();
  check(await page.inputValue('#reg-settlement-id') === kupiansk, `picked Kupiansk by "${spelling}"`);
  console.log(`picker: "${spelling}" -> ${text}`);
}

// The registrar's screen as it is: no horizontal overflow, every visible tap target at
// least 44 px tall (a checkbox or radio button is tapped by its label). Then a screenshot.
async function audit(page, what, size, shot, file) {
  const r = await page.evaluate(() => {
    const visible = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
    const small = [];
    let min = Infinity;
    document.querySelectorAll('button, input:not([type=hidden]), select, textarea, a[href]').forEach((el) => {
      if (!visible(el)) return;
      const target = ['checkbox', 'radio'].includes(el.type) && el.closest('label') ? el.closest('label') : el;
      const h = target.getBoundingClientRect().height;
      min = Math.min(min, h);
      if (h < 44) small.push(`${el.tagName.toLowerCase()}#${el.id || ''}.${el.className || ''}[${(el.textContent || el.name || '').trim().slice(0, 20)}]=${h.toFixed(1)}`);
    });
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, small, min };
  });
  console.log(`${what}: scrollWidth ${r.scrollWidth} <= innerWidth ${r.innerWidth}; smallest tap target ${r.min.toFixed(1)} px`);
  check(r.scrollWidth <= r.innerWidth, `${what}: the page overflows: ${r.scrollWidth} > ${r.innerWidth}`);
  check(r.small.length === 0, `${what}: tap targets under 44 px: ${r.small.join(', ')}`);
  await shot(file);
}

async function flow(size) {
  const context = await browser.newContext(size.options);
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: `${shots}/${size.prefix}${name}` });
  const label = `${size.name} ${size.options.viewport.width}x${size.options.viewport.height}`;
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => { if (!r.url().startsWith(base)) errors.push(`external request ${r.url()}`); });
  await page.goto(base);
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForSelector('#app-view:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('path.settlement-marker').length > 100, null, { timeout: 15000 });
  await page.waitForSelector('#reg-counts input', { state: 'attached' });
  const markers = await page.locator('path.settlement-marker').count();
  console.log(`${label}: map shows ${markers} settlements`);
  await page.click('#tabs button[data-tab=order]');
  const mapBox = await page.locator('#map').boundingBox();
  check(mapBox && mapBox.height >= 200 && mapBox.width >= size.options.viewport.width - 2 - (size.name === 'desktop' ? 560 : 0), `the map is visible: ${JSON.stringify(mapBox)}`);
  console.log(`${label}: map ${Math.round(mapBox.width)}x${Math.round(mapBox.height)} px`);
  // Settlement names drawn on the map (no tile server), the largest place among them.
  const kupianskName = (await authed(page, `/api/settlements/${kupiansk}`)).body.name_uk;
  const shown = () => page.locator('#map .place-label').allTextContents();
  for (let i = 0; i < 50 && !(await shown()).includes(kupianskName); i += 1) await page.waitForTimeout(100);
  check((await shown()).includes(kupianskName), `${kupianskName} is named on the map: ${await shown()}`);
  const names = await page.locator('#map .place-label').count();
  check(names >= 5 && names < markers, `some names, not all on top of each other: ${names}`);
  console.log(`${label}: map labels ${names} settlements, ${kupianskName} among them`);
  await shot('01-map.png');

  // Issue the order: "issue" first shows what changes against the order in force, then
  // "confirm" issues it. The same draft again (issued at the other screen size) is shown
  // as identical, with nothing to confirm, and the server refuses it too.
  await page.click('#issue-order');
  await page.waitForSelector('#issue-preview:not([hidden]) [data-preview]');
  const preview = (await page.textContent('#issue-preview')).replace(/\s+/g, ' ').trim();
  console.log(`${label}: order preview: ${preview.slice(0, 160)}`);
  await audit(page, `${label} order preview`, size, shot, '02-order-preview.png');
  if (await page.locator('#issue-preview [data-preview=identical]').count()) {
    check(await page.locator('#issue-preview [data-preview-action=confirm]').count() === 0, 'an identical order has nothing to confirm');
    const again = await authed(page, '/api/orders', { method: 'POST' });
    check(again.status === 409 && again.body.code === 'order_identical', `the identical order is refused: ${JSON.stringify(again)}`);
    await page.click('#issue-preview [data-preview-action=cancel]');
    await page.waitForSelector('#orders li[data-order="1"]');
    console.log(`${label}: order: the identical order is not offered again`);
  } else {
    check(/перше розпорядження|Порівняно/i.test(preview), `the preview says what changes: ${preview}`);
    const [issuing] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST'),
      page.click('#issue-preview [data-preview-action=confirm]'),
    ]);
    const answer = await issuing.json();
    check(issuing.status() === 201, `issued: ${JSON.stringify(answer)}`);
    await page.waitForSelector(`#orders li[data-order="${answer.number}"]`);
    const issued = await page.textContent('#issue-result');
    console.log(`${label}: order: ${issued.trim()}`);
  }
  // Every error code the server sends is shown in Ukrainian (English on a click).
  const codes = (await authed(page, '/api/openapi.json')).body.components.schemas.Error.properties.code.enum;
  const untranslated = await page.evaluate(async (codes) => {
    const { errorText } = await import('/js/i18n.js');
    return codes.filter((code) => !/[а-яіїєґ]/i.test(errorText({ code, status: 409, message: 'English text', body: { error: 'English text' } })));
  }, codes);
  check(untranslated.length === 0, `error codes shown without Ukrainian: ${untranslated}`);
  console.log(`${label}: ${codes.length} error codes shown in Ukrainian`);
  await shot('02-order-issued.png');

  // Register a household in Kupiansk and see its count change.
  const before = await registered(page);
  await page.click('#tabs button[data-tab=register]');
  const needs = await page.locator('#reg-needs label').allTextContents();
  check(needs.length >= 1 && needs.every((n) => !n.includes('_')), `needs are labelled, not keys: ${needs}`);
  // Four villages called Іванівка: told apart by hromada and zone (typed in Latin here).
  await page.fill('#reg-settlement', 'Ivanivk');
  await page.waitForSelector('#reg-settlement-list button[data-id]');
  const ivanivka = (await page.locator('#reg-settlement-list button[data-id]').allTextContents()).filter((x) => x.startsWith('Іванівка'));
  check(ivanivka.length === 4 && new Set(ivanivka).size === 4, `four Іванівка told apart: ${JSON.stringify(ivanivka)}`);
  console.log(`picker: "Ivanivk" -> ${ivanivka.join(' | ')}`);
  await pickSettlement(page, "Куп'янськ");
  await pickSettlement(page, 'Kupyansk');
  await page.fill('#reg-name', 'Коваленко Олена Петрівна');
  await page.fill('#reg-people', '4');
  await page.click('#reg-counts button[data-for=children][data-step="1"]');
  await page.click('#reg-counts button[data-for=cannot_walk][data-step="1"]');
  // A field the server refuses: said in Ukrainian, and nothing is kept in the outbox.
  await page.fill('#reg-phone', 'call me');
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .error');
  const refusal = await page.textContent('#reg-result');
  check(refusal.includes('Телефон') && !/expected|invalid/i.test(refusal), `a refused field in Ukrainian: ${refusal}`);
  check(await page.locator('#outbox-section').isHidden(), 'a refused registration is not kept to send again');
  console.log(`${label}: refused field: ${refusal.trim()}`);
  await page.fill('#reg-phone', '+380 50 123 45 67');
  await audit(page, `${label} register`, size, shot, '03a-register-form.png');
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .ok');
  check(await page.inputValue('#reg-settlement-id') === kupiansk, 'the settlement is kept after a save');
  await shot('03-registered.png');
  if (size.name === 'phone') {
    // The same name registered at desktop size: offered as a likely duplicate, to open.
    const open = page.locator('#reg-result button[data-open]');
    check(await open.count() >= 1, `a likely duplicate is offered: ${await page.textContent('#reg-result')}`);
    await open.first().click();
    await page.waitForSelector('#search-results .household');
    console.log(`${label}: duplicate offered and opened: ${(await page.textContent('#search-results .household b')).trim()}`);
  }
  await page.click('#tabs button[data-tab=settlement]');
  await page.waitForFunction((n) => {
    const cell = document.querySelector('#st-counts td[data-count=registered]');
    return cell && Number(cell.textContent.replace(/\D/g, '')) === n;
  }, before + 4, { timeout: 10000 });
  console.log(`${label}: Kupiansk registered: ${before} -> ${before + 4}`);
  await page.waitForSelector('#st-households .household');
  await audit(page, `${label} settlement`, size, shot, '04-settlement.png');

  // A name that is markup is shown as text, in the form's answer and in the list.
  const evil = `<img src=x onerror="window.__xss=1">Бондар ${size.name}`;
  await page.click('#tabs button[data-tab=register]');
  check(await page.inputValue('#reg-settlement-id') === kupiansk, 'the settlement is kept across tabs');
  await page.fill('#reg-name', evil);
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .ok');
  await page.click('#tabs button[data-tab=settlement]');
  await page.waitForFunction((name) => [...document.querySelectorAll('#st-households .household b')].some((b) => b.textContent === name), evil, { timeout: 10000 });
  check(await page.locator('#st-households img, #reg-result img').count() === 0, 'markup in a name became elements');
  check(await page.evaluate(() => window.__xss === undefined), 'markup in a name ran');

  // Search finds the household; a step is recorded; a destructive one asks first.
  await page.click('#tabs button[data-tab=search]');
  await page.fill('#search-q', 'Коваленко');
  await page.click('#search-submit');
  await page.waitForSelector('#search-results .household');
  const info = (await page.textContent('#search-info')).trim();
  console.log(`${label}: search "Коваленко": ${info.split('\n')[0]}`);
  const card = page.locator('#search-results .household:has(.status[data-status=registered])').first();
  const hid = await card.getAttribute('data-household');
  // A step that puts the household on its way (left by its own means), so the map's share
  // evacuated moves; the first step the server offers otherwise.
  const departed = card.locator('.acts button[data-ev=departed]');
  const firstStep = (await departed.count()) ? departed.first() : card.locator('.acts button[data-ev]:not(.danger)').first();
  const stepName = await firstStep.getAttribute('data-ev');
  await firstStep.click();
  if (await card.locator('[data-confirm]').count()) await card.locator('[data-confirm]').click();
  const stepped = `#search-results .household[data-household="${hid}"] .status`;
  await page.waitForFunction((sel) => { const s = document.querySelector(sel); return s && s.dataset.status !== 'registered'; }, stepped, { timeout: 10000 });
  console.log(`${label}: step ${stepName} on #${hid}: status ${await page.locator(stepped).getAttribute('data-status')}`);
  await page.locator('#search-results .household').first().locator('button[data-ev=refused]').click();
  await page.waitForSelector('#search-results .household [data-confirm=refused]');
  await audit(page, `${label} search`, size, shot, '06-search.png');
  await page.locator('#search-results .household [data-cancel]').first().click();

  // The dashboard: totals, a sortable table.
  await page.click('#tabs button[data-tab=dashboard]');
  await page.waitForSelector('#dash-rows tr');
  await page.click('#dash-head button[data-sort=registered]');
  const top = await page.locator('#dash-rows tr').first().getAttribute('data-settlement');
  check(top === kupiansk, `sorted by registered, Kupiansk first (got ${top})`);
  const totalRegistered = Number((await page.textContent('#dash-totals [data-total=registered] b')).replace(/\D/g, ''));
  const sum = await page.evaluate(async () => {
    const r = await fetch('/api/settlements', { headers: { Authorization: `Bearer ${sessionStorage.getItem('evac-token')}` } });
    return (await r.json()).reduce((n, s) => n + s.registered, 0);
  });
  const away = await page.evaluate(async () => {
    const r = await fetch('/api/settlements', { headers: { Authorization: `Bearer ${sessionStorage.getItem('evac-token')}` } });
    return (await r.json()).reduce((n, s) => n + (s.boarded ?? s.departed ?? 0), 0);
  });
  const totalBoarded = Number((await page.textContent('#dash-totals [data-total=boarded] b')).replace(/\D/g, ''));
  console.log(`${label}: dashboard registered ${totalRegistered}, on the way ${totalBoarded}; the settlements say ${sum}, ${away}`);
  check(totalRegistered === sum && totalBoarded === away, 'dashboard totals match the server');
  await audit(page, `${label} dashboard`, size, shot, '07-dashboard.png');
  // Progress over time: a chart drawn in the page (three lines), and the same figures as a
  // table whose newest row is the totals above.
  await page.waitForSelector('#dash-timeline svg.timeline-svg polyline[data-series=registered]');
  check(await page.locator('#dash-timeline polyline').count() === 3, 'three lines over time');
  const newest = await page.locator('#dash-timeline .tl-table tbody tr').first().locator('td').allTextContents();
  check(Number(newest[1].replace(/\D/g, '')) === totalRegistered, `the timeline ends at the registered total: ${newest}`);
  check(Number(newest[2].replace(/\D/g, '')) >= totalBoarded, `boarded or later at least the people boarded: ${newest}`);
  const chartBox = await page.locator('#dash-timeline svg.timeline-svg').boundingBox();
  check(chartBox.width <= size.options.viewport.width && chartBox.height >= 150, `the chart fits: ${JSON.stringify(chartBox)}`);
  console.log(`${label}: timeline ${Math.round(chartBox.width)}x${Math.round(chartBox.height)} px, newest ${newest.join(' | ')}`);
  await page.click('#dash-timeline .tl-table summary');
  await page.locator('#dash-timeline').scrollIntoViewIfNeeded();
  await audit(page, `${label} dashboard timeline`, size, shot, '08-dashboard-timeline.png');
  await page.locator('#dash-timeline').screenshot({ path: `${shots}/${size.prefix}08-timeline-chart.png` });
  // The coordinator's downloads: every household as CSV and as an Excel workbook (a zip).
  for (const [button, name] of [['#export-csv', 'households.csv'], ['#export-xlsx', 'households.xlsx']]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const bytes = readFileSync(await download.path());
    check(download.suggestedFilename() === name, `downloaded ${download.suggestedFilename()}`);
    const ok = name.endsWith('.csv') ? bytes.toString('utf8').startsWith('id,settlement_id,') : bytes.subarray(0, 2).toString() === 'PK';
    check(ok && bytes.length > 100, `${name}: ${bytes.length} bytes`);
    console.log(`${label}: downloaded ${name}, ${bytes.length} bytes`);
  }
  // The map fills a settlement by the share of its people on the way or arrived: a few
  // people of Kupiansk's 26,627 is the lightest blue (1-49 %), not a status colour.
  const fill = await page.locator(`path.settlement-marker[data-settlement="${kupiansk}"]`).getAttribute('fill');
  check(fill === '#bbdefb', `Kupiansk's marker is filled ${fill}`);

  // English.
  await page.click('#lang');
  check((await page.textContent('#logout')) === 'Log out', 'English strings');
  check((await page.textContent('details.legend summary')) === 'Key', 'the map key in English too');
  await page.click('#tabs button[data-tab=register]');
  await shot('05-english.png');
  // The plan panel names what the front line cut off (the harness runs `evac plan`).
  await page.click('#tabs button[data-tab=plan]');
  const cut = page.locator('#plan-summary .warn').first();
  await cut.waitFor();
  const cutText = await cut.textContent();
  check(cutText.includes('NOT IN THIS PLAN') && cutText.includes('Kruhliakivka'), `plan panel: ${cutText}`);
  console.log(`${label}: plan: cut off listed`);
  await shot('09-plan.png');
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  await context.close();
}

// At phone size, without a connection: a registration waits on the device, survives a
// reload (the service worker serves the app and the scenario data), is sent when back
// online, and the server holds exactly one copy. Then a retried request with one client
// id, and a login without a connection.
async function offlineFlow() {
  const size = SIZES[1];
  const context = await browser.newContext(size.options);
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: `${shots}/${size.prefix}${name}` });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForSelector('#app-view:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('path.settlement-marker').length > 100, null, { timeout: 15000 });
  await page.click('#tabs button[data-tab=register]');
  await pickSettlement(page, 'Kupiansk');
  // The narrowest phone the layout is made for.
  await page.setViewportSize({ width: 360, height: 740 });
  await audit(page, 'phone 360x740 register', size, shot, '03b-register-360.png');
  await page.setViewportSize(size.options.viewport);
  // The service worker controls the page and has cached the shell and the data.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10000 });
  await page.waitForFunction(() => document.querySelectorAll('path.settlement-marker').length > 100, null, { timeout: 15000 });

  // Installable: Chromium finds nothing missing (manifest, icons, service worker); a
  // Playwright context is incognito, which Chromium reports too, and is not the app's doing.
  const cdp = await context.newCDPSession(page);
  const installability = (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors.filter((e) => e.errorId !== 'in-incognito');
  check(installability.length === 0, `not installable: ${JSON.stringify(installability)}`);
  const manifest = await cdp.send('Page.getAppManifest');
  check(manifest.errors.length === 0 && manifest.url.endsWith('/manifest.webmanifest'), `manifest: ${JSON.stringify(manifest.errors)}`);
  console.log('phone: installable (no installability errors, manifest parsed)');

  const name = `Мельник Офлайн ${Date.now()}`;
  await context.setOffline(true);
  await page.click('#tabs button[data-tab=register]');
  check(await page.inputValue('#reg-settlement-id') === kupiansk, 'the last settlement is kept on the device');
  await page.fill('#reg-name', name);
  await page.fill('#reg-people', '3');
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .pending');
  await page.waitForSelector('#outbox-list li');
  check(await page.locator('#outbox-list li').count() === 1, 'one registration waits');
  const waiting = (await page.textContent('#outbox-list li')).replace(/\s+/g, ' ').trim();
  check(/очікує надсилання|waiting to send/.test(waiting), `shown as waiting to send: ${waiting}`);
  console.log(`phone offline: queued: ${waiting}; header: ${(await page.textContent('#outbox-badge')).trim()}`);
  await audit(page, 'phone offline register', size, shot, '08-offline-queued.png');

  // A reload without a connection: the app, the map and the outbox are still there.
  await page.reload();
  await page.waitForSelector('#app-view:not([hidden])', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelectorAll('path.settlement-marker').length > 100, null, { timeout: 15000 });
  await page.click('#tabs button[data-tab=register]');
  await page.waitForSelector('#outbox-list li');
  check(!(await page.locator('#net').isHidden()), 'offline is shown');
  console.log('phone offline: after a reload the app opens from the service worker and the registration still waits');
  await shot('09-offline-reloaded.png');

  // Back online: sent, and the server has exactly one copy.
  await context.setOffline(false);
  await page.waitForSelector('#outbox-section', { state: 'hidden', timeout: 40000 });
  const list = await authed(page, `/api/households?settlement_id=${kupiansk}`);
  const copies = list.body.filter((h) => h.head_name === name);
  check(copies.length === 1, `exactly one copy on the server, got ${copies.length}`);
  console.log(`phone online again: sent; the server holds ${copies.length} copy (#${copies[0].id})`);
  await shot('10-online-sent.png');

  // A step taken offline on a household someone else changed meanwhile: refused when sent
  // (the household is not as shown), and kept on the device as failed, with the reason.
  await page.click('#tabs button[data-tab=search]');
  await page.fill('#search-q', name);
  await page.click('#search-submit');
  await page.waitForSelector('#search-results .household');
  const hid = await page.locator('#search-results .household').first().getAttribute('data-household');
  await context.setOffline(true);
  const step = page.locator('#search-results .household .acts button[data-ev]:not(.danger)').first();
  const stepKind = await step.getAttribute('data-ev');
  await step.click();
  if (await page.locator('#search-results [data-confirm]').count()) await page.locator('#search-results [data-confirm]').first().click();
  await page.waitForSelector('#search-results .household .pending');
  const token = await page.evaluate(() => sessionStorage.getItem('evac-token'));
  const other = await request.newContext({ baseURL: base, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const meanwhile = await other.post(`/api/households/${hid}/events`, { data: { kind: stepKind } });
  check(meanwhile.ok(), `the other step: ${meanwhile.status()} ${await meanwhile.text()}`);
  await other.dispose();
  await context.setOffline(false);
  await page.click('#tabs button[data-tab=register]');
  await page.waitForSelector('#outbox-list li.failed', { timeout: 40000 });
  const failed = (await page.textContent('#outbox-list li.failed')).replace(/\s+/g, ' ').trim();
  console.log(`phone: a stale offline step (${stepKind}) is kept as failed: ${failed}`);
  await audit(page, 'phone register with a failed item', size, shot, '10b-conflict-kept.png');
  await page.click('#outbox-list li.failed [data-open]');
  await page.waitForSelector(`#search-results .household[data-household="${hid}"] .status[data-status="${stepKind}"]`);
  await page.click('#tabs button[data-tab=register]');
  page.once('dialog', (d) => d.accept());
  await page.click('#outbox-list li.failed [data-discard]');
  await page.waitForSelector('#outbox-section', { state: 'hidden' });

  // The same request twice (a lost answer retried): the retry is answered "replayed" with
  // the first one's household, and there is one household.
  const retried = `Ткаченко Повтор ${Date.now()}`;
  const body = JSON.stringify({ settlement_id: kupiansk, head_name: retried, people: 2, client_id: `test-${Date.now()}-retry` });
  const first = await authed(page, '/api/households', { method: 'POST', body });
  const second = await authed(page, '/api/households', { method: 'POST', body });
  const twice = (await authed(page, `/api/households?settlement_id=${kupiansk}`)).body.filter((h) => h.head_name === retried).length;
  check(first.status === 201 || first.status === 200, `the registration was refused: ${JSON.stringify(first)}`);
  check(second.body && second.body.replayed === true && second.body.id === first.body.id && twice === 1,
    `a retry with the same client id: ${JSON.stringify([first, second])}, ${twice} copies`);
  console.log(`retry with the same client_id: replayed (${first.status}, ${second.status}), ${twice} household`);

  // The answer to a registration is lost (the server took it, the phone never heard): the
  // outbox keeps it and sends it again with the same client id: answered "replayed", one
  // household.
  const lost = `Лисенко Втрачена ${Date.now()}`;
  let dropped = false;
  await page.route('**/api/households', async (route) => {
    if (route.request().method() !== 'POST' || dropped) return route.continue();
    dropped = true;
    await route.fetch();
    await route.abort('connectionreset');
  });
  await page.click('#tabs button[data-tab=register]');
  await page.fill('#reg-name', lost);
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .pending');
  check(dropped && await page.locator('#outbox-list li').count() === 1, 'the registration whose answer was lost waits');
  await page.unroute('**/api/households');
  const [resent] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/households') && r.request().method() === 'POST'),
    page.click('#outbox-send'),
  ]);
  const resentBody = await resent.json();
  await page.waitForSelector('#outbox-section', { state: 'hidden', timeout: 10000 });
  const lostCopies = (await authed(page, `/api/households?settlement_id=${kupiansk}`)).body.filter((h) => h.head_name === lost).length;
  check(resentBody.replayed === true && lostCopies === 1,
    `a resend after a lost answer: ${JSON.stringify(resentBody)}, ${lostCopies} households`);
  console.log(`lost answer, resent by the outbox: replayed (${resent.status()}), ${lostCopies} household`);

  // Logging in without a connection says so, not "wrong password".
  await context.setOffline(true);
  await page.click('#logout');
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  const said = await page.textContent('#login-error');
  check(/зв.язку|connection/i.test(said) && !/пароль|password/i.test(said), `an offline login says: ${said}`);
  console.log(`phone offline login: "${said}"`);
  await shot('11-offline-login.png');
  await context.setOffline(false);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  await context.close();
}

// At phone size, the trips screen: a household without a car registered in a pickup point
// of the transit plan is on the list of its first trip with seats for people who walk;
// "boarded" on it boards it on that trip (the server says so), and a code typed into the
// code field (as a scanner types it, with Enter) boards another. No overflow, tap targets
// of 44 px.
async function tripFlow() {
  const size = SIZES[1];
  const context = await browser.newContext(size.options);
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: `${shots}/${size.prefix}${name}` });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForSelector('#app-view:not([hidden])');
  const trips = await authed(page, '/api/trips');
  // The harness (crates/cli/tests/browser.rs) runs `evac transit` first: no plan is a failure.
  check(trips.status === 200, `GET /api/trips: ${trips.status} (was evac transit run before the server?)`);
  if (trips.status !== 200) {
    await context.close();
    return;
  }
  // A pickup point (not Kupiansk, where the other flows register) and its first trip with
  // seats for people who walk: where a household of one who walks is seated.
  let point = null;
  let tripId = null;
  for (const p of trips.body.pickup_points.filter((x) => x.settlement !== kupiansk)) {
    const at = (await authed(page, `/api/trips?settlement=${p.settlement}`)).body.trips;
    const walk = (tr) => tr.stops.filter((s) => s.settlement === p.settlement).reduce((n, s) => n + s.people - s.immobile, 0);
    const first = at.find((tr) => walk(tr) >= 1);
    if (first && walk(first) >= 2) { point = p; tripId = first.id; break; }
  }
  check(point, 'a pickup point with seats for people who walk');
  const add = async (head_name) => (await authed(page, '/api/households', { method: 'POST', body: JSON.stringify({ settlement_id: point.settlement, head_name, people: 1, needs: ['no_car'] }) })).body.id;
  const tapped = await add(`Савченко Рейс ${Date.now()}`);
  const typed = await add(`Кравець Код ${Date.now()}`);
  await page.click('#tabs button[data-tab=trips]');
  await page.waitForSelector(`#trip-point option[value="${point.settlement}"]`, { state: 'attached' });
  await page.selectOption('#trip-point', point.settlement);
  await page.waitForSelector(`#trip-list button[data-trip="${tripId}"]`);
  await page.click(`#trip-list button[data-trip="${tripId}"]`);
  const row = (id) => `#trip-detail li.rider[data-household="${id}"]`;
  await page.waitForSelector(row(tapped));
  await page.waitForSelector(row(typed));
  await audit(page, 'phone trips', size, shot, '12-trip-list.png');
  await page.click(`${row(tapped)} button[data-board]`);
  await page.waitForSelector(`${row(tapped)} .status[data-status=boarded]`, { timeout: 10000 });
  await page.fill('#board-code', String(typed));
  await page.press('#board-code', 'Enter');
  await page.waitForSelector(`${row(typed)} .status[data-status=boarded]`, { timeout: 10000 });
  for (const id of [tapped, typed]) {
    const h = (await authed(page, `/api/households/${id}`)).body;
    check(h.status === 'boarded' && h.trip === tripId, `household ${id} boarded on ${tripId}: ${JSON.stringify(h)}`);
  }
  console.log(`trips: boarded #${tapped} by a tap and #${typed} by its code on ${tripId}: ${(await page.textContent('#board-result')).trim()}`);
  await audit(page, 'phone trips boarded', size, shot, '13-trip-boarded.png');
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  await context.close();
}

try {
  // The helper every panel builds markup with.
  const page = await browser.newPage();
  await page.goto(base);
  const helper = await page.evaluate(async () => {
    const { html, raw, join } = await import('/js/html.js');
    const name = `<b>"Tom" & 'Jerry'</b>`;
    return [
      String(html`<p title="${name}">${name}</p>`),
      String(html`<ul>${['<a>', raw('<li>x</li>'), null, 0]}</ul>`),
      String(join([html`<i>${'1<2'}</i>`, 'b&c'], raw('<br>'))),
    ];
  });
  const expected = [
    '<p title="&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;">&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>',
    '<ul>&lt;a&gt;<li>x</li>0</ul>',
    '<i>1&lt;2</i><br>b&amp;c',
  ];
  check(JSON.stringify(helper) === JSON.stringify(expected), `html helper: ${JSON.stringify(helper)}`);
  const type = (await page.request.get(`${base}/js/main.js`)).headers()['content-type'];
  check(type.startsWith('text/javascript'), `modules served as ${type}`);
  await page.close();
  console.log('html helper escapes; modules are text/javascript');
  for (const size of SIZES) await flow(size);
  await offlineFlow();
  await tripFlow();
  console.log('PASS');
} catch (e) {
  await fail(e.stack || String(e));
}
await browser.close();

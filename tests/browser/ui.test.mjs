// Browser test of the evac web UI in headless Chromium (Debian's /usr/bin/chromium).
//   node ui.test.mjs <base url> <username> <password> <screenshot dir>
// At desktop and at phone size: logs in, checks the map shows the scenario's settlements,
// issues an order, registers a household and checks the settlement's count changes, and
// that a name full of markup is shown as text. Also checks the html`` helper and that the
// ES modules are served as JavaScript. Exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

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
  const markers = await page.locator('path.settlement-marker').count();
  console.log(`${label}: map shows ${markers} settlements`);
  await shot('01-map.png');

  // Issue the order.
  await page.click('#tabs button[data-tab=order]');
  const [issuing] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST'),
    page.click('#issue-order'),
  ]);
  const answer = await issuing.json();
  if (issuing.status() === 409) {
    // The same draft was issued at the other screen size: refused as identical, and said so.
    await page.waitForSelector('#issue-result .error');
    await page.waitForSelector('#orders li[data-order="1"]');
    console.log(`${label}: order: the identical order is refused: ${answer.error.slice(0, 60)}`);
  } else {
    await page.waitForSelector(`#orders li[data-order="${answer.number}"]`);
    const issued = await page.textContent('#issue-result');
    console.log(`${label}: order: ${issued.trim()}`);
  }
  await shot('02-order-issued.png');

  // Register a household in Kupiansk and see its count change.
  const registered = () => page.evaluate(async (id) => {
    const r = await fetch(`/api/settlements/${id}`, { headers: { Authorization: `Bearer ${sessionStorage.getItem('evac-token')}` } });
    return (await r.json()).registered;
  }, kupiansk);
  const before = await registered();
  await page.click('#tabs button[data-tab=register]');
  check(await page.locator('#reg-needs input[type=checkbox]').count() === 8, 'the eight needs are offered');
  await page.selectOption('#reg-settlement', kupiansk);
  await page.fill('#reg-name', 'Коваленко Олена Петрівна');
  await page.fill('#reg-members', '4');
  await page.check('#reg-needs input[value=children]');
  await page.fill('#reg-phone', '+380 50 123 45 67');
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .ok');
  await shot('03-registered.png');
  await page.click('#tabs button[data-tab=settlement]');
  await page.waitForFunction((n) => {
    const cell = document.querySelector('#st-counts td[data-count=registered]');
    return cell && Number(cell.textContent.replace(/\D/g, '')) === n;
  }, before + 4, { timeout: 10000 });
  console.log(`${label}: Kupiansk registered: ${before} -> ${before + 4}`);
  await page.waitForSelector('#st-households .household');
  await shot('04-settlement.png');

  // A name that is markup is shown as text, in the form's answer and in the list.
  const evil = `<img src=x onerror="window.__xss=1">Бондар ${size.name}`;
  await page.click('#tabs button[data-tab=register]');
  await page.selectOption('#reg-settlement', kupiansk);
  await page.fill('#reg-name', evil);
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .ok');
  await page.click('#tabs button[data-tab=settlement]');
  await page.waitForFunction((name) => [...document.querySelectorAll('#st-households .household b')].some((b) => b.textContent === name), evil, { timeout: 10000 });
  check(await page.locator('#st-households img, #reg-result img').count() === 0, 'markup in a name became elements');
  check(await page.evaluate(() => window.__xss === undefined), 'markup in a name ran');

  // English.
  await page.click('#lang');
  check((await page.textContent('#logout')) === 'Log out', 'English strings');
  await shot('05-english.png');
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
  console.log('PASS');
} catch (e) {
  await fail(e.stack || String(e));
}
await browser.close();

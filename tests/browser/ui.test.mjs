// Browser test of the evac web UI in headless Chromium (Debian's /usr/bin/chromium).
//   node ui.test.mjs <base url> <username> <password> <screenshot dir>
// Logs in, checks the map shows the scenario's settlements, issues an order, registers a
// household and checks the settlement's count changes. Exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, user, pass, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.EVAC_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const fail = async (msg) => { console.error(`FAIL: ${msg}`); await browser.close(); process.exit(1); };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
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
  console.log(`map shows ${markers} settlements`);
  await page.screenshot({ path: `${shots}/01-map.png` });

  // Issue the order.
  await page.click('#tabs button[data-tab=order]');
  await page.click('#issue-order');
  await page.waitForSelector('#orders li[data-order="1"]');
  const issued = await page.textContent('#issue-result');
  console.log(`order: ${issued.trim()}`);
  await page.screenshot({ path: `${shots}/02-order-issued.png` });

  // Register a household in Kupiansk and see its count change.
  const kupiansk = 'UA63080090010026457';
  const before = await page.evaluate(async (id) => {
    const r = await fetch(`/api/settlements/${id}`, { headers: { Authorization: `Bearer ${sessionStorage.getItem('evac-token')}` } });
    return (await r.json()).registered;
  }, kupiansk);
  await page.click('#tabs button[data-tab=register]');
  await page.selectOption('#reg-settlement', kupiansk);
  await page.fill('#reg-name', 'Коваленко Олена Петрівна');
  await page.fill('#reg-members', '4');
  await page.check('#reg-needs input[value=children]');
  await page.fill('#reg-phone', '+380 50 123 45 67');
  await page.click('#reg-submit');
  await page.waitForSelector('#reg-result .ok');
  await page.screenshot({ path: `${shots}/03-registered.png` });
  await page.click('#tabs button[data-tab=settlement]');
  await page.waitForFunction((n) => {
    const cell = document.querySelector('#st-counts td[data-count=registered]');
    return cell && Number(cell.textContent.replace(/\D/g, '')) === n;
  }, before + 4, { timeout: 10000 });
  console.log(`Kupiansk registered: ${before} -> ${before + 4}`);
  await page.waitForSelector('#st-households .household');
  await page.screenshot({ path: `${shots}/04-settlement.png` });
  // English.
  await page.click('#lang');
  await page.screenshot({ path: `${shots}/05-english.png` });
  if (errors.length) await fail(`page errors: ${errors.join('; ')}`);
  console.log('PASS');
} catch (e) {
  await fail(e.stack || String(e));
}
await browser.close();

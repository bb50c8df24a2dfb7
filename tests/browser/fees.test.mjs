// Fees in the browser on a fresh demo: the city's batch runs from the CLI (billing, debit file),
// then the finance officer sees the collection page with its chart, the plans and the unpaid list
// with a printable reminder, and the demo school staff sees nothing of fees they may not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { startDemo } from './lib/harness.mjs';

let demo;
before(async () => { demo = await startDemo({ plugins: 'fees' }); });
after(async () => { await demo?.stop(); });

function fiscalYear() {
  const tokyo = new Date(Date.now() + 9 * 3600 * 1000);
  return tokyo.getUTCMonth() >= 3 ? tokyo.getUTCFullYear() : tokyo.getUTCFullYear() - 1;
}

test('the batch runs on the demo data and the finance officer follows it on the web', async () => {
  const fy = String(fiscalYear());
  const billed = demo.cli(['fees', 'bill', '--fiscal-year', fy, '--instalment', '1']);
  assert.match(billed, /run \d+: fiscal year \d+ instalment 1/);
  // Two consignors on the demo: the default one and 広島信用金庫 for its own customers.
  const outDir = join(demo.work, 'debit');
  const exported = demo.cli(['fees', 'export-debit', '--fiscal-year', fy, '--instalment', '1',
                             '--output', `${outDir}/`]);
  assert.match(exported, /consignor 1234567890 .*: \d+ debits, \d+ yen/);
  assert.match(exported, /consignor 2345678901 .*: \d+ debits, \d+ yen/);
  const files = readdirSync(outDir).sort();
  assert.equal(files.length, 2, files.join(' '));
  for (const [i, code] of ['1234567890', '2345678901'].entries()) {
    assert.match(files[i], new RegExp(`^zengin91-${code}-\\d{8}\\.txt$`));
    const bytes = readFileSync(join(outDir, files[i]));
    assert.equal(bytes.length % 122, 0, 'records of 120 bytes + CR LF');
    assert.equal(bytes.subarray(0, 14).toString('latin1'), `1910${code}`);
  }

  const page = await demo.newPage();
  await demo.signIn(page, 'zaimu@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/fees?fiscal_year=${fy}`);
  assert.equal(await page.locator('h1').innerText(), '学校教材費 収納状況');
  assert.ok(await page.locator('#fees-collection-chart g').count() >= 3, 'a bar per school');
  await demo.shot(page, 'fees-overview');
  // The export's files, one per consignor.
  assert.equal(await page.locator('#fees-files tr[data-consignor="1234567890"]').count(), 1);
  assert.equal(await page.locator('#fees-files tr[data-consignor="2345678901"]').count(), 1);

  // The consignors: the default and the 信金 (files written: kept); a typo comes back as typed.
  await page.goto(`${demo.base}/web/fees/consignors`);
  assert.equal(await page.locator('h1').innerText(), '口座振替の委託者');
  assert.equal(await page.locator('#consignors tbody tr').count(), 2);
  assert.match(await page.locator('tr[data-code="2345678901"]').innerText(), /1750/);
  await demo.shot(page, 'fees-consignors');
  await page.fill('#consignor-form input[name=code]', '3456789012');
  await page.fill('#consignor-form input[name=name]', 'ジェイエイ');
  await page.fill('#consignor-form input[name=bank_code]', '0005');
  await page.fill('#consignor-form input[name=branch_code]', '001');
  await page.fill('#consignor-form input[name=account_number]', '12x');
  await page.fill('#consignor-form input[name=bank_codes]', '０００５');
  await Promise.all([page.waitForNavigation(), page.click('#consignor-save')]);
  assert.match(await page.locator('#consignors-error').innerText(), /入金先 口座番号/);
  assert.equal(await page.locator('#consignor-form input[name=account_number]').inputValue(), '12x');
  assert.equal(await page.locator('#consignor-form input[name=bank_codes]').inputValue(), '０００５');
  assert.equal(await page.locator('#consignors tbody tr').count(), 2, 'nothing saved');
  await demo.shot(page, 'fees-consignors-refused');
  const phone = await demo.newPage({ width: 390, height: 844 });
  await demo.signIn(phone, 'zaimu@demo.sukusuku.jp');
  await phone.goto(`${demo.base}/web/fees/consignors`);
  await demo.shot(phone, 'fees-consignors-phone');
  await page.goto(`${demo.base}/web/fees?fiscal_year=${fy}`);

  // A dry run from the page writes nothing and says what it would bill.
  await page.fill('input[name=instalment]', '2');
  await page.check('input[name=dry_run]');
  await Promise.all([page.waitForNavigation(), page.click('form.inline button[type=submit]')]);
  assert.match(await page.locator('#fees-run-message').innerText(), /試算/);

  await page.goto(`${demo.base}/web/fees/plans?fiscal_year=${fy}`);
  assert.match(await page.locator('main').innerText(), /漢字ドリル/);
  await demo.shot(page, 'fees-plans');

  // 不納欠損 from the unpaid list: requested with a reason, waiting for another officer.
  await page.goto(`${demo.base}/web/fees/arrears?fiscal_year=${fy}`);
  const form = page.locator('form.fees-writeoff').first();
  await form.locator('select[name=reason]').selectOption('bankruptcy');
  await form.locator('input[name=note]').fill('破産手続開始');
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
  assert.match(await page.locator('#fees-writeoff-message').innerText(), /別の職員の承認/);
  assert.equal(await page.locator('#fees-writeoffs tr').count(), 2, 'one request and the header');
  assert.equal(await page.locator('#fees-writeoffs button.fees-approve').count(), 0,
               'the requester cannot approve it');
  await demo.shot(page, 'fees-writeoffs');
});

test('school staff of a nursery are not finance officers', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  const res = await page.goto(`${demo.base}/web/fees`);
  assert.ok([403, 404].includes(res.status()), `status ${res.status()}`);
});

// Plan editing in the browser on a tablet-sized screen (demo data): the finance officer opens a
// grade's plan, types an item that takes it over the city's cap (the totals turn red as typed),
// the server refuses it and shows the form again with the numbers and what was typed, then a
// smaller amount is saved; the year's cap set below it flags that plan.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from './lib/harness.mjs';

let demo;
before(async () => { demo = await startDemo({ plugins: 'fees' }); });
after(async () => { await demo?.stop(); });

function fiscalYear() {
  const tokyo = new Date(Date.now() + 9 * 3600 * 1000);
  return tokyo.getUTCMonth() >= 3 ? tokyo.getUTCFullYear() : tokyo.getUTCFullYear() - 1;
}

test('a finance officer edits a plan: over the cap is refused with the numbers, then saved', async () => {
  const fy = String(fiscalYear());
  const page = await demo.newPage();
  await demo.signIn(page, 'zaimu@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/fees/plan-edit?fiscal_year=${fy}`);
  assert.equal(await page.locator('h1').innerText(), '教材費等執行計画の作成・変更');
  assert.ok(await page.locator('table.plan-list').count() >= 3, 'a table per school');
  await demo.shot(page, 'fees-plan-list');

  // Grade 3 of the first school: the demo plan (9,700 yen with the optional recorder), cap 30,000.
  await Promise.all([page.waitForNavigation(),
                     page.locator('table.plan-list').first().locator('tr').nth(3).locator('a').click()]);
  assert.match(page.url(), /\/web\/fees\/plan-edit\/\d+\/3\?fiscal_year=/);
  assert.equal(await page.locator('#cap').innerText(), '30000');
  assert.equal(await page.locator('#total-all').innerText(), '9700');
  assert.equal(await page.locator('#plan-schedule tr').count(), 11, 'ten debits and the header');

  // A new item in the first empty row; the totals follow the typing.
  const row = page.locator('tr.item').filter({ has: page.locator('input[name^=name_][value=""]') }).first();
  const index = await row.getAttribute('data-row');
  await page.fill(`input[name=name_${index}]`, '理科実験セット');
  await page.fill(`input[name=price_${index}]`, '２５，０００');
  await page.fill(`input[name=qty_${index}]`, '1');
  assert.equal(await page.locator('#total-all').innerText(), '34700');
  assert.match(await page.locator('#cap-state').innerText(), /超過 4700/);
  assert.match(await page.locator('#plan-totals').getAttribute('class'), /over/);
  await demo.shot(page, 'fees-plan-over-typed');

  await Promise.all([page.waitForNavigation(), page.click('#save-plan')]);
  assert.match(await page.locator('#plan-error').innerText(),
               /合計 34700 円、上限 30000 円、超過 4700 円/);
  assert.equal(await page.locator(`input[name=name_${index}]`).inputValue(), '理科実験セット');
  assert.equal(await page.locator(`input[name=price_${index}]`).inputValue(), '２５，０００');
  await demo.shot(page, 'fees-plan-over-refused');

  await page.fill(`input[name=price_${index}]`, '2000');
  await Promise.all([page.waitForNavigation(), page.click('#save-plan')]);
  assert.match(page.url(), /saved=1/);
  assert.equal(await page.locator('#plan-saved').innerText(), '計画を保存しました。');
  assert.equal(await page.locator('#total-all').innerText(), '11700');
  await demo.shot(page, 'fees-plan-saved');
  const savedUrl = page.url();

  // The year's settings: a cap below that plan is saved and the plan is flagged over it.
  await page.goto(`${demo.base}/web/fees/year-settings?fiscal_year=${fy}`);
  assert.equal(await page.locator('input[name=cap_3]').inputValue(), '30000');
  await page.fill('input[name=cap_3]', '11000');
  await Promise.all([page.waitForNavigation(), page.click('#save-caps')]);
  assert.equal(await page.locator('#year-saved').innerText(), '上限額を保存しました。');
  assert.match(await page.locator('#caps tr').nth(3).innerText(), /11700\s*上限超過/);
  await demo.shot(page, 'fees-year-settings');

  // A phone-sized screen still reaches every field (the item table scrolls sideways).
  const phone = await demo.newPage({ width: 390, height: 844 });
  await demo.signIn(phone, 'zaimu@demo.sukusuku.jp');
  await phone.goto(savedUrl);
  await phone.locator(`input[name=qty_${index}]`).scrollIntoViewIfNeeded();
  assert.ok(await phone.locator(`input[name=qty_${index}]`).isVisible());
  await demo.shot(phone, 'fees-plan-phone');
});

test('nursery staff have no school to plan for', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/fees/plan-edit`);
  assert.match(await page.locator('main').innerText(), /編集できる学校がありません/);
});

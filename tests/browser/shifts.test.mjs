// Browser test of the shift rota: the head generates next month, pins a cell by tap, re-solves
// (the pin holds), looks at the ratio chart and publishes; a staff member requests a day off and a shift on
// the tablet. Screenshots of every step land in $SUKUSUKU_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from './lib/harness.mjs';

let demo;

before(async () => {
  demo = await startDemo({ plugins: 'shifts', settings: { SUKUSUKU_SHIFTS_SOLVE_SECONDS: '1' } });
});

after(async () => {
  await demo?.stop();
});

// Reloads the rota page until the background solver is done with it.
async function waitSolved(page) {
  for (let i = 0; i < 120; i++) {
    const state = await page.locator('section.roster').getAttribute('data-solve-state');
    if (state === 'done' || state === 'failed') return state;
    await page.waitForTimeout(500);
    await page.reload();
  }
  throw new Error('the rota was never generated');
}

function monthAfter(months) {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

test('the head generates, pins, re-solves and publishes a month', async () => {
  const page = await demo.newPage({ width: 1280, height: 900 });
  await demo.signIn(page, 'head@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/shifts`);
  assert.equal(await page.locator('h1').innerText(), '勤務表');
  // This month's rota was generated and published by the demo seeder.
  assert.equal(await page.locator('.months li').count(), 1);
  await demo.shot(page, 'shifts-index');

  const month = monthAfter(2);
  await page.fill('#month', month);
  await Promise.all([page.waitForURL(/\/web\/shifts\/rosters\/\d+$/), page.click('#generate')]);
  assert.equal(await waitSolved(page), 'done');
  assert.ok(await page.locator('#legal').isVisible(), 'every slot meets the ratio');
  await demo.shot(page, 'shifts-generated');

  // Tap the first staff member's cell on the 10th (or the next open day) and pin another shift.
  const cell = page.locator('tbody tr').first().locator('td.cell:not(.closed)').nth(8);
  const date = await cell.getAttribute('data-date');
  const staff = await cell.getAttribute('data-staff');
  await Promise.all([page.waitForURL(/\/cell\?/), cell.locator('a').click()]);
  await demo.shot(page, 'shifts-cell');
  const choice = page.locator('button.choice:not(.current):not([data-code="part"])').first();
  const label = (await choice.innerText()).split('\n')[0];
  await Promise.all([page.waitForURL(/\/web\/shifts\/rosters\/\d+$/), choice.click()]);
  const pinned = page.locator(`td.cell[data-staff="${staff}"][data-date="${date}"]`);
  assert.match(await pinned.innerText(), new RegExp(`${label}📌`));

  await Promise.all([page.waitForLoadState('load'), page.click('#resolve')]);
  assert.equal(await waitSolved(page), 'done');
  assert.match(await pinned.innerText(), new RegExp(`${label}📌`), 'a pinned cell never changes');
  await demo.shot(page, 'shifts-resolved');

  await Promise.all([page.waitForURL(/\/chart/), page.click('#chart-link')]);
  assert.ok((await page.locator('table.ratio tbody tr').count()) >= 20, 'one row per slot');
  await demo.shot(page, 'shifts-chart');
  await page.goBack();

  await Promise.all([page.waitForLoadState('load'), page.click('#publish')]);
  assert.equal(await page.locator('section.roster').getAttribute('data-state'), 'published');
  await demo.shot(page, 'shifts-published');
});

test('a staff member requests a day off and a shift before the deadline', async () => {
  const page = await demo.newPage({ width: 768, height: 1024 });
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  const month = monthAfter(2);  // its deadline is the 20th of next month: still open
  await page.goto(`${demo.base}/web/shifts/requests?month=${month}`);
  await page.fill('#date', `${month}-15`);
  await page.fill('#note', '通院');
  await Promise.all([page.waitForLoadState('load'), page.click('#request')]);
  assert.match(await page.locator('#my-requests').innerText(), new RegExp(`${month}-15`));
  // 希望シフト: 早番 on the 16th.
  await page.fill('#date', `${month}-16`);
  await page.selectOption('#pattern_id', { label: '早番' });
  await Promise.all([page.waitForLoadState('load'), page.click('#request')]);
  const mine = await page.locator('#my-requests').innerText();
  assert.match(mine, new RegExp(`${month}-15 休み（希望休） 通院`));
  assert.match(mine, new RegExp(`${month}-16 早番を希望`));
  await demo.shot(page, 'shifts-request');
  // The published rota of this month is visible to staff.
  await page.goto(`${demo.base}/web/shifts`);
  assert.ok((await page.locator('.months li').count()) >= 1);
});

test('the head sets rule weights for the facility and sees planned hours', async () => {
  const page = await demo.newPage({ width: 1280, height: 900 });
  await demo.signIn(page, 'head@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/shifts`);
  await Promise.all([page.waitForURL(/\/web\/shifts\/rules/), page.click('#rules-link')]);
  assert.equal(await page.inputValue('#weight_fairness'), '20');
  await page.fill('#weight_fairness', '40');
  await page.selectOption('#mode_shift_off_request', 'hard');
  await Promise.all([page.waitForURL(/saved=1/), page.click('#save-rules')]);
  assert.ok(await page.locator('#rules-saved').isVisible());
  assert.equal(await page.inputValue('#weight_fairness'), '40');
  assert.equal(await page.inputValue('#mode_shift_off_request'), 'hard');
  await demo.shot(page, 'shifts-rules');

  // The demo month's planned hours; without the messaging plugin there are no actuals.
  await page.goto(`${demo.base}/web/shifts`);
  await Promise.all([page.waitForURL(/\/web\/shifts\/rosters\/\d+$/),
                     page.locator('.months li a.month').last().click()]);
  const id = page.url().match(/rosters\/(\d+)$/)[1];
  await page.goto(`${demo.base}/web/shifts/rosters/${id}/hours`);
  assert.ok((await page.locator('#hours tbody tr').count()) >= 5);
  assert.ok(await page.locator('#no-actual').isVisible());
  await demo.shot(page, 'shifts-hours');
});

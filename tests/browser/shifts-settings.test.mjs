// The shift settings pages in the browser (demo data, tablet-sized): the head edits the shift
// patterns (an end before the start is refused with the row named and the values kept, then a
// part-time pattern is added) and the typed-in expected children (a negative count is refused),
// and the facility's opening hours and closed days (closing before opening is refused),
// and the city's childcare officer sets the city's ratio settings (a ratio looser than the law is
// refused). Screenshots of each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from './lib/harness.mjs';

let demo;
before(async () => {
  demo = await startDemo({ plugins: 'shifts', settings: { SUKUSUKU_SHIFTS_SOLVE_SECONDS: '0.5' } });
});
after(async () => { await demo?.stop(); });

test('the head edits shift patterns and expected children', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'head@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/shifts`);
  await Promise.all([page.waitForNavigation(), page.click('#patterns-link')]);
  assert.equal(await page.locator('h1').innerText(), '勤務パターン');
  assert.equal(await page.locator('input[name=name_0]').inputValue(), '早番');

  // 早番 ending before it starts: refused, the row named and marked, what was typed kept.
  await page.fill('input[name=end_0]', '06:00');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').innerText(),
               /1行目：終了時刻は開始時刻より後にしてください/);
  assert.equal(await page.locator('input[name=end_0]').inputValue(), '06:00');
  assert.equal(await page.locator('tr.invalid').getAttribute('data-row'), '0');
  await demo.shot(page, 'shifts-patterns-refused');

  // Fixed, and a short part-time pattern added in the empty row.
  await page.fill('input[name=end_0]', '16:00');
  const blank = await page.locator('tr[data-row]').count() - 2;
  await page.fill(`input[name=name_${blank}]`, '短時間');
  await page.fill(`input[name=start_${blank}]`, '09:00');
  await page.fill(`input[name=end_${blank}]`, '13:00');
  await page.fill(`input[name=brk_${blank}]`, '0');
  await page.check(`input[name=part_${blank}]`);
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.ok(await page.locator('#settings-saved').isVisible());
  assert.equal(await page.locator(`input[name=name_${blank}]`).inputValue(), '短時間');
  await demo.shot(page, 'shifts-patterns-saved');

  // Expected children: the demo's Monday rows; a negative count in an empty row is refused.
  await page.goto(`${demo.base}/web/shifts`);
  await Promise.all([page.waitForNavigation(), page.click('#expected-link')]);
  assert.equal(await page.locator('h1').innerText(), '見込み児童数');
  const typed = Number(await page.locator('#expected-total').innerText());
  assert.ok(typed > 0, 'the demo typed in Monday counts');
  const empty = await page.locator('tr[data-row]').count() - 1;
  await page.selectOption(`select[name=age_${empty}]`, '2');
  await page.fill(`input[name=arrive_${empty}]`, '08:00');
  await page.fill(`input[name=leave_${empty}]`, '16:30');
  await page.fill(`input[name=children_${empty}]`, '-1');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').innerText(), /マイナスは入力できません/);
  assert.equal(await page.locator('input[value="-1"]').count(), 1);
  await demo.shot(page, 'shifts-expected-refused');
  await page.locator('input[value="-1"]').fill('2');
  await page.check('input[name=copy_1]');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.ok(await page.locator('#settings-saved').isVisible());
  assert.equal(Number(await page.locator('#expected-total').innerText()), typed + 2);
  await demo.shot(page, 'shifts-expected-saved');

  // Opening hours and closed days: closing before opening is refused with the typed values
  // kept; then the nursery opens on holidays (休日保育).
  await page.goto(`${demo.base}/web/shifts`);
  await Promise.all([page.waitForNavigation(), page.click('#facility-link')]);
  assert.equal(await page.locator('h1').innerText(), '開所時間・休園日');
  assert.equal(await page.locator('input[name=opens_at]').inputValue(), '07:00');
  assert.equal(await page.locator('input[name=open_holidays]').isChecked(), false);
  await page.fill('input[name=closes_at]', '06:30');
  await page.check('input[name=open_holidays]');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').innerText(), /閉所時刻は開所時刻より後/);
  assert.equal(await page.locator('input[name=closes_at]').inputValue(), '06:30');
  assert.equal(await page.locator('input[name=open_holidays]').isChecked(), true);
  await demo.shot(page, 'shifts-facility-refused');
  await page.fill('input[name=closes_at]', '19:00');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.ok(await page.locator('#settings-saved').isVisible());
  assert.equal(await page.locator('input[name=open_holidays]').isChecked(), true);
  await demo.shot(page, 'shifts-facility-saved');
});

test('the city childcare officer sets the city ratio settings', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'kodomo@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/shifts/ratios`);
  assert.equal(await page.locator('h1').innerText(), '保育士配置基準（市）');
  assert.ok(await page.locator('#ratios-defaults').isVisible(), 'the national standard first');
  const row = await page.locator('input[type=date][value="2024-04-01"]').getAttribute('name');
  const i = row.split('_')[1];
  await page.fill(`input[name=a3_${i}]`, '20');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').innerText(),
               /3歳児は国の基準により保育士1人あたり15人までです/);
  await demo.shot(page, 'shifts-ratios-refused');
  // 1-year-olds at 5 per caregiver from next April (stricter than the law: allowed).
  const next = page.locator('tr[data-row]').last();
  const n = await next.getAttribute('data-row');
  await page.fill(`input[name=a3_${i}]`, '15');
  const year = new Date().getUTCFullYear() + 1;
  await page.fill(`input[name=from_${n}]`, `${year}-04-01`);
  for (const [age, v] of [[0, 3], [1, 5], [2, 6], [3, 15], [4, 25], [5, 25]]) {
    await page.fill(`input[name=a${age}_${n}]`, String(v));
  }
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.ok(await page.locator('#settings-saved').isVisible());
  assert.equal(await page.locator('#ratios-defaults').count(), 0);
  assert.equal(await page.locator(`input[type=date][value="${year}-04-01"]`).count(), 1);
  await demo.shot(page, 'shifts-ratios-saved');
});

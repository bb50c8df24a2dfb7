// Browser test of the admin pages: facility staff and a city officer sign in and walk every admin
// page (a screenshot of each), the head of a nursery creates a class and issues an invitation,
// the city officer dry-runs a bad CSV and sees line/column errors, and staff of one facility never
// see another facility's children.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo } from './lib/harness.mjs';

const data = join(dirname(fileURLToPath(import.meta.url)), '..', 'core', 'admin', 'data');
let demo;

before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

// Follows every admin entry of the navigation (and, with details, the first link of each list),
// with a screenshot of each page.
async function walk(page, prefix, { details = false } = {}) {
  const links = await page.locator('nav.nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const admin = links.filter((h) => h.startsWith('/web/admin/'));
  assert.ok(admin.length >= 4, `${prefix} sees admin pages in the navigation: ${links}`);
  for (const href of admin) {
    const res = await page.goto(`${demo.base}${href}`);
    assert.equal(res.status(), 200, `${prefix} ${href}`);
    const name = href.replace(/^\/web\/admin\//, '').replace(/\W+/g, '-');
    await demo.shot(page, `admin-${prefix}-${name}`);
    const first = page.locator('table.list tbody a').first();
    if (details && await first.count()) {
      const detail = await first.getAttribute('href');
      const r2 = await page.goto(`${demo.base}${detail}`);
      assert.equal(r2.status(), 200, `${prefix} ${detail}`);
      await demo.shot(page, `admin-${prefix}-${name}-detail`);
    }
  }
  return admin;
}

test('the head of a nursery walks the admin pages, creates a class and issues an invitation', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'head@demo.sukusuku.jp');
  const seen = await walk(page, 'head', { details: true });
  assert.ok(seen.includes('/web/admin/invitations'));
  assert.ok(!seen.includes('/web/admin/audit'), 'a facility head has no audit page');

  // Only ひまわり保育所: no other facility in the children list or its filter.
  await page.goto(`${demo.base}/web/admin/children`);
  const facilities = await page.locator('#child-filters-facility_id option').allInnerTexts();
  assert.deepEqual(facilities.filter((f) => f !== 'すべて'), ['ひまわり保育所']);
  const cells = await page.locator('table.list tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(cells.length > 10);
  assert.ok(cells.every((c) => c === 'ひまわり保育所'), 'only the own facility\'s children');

  // A class: first with a mistake (shown on the form), then right (flash message).
  await page.goto(`${demo.base}/web/admin/classes/new`);
  await page.fill('#class-name', 'にじ組');
  await page.fill('#class-age_group', '9');
  await Promise.all([page.waitForLoadState('load'), page.click('#class button[type=submit]')]);
  assert.match(await page.locator('[data-field=age_group] .field-error').innerText(), /範囲外/);
  assert.equal(await page.inputValue('#class-name'), 'にじ組', 'the value is kept');
  await demo.shot(page, 'admin-head-class-invalid');
  await page.fill('#class-age_group', '4');
  await Promise.all([page.waitForLoadState('load'), page.click('#class button[type=submit]')]);
  assert.match(await page.locator('.flash').innerText(), /にじ組/);
  assert.ok(await page.locator('table.list', { hasText: 'にじ組' }).count());
  await demo.shot(page, 'admin-head-class-created');

  // An invitation for the first household of the list.
  await page.goto(`${demo.base}/web/admin/households`);
  const household = await page.locator('table.list tbody a').first().getAttribute('href');
  const id = household.split('/').pop();
  await page.goto(`${demo.base}/web/admin/invitations?household_id=${id}`);
  await Promise.all([page.waitForLoadState('load'), page.click('#invite button[type=submit]')]);
  assert.match(await page.locator('p.code').innerText(), /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await demo.shot(page, 'admin-head-invitation-issued');
});

test('facility staff see their own facility only', async () => {
  const page = await demo.newPage({ width: 768, height: 1024 });
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await walk(page, 'staff');
  // Another facility's child, by id in the address bar: not found.
  await page.goto(`${demo.base}/web/admin/facilities`);
  const rows = await page.locator('table.list tbody tr').count();
  assert.equal(rows, 1, 'one facility');
  const res = await page.goto(`${demo.base}/web/admin/children?facility_id=2`);
  assert.equal(res.status(), 404);
  await demo.shot(page, 'admin-staff-other-facility-404');
});

test('a city officer walks the admin pages and dry-runs a bad CSV', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'kodomo@demo.sukusuku.jp');
  const seen = await walk(page, 'city');
  assert.ok(seen.includes('/web/admin/import'));
  await page.goto(`${demo.base}/web/admin/facilities`);
  assert.equal(await page.locator('table.list tbody tr').count(), 8, 'every facility of the city');
  assert.equal(await page.locator('table.list', { hasText: 'となり' }).count(), 0);

  await page.goto(`${demo.base}/web/admin/import`);
  await page.selectOption('#import-kind', 'children');
  await page.setInputFiles('#import-file', {
    name: 'children_bad.csv', mimeType: 'text/csv',
    buffer: readFileSync(join(data, 'children_bad.csv')),
  });
  await Promise.all([page.waitForLoadState('load'), page.click('#import button[type=submit]')]);
  const problems = await page.locator('table.list tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText)));
  const at = (line, column) => problems.some(([l, c]) => l === String(line) && c === column);
  assert.ok(at(2, 'birth_date'), 'bad date on line 2');
  assert.ok(at(3, 'facility_code'), 'unknown facility on line 3');
  assert.ok(at(5, 'external_id'), 'duplicate id on line 5');
  assert.ok(at(7, 'family_name'), 'broken encoding on line 7');
  assert.match(await page.locator('.panel').first().innerText(), /何も登録していません/);
  await demo.shot(page, 'admin-city-import-report');
});

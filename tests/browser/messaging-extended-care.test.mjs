// Browser test of the extended-care monthly report (延長保育月報) on a tablet: the facility head
// opens this month's report at ひまわり保育所 (demo settings and attendance), marks it reviewed
// and finalises it; the revision history then lists revision 1 as finalised. Screenshots:
// messaging-extended-care-draft.png, messaging-extended-care-finalised.png; and the entrance QR
// code drawn as an image on the door tablet (messaging-qr-image.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from './lib/harness.mjs';

let demo;

before(async () => {
  demo = await startDemo({ plugins: 'messaging' });
});

after(async () => {
  await demo?.stop();
});

test('the facility head reviews and finalises the month', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'head@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/messaging/extended-care`);
  assert.equal(await page.locator('h1').innerText(), '延長保育月報');
  // Early in a month the demo's five weekdays may all lie in the previous one.
  if ((await page.locator('#xc-table').count()) === 0) {
    await Promise.all([page.waitForLoadState('load'), page.locator('.xc-month a').first().click()]);
  }
  assert.ok((await page.locator('#xc-table tbody tr').count()) > 0, 'children in the report');
  assert.equal(await page.locator('#xc-state').getAttribute('class'), 'xc-badge s-draft');
  assert.match(await page.locator('#xc-rules').innerText(), /07:00–18:00/);
  await demo.shot(page, 'messaging-extended-care-draft');

  await Promise.all([page.waitForLoadState('load'), page.locator('#xc-review').click()]);
  assert.match(await page.locator('#xc-state').innerText(), /確認済み/);
  await Promise.all([page.waitForLoadState('load'), page.locator('#xc-finalise').click()]);
  assert.equal(await page.locator('#xc-state').innerText(), '確定済み');
  assert.equal(
    await page.locator('#xc-revisions tr[data-revision="1"]').getAttribute('data-status'),
    'finalised');
  // The downloads answer with files.
  const csv = await page.request.get(await page.locator('#xc-csv').getAttribute('href', { timeout: 1000 })
    .then((h) => new URL(h, demo.base).href));
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-disposition'], /extended-care-\d{4}-\d{2}-r1\.csv/);
  await demo.shot(page, 'messaging-extended-care-finalised');
});

test('the entrance QR code is an image on the door tablet', async () => {
  const page = await demo.newPage({ width: 768, height: 1024 });
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/messaging/qr`);
  const img = page.locator('#qr-image');
  await img.waitFor();
  // The SVG loaded and has a size (a broken image has naturalWidth 0).
  assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0));
  await demo.shot(page, 'messaging-qr-image');
});

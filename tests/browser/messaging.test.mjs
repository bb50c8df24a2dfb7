// Browser tests of the messaging staff pages on tablet sizes (1024×768 landscape, 768×1024
// portrait): the class board with one-tap check-in and check-out, the notices page with the
// day's summary, and the class contact book with the nursery side written from the form (a
// refused value shows the form again with the message; a photo is added).
// Screenshots are saved as artefacts (messaging-*.png).
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

test('the class board checks a child in and out with one tap each', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/messaging/board`);
  assert.equal(await page.locator('h1').innerText(), '登降園ボード');
  const before = Number(await page.locator('#count-present').innerText());
  const card = page.locator('.msg-child:has(button.msg-btn.in)').first();
  const child = await card.getAttribute('data-child');
  await Promise.all([page.waitForLoadState('load'), card.locator('button.msg-btn.in').click()]);
  const after = page.locator(`.msg-child[data-child="${child}"]`);
  assert.equal(await after.getAttribute('data-status'), 'present');
  assert.equal(Number(await page.locator('#count-present').innerText()), before + 1);
  await demo.shot(page, 'messaging-board-landscape');

  // Check out with the first authorised person offered.
  await Promise.all([page.waitForLoadState('load'), after.locator('button.msg-btn.outb').click()]);
  assert.equal(await page.locator(`.msg-child[data-child="${child}"]`).getAttribute('data-status'), 'left');

  const portrait = await demo.newPage({ width: 768, height: 1024 });
  await demo.signIn(portrait, 'staff@demo.sukusuku.jp');
  await portrait.goto(`${demo.base}/web/messaging/board`);
  await demo.shot(portrait, 'messaging-board-portrait');
  // Touch targets are at least 44 px high.
  const box = await portrait.locator('button.msg-btn.in').first().boundingBox();
  assert.ok(box.height >= 44, `button height ${box.height}`);
});

test('notices and the class contact book', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/messaging/notices`);
  assert.equal(await page.locator('h1').innerText(), '欠席・遅刻・早退連絡');
  assert.ok(Number(await page.locator('#summary-total').innerText()) >= 1);
  await demo.shot(page, 'messaging-notices');

  await page.goto(`${demo.base}/web/messaging/contact-book`);
  assert.equal(await page.locator('h1').innerText(), 'クラス連絡帳');
  const card = page.locator('.msg-cb').first();
  const child = await card.getAttribute('data-child');
  await card.locator('select[name=lunch]').selectOption('most');
  await card.locator('input[name=nap_start]').fill('12:40');
  await card.locator('input[name=nap_end]').fill('14:50');
  await card.locator('textarea[name=text]').fill('お散歩で公園に行きました。');
  // A refused value (60 °C) brings the class view back with this child's form as typed and the
  // message beside the temperature.
  await card.locator('input[name=temperature]').fill('60');
  await Promise.all([page.waitForLoadState('load'), card.locator('form.nursery button[type=submit]').click()]);
  const again = page.locator(`#child-${child}`);
  assert.match(await again.locator('.msg-field-error[data-field=temperature]').innerText(), /34\.0〜42\.0/);
  assert.equal(await again.locator('input[name=temperature]').inputValue(), '60');
  assert.equal(await again.locator('input[name=nap_start]').inputValue(), '12:40');
  assert.equal(await again.locator('select[name=lunch]').inputValue(), 'most');
  await demo.shot(page, 'messaging-contact-book-error');
  await again.locator('input[name=temperature]').fill('36.7');
  // A photo from the tablet (a 1×1 PNG), shown as a thumbnail after saving.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  await again.locator('input[name=photos]').setInputFiles({ name: 'walk.png', mimeType: 'image/png', buffer: png });
  await Promise.all([page.waitForLoadState('load'), again.locator('form.nursery button[type=submit]').click()]);
  const saved = page.locator(`#child-${child}`);
  assert.match(await saved.innerText(), /記入済み/);
  const thumb = saved.locator('form.nursery img.msg-photo').first();
  await thumb.waitFor();
  assert.ok(await thumb.evaluate((img) => img.complete && img.naturalWidth > 0), 'the thumbnail loads');
  await demo.shot(page, 'messaging-contact-book');

  const portrait = await demo.newPage({ width: 768, height: 1024 });
  await demo.signIn(portrait, 'staff@demo.sukusuku.jp');
  await portrait.goto(`${demo.base}/web/messaging/contact-book`);
  await demo.shot(portrait, 'messaging-contact-book-portrait');
});

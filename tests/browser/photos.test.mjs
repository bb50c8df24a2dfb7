// Photo sales in the browser: a staff member creates an album, uploads photos from the tablet
// with progress, tags a child; a parent (through the app's API) buys one and pays on the sandbox
// provider's checkout page; staff make the print-vendor batch; the head sees the sales report.
// Screenshots of every page land in $SUKUSUKU_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, password } from './lib/harness.mjs';

let demo, images;

before(async () => {
  demo = await startDemo({ plugins: 'photos' });
  images = mkdtempSync(join(tmpdir(), 'sukusuku-photos-'));
  for (const [i, colours] of ['red-blue', 'green-yellow', 'orange-purple'].entries()) {
    execFileSync('convert', ['-size', '900x600', `gradient:${colours}`, join(images, `IMG_${i}.jpg`)]);
  }
});

after(async () => {
  await demo?.stop();
  if (images) rmSync(images, { recursive: true, force: true });
});

async function api(token, method, path, body) {
  const res = await fetch(`${demo.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
}

function tokyoToday() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

test('upload, tag, buy, pay, batch and report', async () => {
  const login = await fetch(`${demo.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'guardian@demo.sukusuku.jp', password }),
  });
  assert.equal(login.status, 200);
  const token = (await login.json()).access_token;
  const me = await api(token, 'GET', '/api/v1/me');
  const classId = me.json.children.find((c) => c.class_id).class_id;

  const page = await demo.newPage({ width: 1180, height: 820 });  // a tablet in landscape
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/photos`);
  await demo.shot(page, 'photos-albums');
  await page.fill('#title', '運動会');
  await page.selectOption('#class_id', String(classId));
  await page.fill('#sales_until', tokyoToday());
  await Promise.all([page.waitForURL(/\/web\/photos\/albums\/\d+$/), page.click('#new-album button')]);
  const albumId = Number(page.url().match(/albums\/(\d+)/)[1]);

  await page.setInputFiles('#files', [0, 1, 2].map((i) => join(images, `IMG_${i}.jpg`)));
  await page.click('#upload-form button[type=submit]');
  await page.waitForSelector('#upload-status[data-state=done]');
  assert.match(await page.locator('#upload-status').innerText(), /3/);
  await page.waitForURL(/albums\/\d+$/);  // the page reloads itself after the upload
  for (let i = 0; i < 60; i++) {
    await page.goto(`${demo.base}/web/photos/albums/${albumId}`);
    if ((await page.locator('[data-status=processing]').count()) === 0) break;
    await page.waitForTimeout(250);
  }
  assert.equal(await page.locator('#photo-grid img').count(), 3, 'three thumbnails');
  await demo.shot(page, 'photos-album');

  await page.click('#tag-link');
  await page.locator('.tag-card').first().locator('.chip').first().click();
  await Promise.all([page.waitForLoadState('load'), page.locator('.tags-save').first().click()]);
  assert.equal(await page.locator('.tag-card').first().locator('input:checked').count(), 1);
  await demo.shot(page, 'photos-tagging');

  // The parent buys the last photo (untagged) as a download and pays on the checkout page.
  const photos = await api(token, 'GET', `/api/v1/photos/albums/${albumId}/photos`);
  assert.equal(photos.status, 200);
  const photoId = photos.json.items.at(-1).id;
  assert.equal((await api(token, 'POST', '/api/v1/photos/cart/items',
                          { photo_id: photoId, product: 'digital' })).status, 201);
  const order = await api(token, 'POST', '/api/v1/photos/orders',
                          { method: 'paypay', return_url: `${demo.base}/web/login` });
  assert.equal(order.status, 201);
  const parent = await demo.newPage({ width: 390, height: 844 });  // a phone
  await parent.goto(order.json.checkout_url);
  await demo.shot(parent, 'photos-sandbox-checkout');
  await Promise.all([parent.waitForURL(/\/web\/login/), parent.click('#sandbox-pay')]);
  const paid = await api(token, 'GET', `/api/v1/photos/orders/${order.json.id}`);
  assert.equal(paid.json.status, 'paid');
  const download = await fetch(`${demo.base}${paid.json.items[0].download_url}`);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'image/jpeg');

  await page.goto(`${demo.base}/web/photos/albums/${albumId}`);
  await Promise.all([page.waitForLoadState('load'), page.click('#make-batch')]);
  assert.match(await page.locator('#batch').innerText(), /1/);
  await demo.shot(page, 'photos-print-batch');
  await page.goto(`${demo.base}/web/photos/orders`);
  await demo.shot(page, 'photos-orders');

  const head = await demo.newPage();
  await demo.signIn(head, 'head@demo.sukusuku.jp');
  await head.goto(`${demo.base}/web/photos/reports`);
  assert.match(await head.locator('#report-total').innerText(), /300/);
  await demo.shot(head, 'photos-report');
});

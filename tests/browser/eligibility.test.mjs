// The city's benefit review in the browser: a childcare officer records a birth on a household
// page, two families apply from the app (API), and the officer approves one application and
// returns the other with a message, on a tablet; the families see the outcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, password } from './lib/harness.mjs';

let demo;

before(async () => { demo = await startDemo({ plugins: 'eligibility' }); });
after(async () => { await demo?.stop(); });

async function api(method, path, token, body) {
  const res = await fetch(`${demo.base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function token(login) {
  const r = await api('POST', '/api/v1/auth/login', null, { login, password });
  assert.equal(r.status, 200, `${login} signs in to the API`);
  return r.json.access_token;
}

test('a city officer reviews applications: approves one, returns one', async () => {
  const family = await token('family@demo.sukusuku.jp');
  const guardian = await token('guardian@demo.sukusuku.jp');
  const household = (await api('GET', '/api/v1/me', family)).json.household.id;

  // Before the birth the expecting family cannot apply: the error is on the form's field.
  const early = await api('POST', '/api/v1/eligibility/applications', family,
                          { programme: 'jidou_teate', declaration: true });
  assert.equal(early.status, 422);
  assert.ok(early.json.error.details.fields, 'errors per field');

  const page = await demo.newPage();
  await demo.signIn(page, 'kodomo@demo.sukusuku.jp');

  // The officer records the birth on the household page.
  await page.goto(`${demo.base}/web/eligibility/households/${household}`);
  const today = await page.locator('#birth_date').getAttribute('max');
  await page.fill('#given_name', '陽葵');
  await page.fill('#given_name_kana', 'ヒマリ');
  await page.fill('#birth_date', today);
  await Promise.all([page.waitForLoadState('load'), page.click('form.elig-form button[type=submit]')]);
  assert.match(await page.locator('.elig-done').innerText(), /出生を登録しました/);
  assert.match(await page.locator('body').innerText(), /児童手当 — プッシュ通知|児童手当 — 記録のみ/);
  await demo.shot(page, 'eligibility-household-birth');

  // Both families apply from the app.
  const a = await api('POST', '/api/v1/eligibility/applications', family,
                      { programme: 'jidou_teate', declaration: true });
  assert.equal(a.status, 201, JSON.stringify(a.json));
  const b = await api('POST', '/api/v1/eligibility/applications', guardian,
                      { programme: 'jidou_teate', declaration: true });
  assert.equal(b.status, 201, JSON.stringify(b.json));

  // The queue lists both.
  await page.goto(`${demo.base}/web/eligibility/applications`);
  assert.equal(await page.locator('h1').innerText(), '給付申請の審査');
  assert.equal(await page.locator('tr.elig-row').count(), 2);
  await demo.shot(page, 'eligibility-queue');

  // Approve the first, with the evaluator's result beside the application.
  await page.click(`tr.elig-row[data-id="${a.json.id}"] a.elig-open`);
  assert.match(await page.locator('#evaluation').innerText(), /対象/);
  await demo.shot(page, 'eligibility-application');
  await Promise.all([page.waitForLoadState('load'), page.click('#start-review')]);
  assert.equal(await page.locator('#status').innerText(), '審査中');
  await Promise.all([page.waitForLoadState('load'), page.click('#approve')]);
  assert.equal(await page.locator('#status').innerText(), '承認');
  await demo.shot(page, 'eligibility-approved');

  // Return the second with a message; without one the form says what is missing.
  await page.goto(`${demo.base}/web/eligibility/applications/${b.json.id}`);
  await Promise.all([page.waitForLoadState('load'), page.click('#return')]);
  assert.match(await page.locator('.form-error').innerText(), /理由/);
  await page.fill('#message', '振込先口座の名義を確認してください。');
  await Promise.all([page.waitForLoadState('load'), page.click('#return')]);
  assert.equal(await page.locator('#status').innerText(), '差し戻し');
  await page.setViewportSize({ width: 768, height: 1024 });
  await demo.shot(page, 'eligibility-returned-768x1024');

  // The families see the outcome in the app.
  const mineA = await api('GET', `/api/v1/eligibility/applications/${a.json.id}`, family);
  assert.equal(mineA.json.status, 'approved');
  const mineB = await api('GET', `/api/v1/eligibility/applications/${b.json.id}`, guardian);
  assert.equal(mineB.json.status, 'returned');
  assert.equal(mineB.json.officer_message, '振込先口座の名義を確認してください。');
  // And neither sees the other's.
  assert.equal((await api('GET', `/api/v1/eligibility/applications/${a.json.id}`, guardian)).status, 404);
});

test('an officer adds a supporting shop and a phone finds it nearest first', async () => {
  const page = await demo.newPage();
  await demo.signIn(page, 'kodomo@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/eligibility/shops`);
  await page.fill('#name', 'すくすく駅前こども食堂');
  await page.selectOption('#category', 'food');
  await page.fill('#offer', '子ども1食無料');
  await page.fill('#address', '中央町1-1');
  await page.fill('#lat', '34.48941');
  await page.fill('#lon', '133.36261');
  await Promise.all([page.waitForLoadState('load'), page.click('form.elig-form button[type=submit]')]);
  assert.match(await page.locator('.elig-done').innerText(), /追加しました/);
  await demo.shot(page, 'eligibility-shops');
  const guardian = await token('guardian@demo.sukusuku.jp');
  const near = await api('GET', '/api/v1/eligibility/shops?lat=34.4894&lon=133.3626&radius_m=500', guardian);
  assert.equal(near.status, 200);
  assert.equal(near.json.items[0].name, 'すくすく駅前こども食堂');
});

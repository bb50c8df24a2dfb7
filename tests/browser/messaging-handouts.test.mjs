// Browser tests of handouts and surveys on the staff tablet (1024×768): compose a handout with a
// PDF for the demo family, see the read receipt move from 0/1 to 1/1 when the guardian reads it
// in the app (over the API); draft a survey (a bad value brings the form back with the message
// beside the question), send it, the guardian answers, the tally chart shows it, close it early.
// Screenshots: messaging-handout-*.png, messaging-survey-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, password } from './lib/harness.mjs';

let demo;

before(async () => {
  demo = await startDemo({ plugins: 'messaging' });
});

after(async () => {
  await demo?.stop();
});

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

test('compose a handout with a PDF, then see the read receipt', async () => {
  const guardian = await token('guardian@demo.sukusuku.jp');
  const household = (await api('GET', '/api/v1/me', guardian)).json.household.id;
  const dir = mkdtempSync(join(tmpdir(), 'handout-'));
  const pdf = join(dir, '12月のおたより.pdf');
  writeFileSync(pdf, '%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

  const page = await demo.newPage();
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/messaging/handouts`);
  assert.equal(await page.locator('h1').innerText(), 'お便り・配布物');
  await page.locator('#compose').click();
  await page.locator('input[name=title]').fill('12月の園だより');
  await page.locator('textarea[name=body]').fill(
    '寒くなってきました。\n\n**持ち物**\n- 上履き\n- 着替え\n\n<b>HTMLは表示されません</b>');
  await page.locator('input[name=audience][value=families]').check();
  await page.locator('details summary').first().click();
  await page.locator(`input[name=household_id][value="${household}"]`).check();
  await page.locator('input[name=attachments]').setInputFiles(pdf);
  await demo.shot(page, 'messaging-handout-compose');
  await Promise.all([page.waitForURL(/\/web\/messaging\/handouts\/\d+$/), page.locator('#send').click()]);
  assert.equal(await page.locator('#receipt-label').innerText(), '既読 0/1');
  assert.equal(await page.locator('.msg-richtext strong').innerText(), '持ち物');
  assert.equal(await page.locator('.msg-richtext b').count(), 0);
  const id = page.url().split('/').pop();

  const list = await api('GET', '/api/v1/messaging/handouts', guardian);
  assert.equal(list.status, 200);
  assert.equal(list.json.items[0].title, '12月の園だより');
  assert.equal(list.json.items[0].attachments[0].filename, '12月のおたより.pdf');
  assert.equal((await api('POST', `/api/v1/messaging/handouts/${id}/read`, guardian)).status, 200);

  await page.reload();
  assert.equal(await page.locator('#receipt-label').innerText(), '既読 1/1');
  await demo.shot(page, 'messaging-handout-receipts');
  await page.goto(`${demo.base}/web/messaging/handouts`);
  assert.equal(await page.locator(`tr[data-handout="${id}"] .msg-receipt`).getAttribute('data-receipt'), '1/1');
  await demo.shot(page, 'messaging-handout-list');
});

test('create a survey and see the tally', async () => {
  const guardian = await token('guardian@demo.sukusuku.jp');
  const household = (await api('GET', '/api/v1/me', guardian)).json.household.id;
  const page = await demo.newPage();
  await demo.signIn(page, 'staff@demo.sukusuku.jp');
  await page.goto(`${demo.base}/web/messaging/surveys`);
  assert.equal(await page.locator('h1').innerText(), 'アンケート');
  await page.locator('#new-survey').click();
  await page.locator('input[name=title]').fill('遠足のアンケート');
  await page.locator('input[name=audience][value=families]').check();
  await page.locator('details summary').first().click();
  await page.locator(`input[name=household_id][value="${household}"]`).check();
  await page.locator('input[name=q1_label]').fill('遠足に参加しますか');
  await page.locator('select[name=q1_kind]').selectOption('single');
  await page.locator('textarea[name=q1_options]').fill('参加\n不参加');
  await page.locator('input[name=q1_required]').check();
  await page.locator('input[name=q2_label]').fill('ご意見');
  await page.locator('select[name=q2_kind]').selectOption('text');
  await demo.shot(page, 'messaging-survey-compose');
  // A bad value (one option only) brings the form back with what was typed and the message on
  // that question, not the error page.
  await page.locator('textarea[name=q1_options]').fill('参加');
  await Promise.all([page.waitForLoadState('load'), page.locator('#create').click()]);
  assert.match(await page.locator('#form-error').innerText(), /選択肢は1行に1つ/);
  assert.match(await page.locator('.msg-field-error[data-field=q1]').innerText(), /選択肢は1行に1つ/);
  assert.equal(await page.locator('input[name=title]').inputValue(), '遠足のアンケート');
  assert.equal(await page.locator('input[name=q2_label]').inputValue(), 'ご意見');
  assert.equal(await page.locator('select[name=q2_kind]').inputValue(), 'text');
  assert.ok(await page.locator(`input[name=household_id][value="${household}"]`).isChecked());
  await demo.shot(page, 'messaging-survey-form-error');
  await page.locator('textarea[name=q1_options]').fill('参加\n不参加');
  await Promise.all([page.waitForURL(/\/web\/messaging\/surveys\/\d+$/), page.locator('#create').click()]);
  // A draft: nobody is asked until it is sent.
  assert.equal(await page.locator('#survey-status').innerText(), '下書き');
  assert.equal(await page.locator('#responded').innerText(), '回答 0/0');
  const id = page.url().split('/').pop();
  assert.equal((await api('GET', `/api/v1/messaging/surveys/${id}`, guardian)).status, 404);
  await Promise.all([page.waitForURL(/\/web\/messaging\/surveys\/\d+$/), page.locator('#send-survey').click()]);
  assert.equal(await page.locator('#survey-status').innerText(), '回答受付中');
  assert.equal(await page.locator('#responded').innerText(), '回答 0/1');

  const survey = (await api('GET', `/api/v1/messaging/surveys/${id}`, guardian)).json;
  const [q1, q2] = survey.questions.map((q) => String(q.id));
  const bad = await api('PUT', `/api/v1/messaging/surveys/${id}/answers`, guardian, { answers: { [q1]: 'たぶん' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.code, 'messaging.unknown_option');
  const ok = await api('PUT', `/api/v1/messaging/surveys/${id}/answers`, guardian,
                       { answers: { [q1]: '参加', [q2]: '楽しみにしています' } });
  assert.equal(ok.status, 201);

  await page.reload();
  assert.equal(await page.locator('#responded').innerText(), '回答 1/1');
  assert.equal(await page.locator('g[data-option="参加"]').getAttribute('data-count'), '1');
  assert.equal(await page.locator('g[data-option="不参加"]').getAttribute('data-count'), '0');
  assert.match(await page.locator('.msg-texts').innerText(), /楽しみにしています/);
  await demo.shot(page, 'messaging-survey-tally');
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), `/web/messaging/surveys/${id}/export.csv`);
  assert.match(csv, /遠足に参加しますか/);
  assert.match(csv, /参加,楽しみにしています/);

  // Closed early: the guardian's next answer is refused.
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForURL(/\/web\/messaging\/surveys\/\d+$/), page.locator('#close-survey').click()]);
  assert.equal(await page.locator('#survey-status').innerText(), '締切済み');
  const late = await api('PUT', `/api/v1/messaging/surveys/${id}/answers`, guardian,
                         { answers: { [q1]: '不参加' } });
  assert.equal(late.status, 422);
  assert.equal(late.json.error.code, 'messaging.survey_closed');
});

// Browser tests of the staff web shell: signing in as staff and as a city officer, the start
// page they land on, a wrong password, English, and tablet sizes. Debian's Chromium, driven by
// playwright-core; every page is saved as a screenshot in $SUKUSUKU_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.SUKUSUKU_BIN;
const artifacts = process.env.SUKUSUKU_ARTIFACTS ?? join(tmpdir(), 'sukusuku-browser-artifacts');
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'sukusuku-browser-'));
const env = { ...process.env, SUKUSUKU_DATA_DIR: join(work, 'var'), SUKUSUKU_HTTP_PORT: '0',
              SUKUSUKU_LOG_ACCESS: 'false', SUKUSUKU_PLUGINS_ENABLED: '' };
let server, base, browser;

before(async () => {
  assert.ok(bin, 'SUKUSUKU_BIN names the built sukusuku binary');
  execFileSync(bin, ['seed-demo'], { env, cwd: work, stdio: 'ignore' });
  server = spawn(bin, ['serve'], { env, cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(chunk.toString());
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

async function signIn(page, login, password = 'sukusuku-demo') {
  await page.goto(`${base}/web`);
  assert.match(page.url(), /\/web\/login\?next=/, 'an anonymous visit goes to the login page');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

test('staff sign in and land on their start page', async () => {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await signIn(page, 'staff@demo.sukusuku.jp');
  assert.equal(new URL(page.url()).pathname, '/web');
  assert.equal(await page.locator('h1').innerText(), 'ホーム');
  assert.match(await page.locator('.greeting').innerText(), /保育士 デモ さん、こんにちは/);
  assert.equal(await page.locator('.role').innerText(), '施設職員');
  const session = (await context.cookies()).find((c) => c.name === 'sukusuku_session');
  assert.ok(session, 'a session cookie is set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  await page.screenshot({ path: join(artifacts, 'staff-home-1024x768.png'), fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: join(artifacts, 'staff-home-768x1024.png'), fullPage: true });
  // Signing out ends the session: the start page asks for a login again.
  await Promise.all([page.waitForLoadState('load'), page.click('button.logout')]);
  await page.goto(`${base}/web`);
  assert.match(page.url(), /\/web\/login/);
  await context.close();
});

test('a city officer signs in and sees the city role', async () => {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await signIn(page, 'kodomo@demo.sukusuku.jp');
  assert.equal(new URL(page.url()).pathname, '/web');
  assert.equal(await page.locator('.role').innerText(), '市 こども課');
  await page.screenshot({ path: join(artifacts, 'city-officer-home.png'), fullPage: true });
  await context.close();
});

test('a wrong password is refused with a message and no session', async () => {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await signIn(page, 'staff@demo.sukusuku.jp', 'not-the-password');
  assert.match(page.url(), /\/web\/login/);
  const alert = page.locator('[role=alert]');
  assert.match(await alert.innerText(), /ログインIDまたはパスワード|正しくありません/,
               'the form says, in Japanese, what went wrong');
  assert.equal(await page.inputValue('#login'), 'staff@demo.sukusuku.jp', 'the login is kept');
  assert.ok(!(await context.cookies()).some((c) => c.name === 'sukusuku_session'));
  await page.screenshot({ path: join(artifacts, 'login-wrong-password.png'), fullPage: true });
  await context.close();
});

test('the login page speaks English when asked', async () => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 768, height: 1024 } });
  const page = await context.newPage();
  await page.goto(`${base}/web/login`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.screenshot({ path: join(artifacts, 'login-en.png'), fullPage: true });
  await context.close();
});

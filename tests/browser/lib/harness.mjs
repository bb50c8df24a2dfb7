// Shared set-up for browser tests: a seeded demo server from the built binary on a free port,
// Debian's Chromium through playwright-core, sign-in and screenshots.
//
//   import { startDemo } from './lib/harness.mjs';
//   const demo = await startDemo({ plugins: 'messaging' });   // in before()
//   const page = await demo.newPage();                         // ja-JP, 1024x768 by default
//   await demo.signIn(page, 'staff@demo.sukusuku.jp');
//   await demo.shot(page, 'messaging-board');                  // artifacts/messaging-board.png
//   await demo.stop();                                         // in after()
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const password = 'sukusuku-demo';

export async function startDemo({ plugins = '', settings = {}, seed = true } = {}) {
  const bin = process.env.SUKUSUKU_BIN;
  assert.ok(bin, 'SUKUSUKU_BIN names the built sukusuku binary');
  const artifacts = process.env.SUKUSUKU_ARTIFACTS ?? join(tmpdir(), 'sukusuku-browser-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'sukusuku-browser-'));
  const env = { ...process.env, SUKUSUKU_DATA_DIR: join(work, 'var'), SUKUSUKU_HTTP_PORT: '0',
                SUKUSUKU_LOG_ACCESS: 'false', SUKUSUKU_PLUGINS_ENABLED: plugins, ...settings };
  if (seed) execFileSync(bin, ['seed-demo'], { env, cwd: work, stdio: 'ignore' });
  const server = spawn(bin, ['serve'], { env, cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(chunk.toString());
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    base, env, work, browser, bin,
    async newPage({ width = 1024, height = 768, locale = 'ja-JP' } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, locale });
      return context.newPage();
    },
    async signIn(page, login, pw = password) {
      await page.goto(`${base}/web/login`);
      await page.fill('#login', login);
      await page.fill('#password', pw);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert.doesNotMatch(page.url(), /\/web\/login/, `${login} signed in`);
    },
    async shot(page, name) {
      await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    },
    // Runs the CLI against the same data folder (e.g. ['fees', 'bill', ...]).
    cli(args) {
      return execFileSync(bin, args, { env, cwd: work, encoding: 'utf8' });
    },
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
      rmSync(work, { recursive: true, force: true });
    },
  };
}

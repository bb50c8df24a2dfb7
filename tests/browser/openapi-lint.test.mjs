// Lints the OpenAPI document the running server publishes (core, modules and plugins merged)
// with @redocly/cli's recommended rules: errors fail the test, warnings are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

test('the published OpenAPI document passes redocly lint', async () => {
  const bin = process.env.SUKUSUKU_BIN;
  assert.ok(bin, 'SUKUSUKU_BIN names the built sukusuku binary');
  const work = mkdtempSync(join(tmpdir(), 'sukusuku-openapi-'));
  const env = { ...process.env, SUKUSUKU_DATA_DIR: join(work, 'var'), SUKUSUKU_HTTP_PORT: '0',
                SUKUSUKU_LOG_ACCESS: 'false', SUKUSUKU_PLUGINS_ENABLED: 'eligibility,messaging,shifts,photos,fees' };
  const server = spawn(bin, ['serve'], { env, cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise((resolve, reject) => {
      server.stdout.on('data', (chunk) => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(chunk.toString());
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const res = await fetch(`${base}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.openapi, '3.1.0');
    const file = join(work, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const lint = spawnSync(join(here, 'node_modules', '.bin', 'redocly'),
                           ['lint', '--format=stylish', file],
                           { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off',
                                                      REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
    process.stdout.write(lint.stdout + lint.stderr);
    assert.equal(lint.status, 0, 'redocly lint found errors in the OpenAPI document');
  } finally {
    server.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
});

// Write load with client-side accounting, for the fault scenarios. Each worker registers devices
// (POST /api/v1/devices, a unique token each) through nginx as a guardian, with the token as its
// Idempotency-Key. A request that fails (connection reset, 5xx, 409 "still running") is retried
// with the same key until it is acknowledged or `--give-up` seconds pass. When the stop file
// appears the workers finish their current request and the summary is printed as JSON:
//   {acked, gave_up, attempts, statuses: {"201": n, "503": n, "network": n, ...}}
// and the acknowledged tokens go to --acked FILE, one a line, for counting against the database.
//
//   node writer.mjs --url https://127.0.0.1:18443 --token ACCESS --prefix run1 --workers 4 \
//        --stop FILE --acked FILE [--give-up 60]
// Run with NODE_EXTRA_CA_CERTS=<the cluster's tls.crt>.
import { writeFileSync, existsSync } from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const url = args.url, token = args.token, prefix = args.prefix ?? 'w';
const workers = Number(args.workers ?? 4), giveUp = Number(args['give-up'] ?? 60) * 1000;
const stats = { acked: 0, gave_up: 0, attempts: 0, statuses: {} };
const acked = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const count = (k) => { stats.statuses[k] = (stats.statuses[k] ?? 0) + 1; };

async function registerOnce(tok) {
  const started = Date.now();
  for (;;) {
    stats.attempts++;
    let status = 'network';
    try {
      const res = await fetch(`${url}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': tok },
        body: JSON.stringify({ token: tok, platform: 'android', app_version: '1.0.0' }),
        signal: AbortSignal.timeout(15000),
      });
      status = String(res.status);
      await res.arrayBuffer();
    } catch { /* network error: retried */ }
    count(status);
    if (status === '201' || status === '200') return true;
    if (status.startsWith('4') && status !== '409' && status !== '429') {
      // A client error other than "still running" would repeat forever: count it and stop.
      return false;
    }
    if (Date.now() - started > giveUp) return false;
    await sleep(200);
  }
}

async function worker(w) {
  for (let n = 0; !existsSync(args.stop); n++) {
    const tok = `${prefix}-${w}-${n}`;
    if (await registerOnce(tok)) { stats.acked++; acked.push(tok); } else { stats.gave_up++; }
  }
}

await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
writeFileSync(args.acked, acked.join('\n') + (acked.length ? '\n' : ''));
console.log(JSON.stringify(stats));

// probe.mjs — a normal client measuring what it gets while something else
// loads the server: one request at a time, every INTERVAL ms, for SECONDS,
// each on a fresh connection (a new visitor), from a given local address
// so that it is not the attacker's address (127.0.0.2 reaches 127.0.0.1
// on Linux).
//
//   node tests/load/probe.mjs BASE PATHS_CSV SECONDS [INTERVAL_MS] [LOCAL_ADDRESS]
//
// Prints one JSON line: {sent, ok, failed, errors: {...}, p50_ms, p99_ms,
// max_ms}. ok means a 200 with a complete body within 5 s. Stops by
// itself after SECONDS (+5 s for the last request).
import http from 'node:http';

const [base, pathsCsv, seconds, intervalMs = '100', localAddress = '127.0.0.2'] = process.argv.slice(2);
if (!base || !pathsCsv || !seconds) {
  console.error('usage: probe.mjs BASE PATHS_CSV SECONDS [INTERVAL_MS] [LOCAL_ADDRESS]');
  process.exit(2);
}
const paths = pathsCsv.split(',');
const { hostname, port } = new URL(base);
const until = Date.now() + Number(seconds) * 1000;
const times = [];
const errors = {};
let sent = 0;
let ok = 0;

function once(p) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const fail = (why) => {
      errors[why] = (errors[why] || 0) + 1;
      resolve();
    };
    const req = http.request(
      { host: hostname, port: Number(port), path: p, localAddress, agent: false, headers: { connection: 'close' }, timeout: 5000 },
      (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (res.statusCode !== 200) return fail(`status ${res.statusCode}`);
          if (res.headers['content-length'] && Number(res.headers['content-length']) !== n) return fail('short body');
          ok++;
          times.push(ms);
          resolve();
        });
        res.on('error', (e) => fail(e.code || 'response error'));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      fail('timeout (5 s)');
    });
    req.on('error', (e) => fail(e.code || e.message));
    req.end();
  });
}

while (Date.now() < until) {
  const started = Date.now();
  await once(paths[sent % paths.length]);
  sent++;
  const wait = Number(intervalMs) - (Date.now() - started);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
times.sort((a, b) => a - b);
const q = (f) => (times.length ? Number(times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(2)) : null);
console.log(JSON.stringify({ sent, ok, failed: sent - ok, errors, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: times.length ? Number(times[times.length - 1].toFixed(2)) : null }));

// limits.mjs — API tests of the limits a hostile or greedy client meets
// (issue 7): the per-address rate limit (429), the time limit of a read's
// database work (503 query-timeout), request framing that could smuggle a
// second request (400 / 501 and the connection closed), and the headers
// every response carries for browsers. Registered into run.mjs's harness:
//
//   import { registerLimitTests } from './limits.mjs';
//   registerLimitTests({ test, req, startServer, stopServer, BIN, ROOT, tmpDir });
//
// Every response read through req() is checked against openapi.yaml.
// The framing rows use raw sockets: no HTTP client would send them.
// The wider table of hostile requests is tests/hostile/run.mjs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// A query that makes FTS5 work for tens of milliseconds on the 65
// Federalist papers: twenty prefixes, each expanding to hundreds of terms.
const HEAVY_Q = 'abcdefghijklmnopqrst'
  .split('')
  .map((c) => `${c}*`)
  .join(' OR ');

export function registerLimitTests(h) {
  const { test, req, startServer, stopServer, BIN, ROOT, tmpDir } = h;
  const L = {};
  const need = (...keys) => {
    for (const k of keys) if (L[k] === undefined) throw new Error(`skipped: the limits setup did not provide ${k}`);
  };

  // Sends bytes, collects everything until the server closes (or ms pass).
  function exchange(base, bytes, ms = 4000) {
    const { hostname, port } = new URL(base);
    return new Promise((resolve) => {
      const sock = net.connect({ host: hostname, port: Number(port) });
      const chunks = [];
      const started = Date.now();
      let closed = false;
      const timer = setTimeout(() => sock.destroy(), ms);
      sock.on('connect', () => sock.write(bytes));
      sock.on('data', (c) => chunks.push(c));
      sock.on('error', () => {});
      sock.on('close', () => {
        closed = Date.now() - started < ms;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('latin1');
        const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
        const body = text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
        resolve({ text, statuses, body, closedByServer: closed, ms: Date.now() - started });
      });
    });
  }

  test('limits setup: the Federalist papers in a database of their own', async () => {
    const tmp = tmpDir();
    assert.ok(tmp, 'no temporary directory');
    L.db = path.join(tmp, 'limits.db');
    const dir = path.join(ROOT, 'tests/fixtures/federalist');
    assert.ok(readdirSync(dir).length >= 60, 'the Federalist fixtures are missing');
    const r = spawnSync(BIN, ['import', '--db', L.db, dir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `import: ${r.stderr}`);
  });

  test('rate limit: off by default; with --rate-limit 5 --rate-burst 5 the sixth request at once is a 429 with Retry-After', async () => {
    need('db');
    const free = await startServer(['--quiet'], { db: L.db });
    const rl = await startServer(['--rate-limit', '5', '--rate-burst', '5', '--quiet'], { db: L.db });
    try {
      for (let k = 0; k < 20; k++) assert.equal((await req('GET', '/v1/articles?limit=1', { base: free.base })).status, 200);
      const statuses = [];
      let limited = null;
      for (let k = 0; k < 8; k++) {
        const res = await req('GET', '/v1/articles?limit=1', { base: rl.base });
        statuses.push(res.status);
        if (res.status === 429 && !limited) limited = res;
      }
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200], `the burst: ${statuses}`);
      assert.ok(limited, `no 429 in ${statuses}`);
      assert.equal(limited.headers['content-type'], 'application/problem+json');
      assert.equal(limited.json.type, '/problems/rate-limited');
      assert.equal(limited.json.status, 429);
      assert.match(limited.json.detail, /more than 5 requests per second/);
      assert.match(limited.headers['retry-after'], /^[1-9][0-9]*$/);
      // /healthz is never limited (load balancers poll it).
      for (let k = 0; k < 10; k++) assert.equal((await req('GET', '/healthz', { base: rl.base })).status, 200);
      // The bucket refills: after the Retry-After, requests pass again.
      await new Promise((r) => setTimeout(r, 1000 * Number(limited.headers['retry-after']) + 100));
      assert.equal((await req('GET', '/v1/articles?limit=1', { base: rl.base })).status, 200);
    } finally {
      await stopServer(rl);
      await stopServer(free);
    }
  });

  test('query time limit: a search over its --query-timeout-ms is a 503 query-timeout with Retry-After; within it, 200', async () => {
    need('db');
    const tight = await startServer(['--query-timeout-ms', '1', '--cache-mb', '0', '--quiet'], { db: L.db });
    // A generous limit, not the default: under valgrind the query takes seconds.
    const normal = await startServer(['--cache-mb', '0', '--query-timeout-ms', '60000', '--quiet'], { db: L.db });
    try {
      const p = `/v1/search?q=${encodeURIComponent(HEAVY_Q)}`;
      const slow = await req('GET', p, { base: tight.base, allow5xx: true });
      assert.equal(slow.status, 503, slow.text);
      assert.equal(slow.json.type, '/problems/query-timeout');
      assert.match(slow.json.detail, /more than 1 ms of database work/);
      assert.equal(slow.headers['retry-after'], '1');
      assert.equal(slow.headers['cache-control'], 'no-store');
      // The connection's next request is not affected by the last one's limit.
      assert.equal((await req('GET', '/healthz', { base: tight.base })).status, 200);
      const ok = await req('GET', p, { base: normal.base });
      assert.equal(ok.status, 200, ok.text);
      assert.ok(ok.json.data.length > 0, 'the heavy query finds nothing');
      assert.doesNotMatch(tight.stderr, /internal error/, 'a timeout is not logged as an internal error');
    } finally {
      await stopServer(tight);
      await stopServer(normal);
    }
  });

  test('framing: two Content-Length headers are a 400 and the connection closes; the request hidden behind is never answered', async () => {
    need('db');
    const s = await startServer(['--quiet'], { db: L.db });
    try {
      const smuggled = 'GET /v1/articles/1 HTTP/1.1\r\nHost: x\r\n\r\n';
      const r = await exchange(
        s.base,
        `POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: ${5 + smuggled.length}\r\n\r\nhello${smuggled}`,
      );
      assert.deepEqual(r.statuses, [400], r.text);
      assert.ok(r.closedByServer, 'the connection stayed open');
      const body = JSON.parse(r.body);
      assert.equal(body.type, '/problems/bad-request');
      assert.match(body.detail, /more than one Content-Length/);
      assert.match(r.text, /^Connection: close\r$/im);
    } finally {
      await stopServer(s);
    }
  });

  test('framing: Content-Length with Transfer-Encoding is a 400, a transfer coding but chunked a prompt 501; both close', async () => {
    need('db');
    const s = await startServer(['--quiet'], { db: L.db });
    try {
      const both = await exchange(s.base, 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      assert.deepEqual(both.statuses, [400], both.text);
      assert.match(JSON.parse(both.body).detail, /both Content-Length and Transfer-Encoding/);
      assert.ok(both.closedByServer);
      for (const te of ['gzip', 'chunked, gzip', 'gzip, chunked']) {
        const r = await exchange(s.base, `POST /v1/articles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\n\r\nabc`);
        assert.deepEqual(r.statuses, [501], `${te}: ${r.text}`);
        assert.equal(JSON.parse(r.body).type, '/problems/not-implemented');
        assert.ok(r.closedByServer && r.ms < 2000, `${te}: answered after ${r.ms} ms, closed: ${r.closedByServer}`);
      }
      const two = await exchange(s.base, 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      assert.deepEqual(two.statuses, [400], two.text);
      // A chunked GET body is read and ignored: the GET is answered.
      const get = await exchange(s.base, 'GET /v1/articles/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
      assert.deepEqual(get.statuses, [200], get.text.slice(0, 300));
    } finally {
      await stopServer(s);
    }
  });

  test('headers: every kind of answer carries nosniff and the CSP, and no version of the server software', async () => {
    need('db');
    const s = await startServer(['--rate-limit', '1', '--rate-burst', '1', '--quiet'], { db: L.db });
    try {
      const answers = [
        await req('GET', '/v1/articles?limit=1', { base: s.base }), // 200
        await req('GET', '/v1/articles?limit=1', { base: s.base }), // 429
        await req('GET', '/healthz', { base: s.base }),
      ];
      await new Promise((r) => setTimeout(r, 1100));
      answers.push(await req('GET', '/v1/nothing-here', { base: s.base })); // 404
      await new Promise((r) => setTimeout(r, 1100));
      answers.push(await req('GET', '/v1/articles?limit=0', { base: s.base })); // 400
      assert.deepEqual(answers.map((a) => a.status), [200, 429, 200, 404, 400]);
      for (const a of answers) {
        assert.equal(a.headers['x-content-type-options'], 'nosniff', `${a.status}`);
        assert.equal(a.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", `${a.status}`);
        assert.ok(!a.headers.server || !/[0-9]/.test(a.headers.server), `Server: ${a.headers.server}`);
      }
    } finally {
      await stopServer(s);
    }
  });
}

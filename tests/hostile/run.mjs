#!/usr/bin/env node
// Hostile HTTP requests against a real essayd, over raw TCP sockets.
//
//   ESSAYD_BIN=build/essayd node tests/hostile/run.mjs        (from the repo root)
//   ESSAYD_BIN=build-san/essayd node tests/hostile/run.mjs    (ASan + UBSan build)
//
// Imports db/corpus and tests/fixtures/api/*.txt into a fresh SQLite file in
// a temporary directory, starts `essayd serve --port 0 --timeout 5` on
// 127.0.0.1, and sends every row of the table below with node:net — no HTTP
// client library, so that malformed, split, pipelined, smuggled and
// abandoned requests reach the server byte for byte as written. Responses
// are parsed here (status line, headers, Content-Length or chunked body).
//
// Each row names what a hardened server should answer (RFC 9110/9112; for
// essayd's own errors an application/problem+json body), not what the
// server happens to do today. Statuses that libmicrohttpd produces itself
// are marked `mhd` and only their status is checked (a response without
// X-Request-Id is libmicrohttpd's; one with it is essayd's and is checked
// in full). Every essayd response must carry X-Content-Type-Options:
// nosniff, the Content-Security-Policy below, and no versioned Server
// header.
//
// After every row the server must still be running and answer
// GET /healthz; after the table, GET /v1/articles/1 must be a 200 with
// JSON, and SIGTERM must stop the server within 5 s with status 0 and no
// sanitizer report on its stderr.
//
// Prints `ok - NAME` or `not ok - NAME: WHY` per row and ends with
// `N passed, N failed`; exits 1 if anything failed. Every row has a hard
// time limit (ROW_LIMIT_MS) and the whole run one too (OVERALL_LIMIT_MS).
// HOSTILE_ONLY=REGEX runs only the rows whose names match; HOSTILE_VERBOSE=1
// prints what each row received.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(process.cwd(), process.env.ESSAYD_BIN || path.join(ROOT, 'build/essayd'));
const CORPUS_DIR = path.join(ROOT, 'db/corpus');
const FIXTURE_DIR = path.join(ROOT, 'tests/fixtures/api');

const ROW_LIMIT_MS = 8_000; // hard limit per row
const OVERALL_LIMIT_MS = Number(process.env.HOSTILE_TIMEOUT_MS) || 300_000; // hard limit for the whole run
const STARTUP_LIMIT_MS = 15_000;
const SHUTDOWN_LIMIT_MS = 5_000;
const SERVER_TIMEOUT_S = 5; // --timeout: idle connections
const CLOSE_WITHIN_MS = 2_000; // a connection the server must close, closed by then
const QUIET_MS = 500; // how long to listen for an extra (smuggled) response

const HOST = '127.0.0.1';
const CSP = "default-src 'none'; frame-ancestors 'none'";
const VERBOSE = process.env.HOSTILE_VERBOSE === '1';
const ONLY = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : null;

// Sanitizer runtimes: the same settings as tests/run.sh unless given.
const SAN_ENV = {
  ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
  UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
  LSAN_OPTIONS:
    process.env.LSAN_OPTIONS ||
    (existsSync(path.join(ROOT, 'tests/lsan.supp')) ? `suppressions=${path.join(ROOT, 'tests/lsan.supp')}` : ''),
};
const SANITIZER_REPORT = /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/;

// ---------------------------------------------------------------------------
// Results, and the last line on every way out.

let passed = 0;
let failed = 0;
let finished = false;
let server = null;
let tmp = null;

function ok(name) {
  passed++;
  console.log(`ok - ${name}`);
}

function notOk(name, why) {
  failed++;
  console.log(`not ok - ${name}: ${String(why).replace(/\s+/g, ' ').slice(0, 1500)}`);
}

function finish(code) {
  if (finished) return;
  finished = true;
  if (server && !server.exitInfo) {
    try {
      server.child.kill('SIGKILL');
    } catch {}
  }
  if (tmp) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {}
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? (failed ? 1 : 0));
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    notOk('harness', `interrupted by ${sig}`);
    finish(1);
  });
}
process.on('uncaughtException', (e) => {
  notOk('harness', `uncaught exception: ${e && e.stack ? e.stack : e}`);
  finish(1);
});
process.on('unhandledRejection', (e) => {
  notOk('harness', `unhandled rejection: ${e && e.stack ? e.stack : e}`);
  finish(1);
});
const overall = setTimeout(() => {
  notOk('harness', `overall time limit: the run took longer than ${OVERALL_LIMIT_MS / 1000} s`);
  finish(1);
}, OVERALL_LIMIT_MS);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// The server.

function importCorpus(db) {
  const files = [
    ...(existsSync(CORPUS_DIR) ? [CORPUS_DIR] : []),
    ...readdirSync(FIXTURE_DIR)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => path.join(FIXTURE_DIR, f)),
  ];
  const r = spawnSync(BIN, ['import', '--db', db, ...files], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...SAN_ENV },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`essayd import exited ${r.status} (signal ${r.signal}): ${r.stderr.slice(-2000)}`);
  if (SANITIZER_REPORT.test(r.stderr)) throw new Error(`sanitizer report from essayd import: ${r.stderr.slice(-3000)}`);
}

// The server's environment: no ESSAYD_* settings from the caller's shell
// (a rate limit, a token file or --quiet would change every answer).
function serverEnv() {
  const env = { ...process.env, ...SAN_ENV };
  for (const k of Object.keys(env)) if (k.startsWith('ESSAYD_')) delete env[k];
  return env;
}

async function startServer(db) {
  const child = spawn(
    BIN,
    ['serve', '--db', db, '--host', HOST, '--port', '0', '--timeout', String(SERVER_TIMEOUT_S)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() },
  );
  const s = { child, stdout: '', stderr: '', port: 0, exitInfo: null };
  s.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      s.exitInfo = { code, signal };
      resolve(s.exitInfo);
    }),
  );
  child.stderr.on('data', (d) => {
    s.stderr += d;
    if (s.stderr.length > 32_000_000) s.stderr = s.stderr.slice(-16_000_000);
  });
  s.port = await withTimeout(
    new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        s.stdout += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(s.stdout);
        if (m) resolve(Number(m[1]));
      });
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        reject(new Error(`essayd serve exited (code ${code}, signal ${signal}) before listening: ${s.stderr.slice(-2000)}`)),
      );
    }),
    STARTUP_LIMIT_MS,
    'waiting for "essayd: listening on http://127.0.0.1:PORT"',
  );
  return s;
}

// ---------------------------------------------------------------------------
// Raw connections.

class Conn {
  constructor(port) {
    this.chunks = [];
    this.size = 0;
    this.closed = false;
    this.closedAt = 0;
    this.error = null;
    this.waiters = new Set();
    this.socket = net.connect({ host: HOST, port });
    this.socket.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (d) => {
      this.chunks.push(d);
      this.size += d.length;
      this.poke();
    });
    this.socket.on('error', (e) => {
      this.error = e;
      this.poke();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.poke();
    });
  }

  get buf() {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] || Buffer.alloc(0);
  }

  poke() {
    for (const w of [...this.waiters]) w();
  }

  // Resolves true as soon as pred() holds, false after ms.
  until(pred, ms) {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred()) return;
        done(true);
      };
      const timer = setTimeout(() => done(false), ms);
      const done = (v) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(v);
      };
      this.waiters.add(check);
    });
  }

  // Writes; a server that has closed or reset the connection is not an
  // error of the row (the answer decides).
  write(data) {
    if (this.closed || this.socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      try {
        this.socket.write(data, (e) => resolve(!e));
      } catch {
        resolve(false);
      }
    });
  }

  end() {
    if (!this.closed) this.socket.end();
  }

  destroy() {
    this.socket.destroy();
  }

  reset() {
    if (typeof this.socket.resetAndDestroy === 'function') this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  waitClosed(ms) {
    return this.until(() => this.closed, ms);
  }

  // Parsed responses; methods[i] is the method of the i-th request (HEAD
  // responses have no body).
  parse(methods = []) {
    return parseResponses(this.buf, methods, this.closed);
  }

  // Waits for n final responses complete, or the connection closed.
  waitResponses(n, ms, methods = []) {
    return this.until(() => this.closed || this.parse(methods).responses.filter((r) => r.status >= 200).length >= n, ms);
  }
}

// ---------------------------------------------------------------------------
// A response parser: status line, headers, body by Content-Length, chunked,
// or until the connection closes.

function indexOfCrlfCrlf(buf, from) {
  return buf.indexOf('\r\n\r\n', from, 'latin1');
}

function parseResponses(buf, methods, closed) {
  const responses = [];
  let pos = 0;
  let finals = 0;
  let error = null;
  while (pos < buf.length) {
    const end = indexOfCrlfCrlf(buf, pos);
    if (end < 0) break;
    const head = buf.subarray(pos, end).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!m) {
      error = `not an HTTP response: ${JSON.stringify(head.slice(0, 120))}`;
      break;
    }
    const headers = [];
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      if (c <= 0) {
        error = `bad header line ${JSON.stringify(line.slice(0, 120))}`;
        break;
      }
      headers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
    }
    if (error) break;
    const status = Number(m[3]);
    const resp = {
      version: `${m[1]}.${m[2]}`,
      status,
      reason: m[4] || '',
      headers,
      header(name) {
        const v = headers.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v);
        return v.length ? v.join(', ') : undefined;
      },
      headerCount(name) {
        return headers.filter(([k]) => k === name.toLowerCase()).length;
      },
      body: Buffer.alloc(0),
      complete: false,
      method: status >= 200 ? methods[finals] || 'GET' : null,
    };
    let p = end + 4;
    const te = resp.header('transfer-encoding');
    const cl = resp.header('content-length');
    if (status < 200 || status === 204 || status === 304 || resp.method === 'HEAD') {
      resp.complete = true;
    } else if (te && /chunked/i.test(te)) {
      const parts = [];
      for (;;) {
        const le = buf.indexOf('\r\n', p, 'latin1');
        if (le < 0) break;
        const size = parseInt(buf.subarray(p, le).toString('latin1').split(';')[0].trim(), 16);
        if (!Number.isFinite(size)) {
          error = 'bad chunk size in the response';
          break;
        }
        if (size === 0) {
          // trailers: up to an empty line
          const te2 = buf.indexOf('\r\n\r\n', le, 'latin1');
          if (buf.subarray(le, le + 4).toString('latin1') === '\r\n\r\n') {
            p = le + 4;
            resp.complete = true;
          } else if (te2 >= 0) {
            p = te2 + 4;
            resp.complete = true;
          }
          break;
        }
        if (le + 2 + size + 2 > buf.length) break;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        p = le + 2 + size + 2;
      }
      resp.body = Buffer.concat(parts);
    } else if (cl !== undefined) {
      const n = Number(cl);
      if (!/^\d+$/.test(cl)) {
        error = `bad Content-Length in the response: ${cl}`;
        break;
      }
      resp.body = buf.subarray(p, Math.min(buf.length, p + n));
      if (buf.length >= p + n) {
        resp.complete = true;
        p += n;
      }
    } else {
      resp.body = buf.subarray(p);
      resp.complete = closed;
      p = buf.length;
    }
    responses.push(resp);
    if (!resp.complete) break;
    if (status >= 200) finals++;
    pos = p;
  }
  const done = responses.filter((r) => r.complete);
  return {
    responses: done,
    partial: responses.find((r) => !r.complete) || null,
    rest: buf.subarray(pos),
    error,
  };
}

function decodedBody(resp) {
  if (/gzip/i.test(resp.header('content-encoding') || '')) return gunzipSync(resp.body);
  return resp.body;
}

// ---------------------------------------------------------------------------
// Checks on each response.

const INJECTED = new Set(['x-injected', 'set-cookie']);

function isEssayd(resp) {
  return resp.header('x-request-id') !== undefined;
}

// Problems with one final response: [] when it is fine.
function checkResponse(resp, row) {
  const why = [];
  for (const [k, v] of resp.headers) if (INJECTED.has(k)) why.push(`injected header ${k}: ${v}`);
  const server = resp.header('server');
  if (server !== undefined && (/\//.test(server) || /\d/.test(server) || /microhttpd/i.test(server)))
    why.push(`Server header gives a version: ${server}`);
  const fromMhd = !isEssayd(resp);
  if (fromMhd) {
    if (!mhdAllowed(row, resp.status)) why.push(`a response without essayd's headers (libmicrohttpd's own?)`);
    return why;
  }
  if (resp.header('x-content-type-options') !== 'nosniff')
    why.push(`X-Content-Type-Options ${JSON.stringify(resp.header('x-content-type-options'))}, want nosniff`);
  if (resp.header('content-security-policy') !== CSP)
    why.push(`Content-Security-Policy ${JSON.stringify(resp.header('content-security-policy'))}, want ${JSON.stringify(CSP)}`);
  if (resp.status === 405 && !resp.header('allow')) why.push('405 without Allow');
  if (resp.status >= 400 && resp.method !== 'HEAD') why.push(...checkProblem(resp));
  if (resp.status === 200 && resp.method !== 'HEAD' && /json/.test(resp.header('content-type') || '')) {
    try {
      const text = decodedBody(resp).toString('utf8');
      if (/ndjson/.test(resp.header('content-type'))) {
        for (const line of text.split('\n').filter(Boolean)) JSON.parse(line);
      } else {
        JSON.parse(text);
      }
    } catch (e) {
      why.push(`200 body is not valid JSON: ${e.message}`);
    }
  }
  return why;
}

function checkProblem(resp) {
  const why = [];
  const ct = resp.header('content-type') || '';
  if (!/^application\/problem\+json\s*(;|$)/i.test(ct)) why.push(`Content-Type ${JSON.stringify(ct)}, want application/problem+json`);
  let body;
  try {
    body = JSON.parse(decodedBody(resp).toString('utf8'));
  } catch (e) {
    why.push(`problem body is not JSON: ${e.message}: ${JSON.stringify(resp.body.toString('latin1').slice(0, 200))}`);
    return why;
  }
  if (!body || typeof body !== 'object') return [...why, 'problem body is not an object'];
  for (const k of ['type', 'title', 'detail'])
    if (typeof body[k] !== 'string' || body[k] === '') why.push(`problem member ${k} missing or empty`);
  if (body.status !== resp.status) why.push(`problem status ${body.status}, want ${resp.status}`);
  return why;
}

function mhdAllowed(row, status) {
  if (row.mhd === true) return true;
  return Array.isArray(row.mhd) && row.mhd.includes(status);
}

function describe(resp) {
  if (!resp) return 'nothing';
  let detail = '';
  if (resp.status >= 400 && isEssayd(resp)) {
    try {
      detail = ` (${JSON.parse(resp.body.toString('utf8')).detail})`;
    } catch {}
  }
  return `${resp.status}${isEssayd(resp) ? '' : ' from libmicrohttpd'}${detail}`;
}

function fmtExpect(e) {
  const list = Array.isArray(e) ? e : [e];
  return list.map((x) => (x === 'close' ? 'connection closed without a response' : String(x))).join(' or ');
}

// ---------------------------------------------------------------------------
// Running a row.
//
// Row fields:
//   name
//   send       string (latin1: one char, one byte) or Buffer, or an array of
//              { data, delay } written in turn (delay in ms before each)
//   expect     status, array of acceptable statuses, 'close' (connection
//              closed without a response) — or for several pipelined
//              requests `statuses: [..]` in order
//   methods    the method of each request (HEAD responses have no body)
//   mhd        true, or the statuses libmicrohttpd itself may produce
//   closes     the server must close the connection after its answer
//   only       no further response may follow (a smuggled request)
//   within     the answer (or the close) must come within this many ms of
//              the last write
//   check(resp, conn)   more checks; returns a reason, or nothing
//   run(ctx)   a row with its own script; returns an array of reasons
//   wait       ms to wait for the answer (default: the row's time left)

async function sendAll(conn, send) {
  const steps = Array.isArray(send) ? send : [{ data: send }];
  for (const step of steps) {
    if (step.delay) await sleep(step.delay);
    if (step.data !== undefined) {
      const data = typeof step.data === 'string' ? Buffer.from(step.data, 'latin1') : step.data;
      await conn.write(data);
    }
  }
}

async function standardRow(row, port) {
  const conn = new Conn(port);
  try {
    await conn.connected;
    await sendAll(conn, row.send);
    const sentAt = Date.now();
    const expected = row.statuses || [row.expect];
    const want = expected.length;
    const methods = row.methods || [];
    const waitMs = row.wait ?? ROW_LIMIT_MS - 1000;
    await conn.waitResponses(want, waitMs, methods);
    const answeredAt = Date.now();
    if (row.closes) await conn.waitClosed(CLOSE_WITHIN_MS);
    else if (row.only) await conn.until(() => conn.closed, QUIET_MS);
    const parsed = conn.parse(methods);
    const finals = parsed.responses.filter((r) => r.status >= 200);
    const why = [];
    if (parsed.error) why.push(parsed.error);
    if (VERBOSE) {
      console.log(`# ${row.name}: ${finals.map(describe).join(', ') || 'no response'}${conn.closed ? ', closed' : ''}`);
      for (const r of finals) console.log(`#   ${r.status} ${JSON.stringify(r.headers)} ${r.body.toString('latin1').slice(0, 300)}`);
    }
    for (let i = 0; i < want; i++) {
      const allowed = Array.isArray(expected[i]) ? expected[i] : [expected[i]];
      const resp = finals[i];
      if (!resp) {
        if (allowed.includes('close') && conn.closed) continue;
        why.push(
          `${want > 1 ? `response ${i + 1}: ` : ''}want ${fmtExpect(allowed)}, got ${
            conn.closed ? 'the connection closed without a response' : `no response within ${waitMs} ms`
          }${parsed.partial ? ` (an incomplete ${parsed.partial.status})` : ''}`,
        );
        continue;
      }
      if (!allowed.includes(resp.status)) why.push(`${want > 1 ? `response ${i + 1}: ` : ''}want ${fmtExpect(allowed)}, got ${describe(resp)}`);
      why.push(...checkResponse(resp, row).map((w) => (want > 1 ? `response ${i + 1}: ${w}` : w)));
      if (row.check) {
        const w = row.check(resp, conn, i);
        if (w) why.push(w);
      }
    }
    if (finals.length > want) why.push(`${finals.length - want} response(s) more than the ${want} requested: ${finals.slice(want).map(describe).join(', ')}`);
    if (row.within && answeredAt - sentAt > row.within) why.push(`answered after ${answeredAt - sentAt} ms, want within ${row.within} ms`);
    if (row.closes && !conn.closed) why.push(`the connection is still open ${CLOSE_WITHIN_MS} ms after the answer, want it closed`);
    return why;
  } finally {
    conn.destroy();
  }
}

// One plain request on a fresh connection, for the liveness checks.
async function simpleGet(port, target, ms = 3000) {
  const conn = new Conn(port);
  try {
    await conn.connected;
    await conn.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, 'latin1'));
    await conn.waitResponses(1, ms);
    return conn.parse().responses.find((r) => r.status >= 200) || null;
  } finally {
    conn.destroy();
  }
}

async function alive(port) {
  if (server.exitInfo) return `the server exited (code ${server.exitInfo.code}, signal ${server.exitInfo.signal})`;
  try {
    const r = await simpleGet(port, '/healthz');
    if (!r) return 'the server did not answer GET /healthz within 3 s';
    if (r.status !== 200) return `GET /healthz answered ${r.status}`;
  } catch (e) {
    return `GET /healthz failed: ${e.message}`;
  }
  return null;
}

// ---------------------------------------------------------------------------
// The table.

const H = `Host: ${HOST}\r\n`;
const get = (target, extra = '') => `GET ${target} HTTP/1.1\r\n${H}${extra}\r\n`;
const req = (method, target, extra = '', body = '') => `${method} ${target} HTTP/1.1\r\n${H}${extra}\r\n${body}`;
const enc = (s) => encodeURIComponent(s);

const SQLI = "' OR 1=1 --";
const SQLI2 = '1; DROP TABLE articles';
const DIGITS30 = '123456789012345678901234567890';

// No password file, no stack trace, no SQL in what comes back.
function noLeak(resp) {
  const text = resp.body.toString('latin1');
  if (/root:.*:0:0:/.test(text)) return 'the body holds /etc/passwd';
  if (/sqlite|syntax error|SQL logic|no such (table|column)/i.test(text)) return `the body leaks SQL: ${text.slice(0, 200)}`;
  return null;
}

// A list that an injected condition would have filled: it must be empty.
function emptyList(resp) {
  const leak = noLeak(resp);
  if (leak) return leak;
  if (resp.status !== 200) return null;
  try {
    const body = JSON.parse(decodedBody(resp).toString('utf8'));
    if (!Array.isArray(body.data)) return 'a 200 list without a data array';
    if (body.data.length !== 0) return `the filter matched ${body.data.length} row(s); want none`;
  } catch (e) {
    return `body: ${e.message}`;
  }
  return null;
}

// The invalid_params of a 400 must name this parameter.
function names(param) {
  return (resp) => {
    const leak = noLeak(resp);
    if (leak) return leak;
    if (resp.status !== 400 || !isEssayd(resp)) return null;
    try {
      const body = JSON.parse(resp.body.toString('utf8'));
      const list = (body.invalid_params || []).map((p) => p.name);
      if (!list.includes(param)) return `invalid_params names ${JSON.stringify(list)}, want ${JSON.stringify(param)}`;
    } catch {}
    return null;
  };
}

function noContentRange(resp) {
  if (resp.header('content-range')) return `Content-Range ${resp.header('content-range')} on a server without ranges`;
  if (resp.status === 200 && /json/.test(resp.header('content-type') || '')) {
    try {
      JSON.parse(decodedBody(resp).toString('utf8'));
    } catch {
      return 'a 200 without the whole body';
    }
  }
  return null;
}

// A request whose answer the client only partly reads before it resets
// the connection (RST) — the server must carry on.
function readPartThenReset(target, headers = '') {
  return async ({ port }) => {
    // First the size of the whole answer, on a connection of its own.
    const probe = new Conn(port);
    let total = 0;
    try {
      await probe.connected;
      await probe.write(Buffer.from(get(target, `${headers}Connection: close\r\n`), 'latin1'));
      await probe.waitResponses(1, 5000);
      const r = probe.parse().responses.find((x) => x.status >= 200);
      if (!r) return [`GET ${target} gave no complete answer`];
      if (r.status !== 200) return [`GET ${target}: want 200, got ${describe(r)}`];
      total = probe.size;
    } finally {
      probe.destroy();
    }
    const conn = new Conn(port);
    try {
      await conn.connected;
      await conn.write(Buffer.from(get(target, headers), 'latin1'));
      const half = Math.max(1, Math.floor(total / 2));
      const got = await conn.until(() => conn.size >= half || conn.closed, 5000);
      if (!got) return [`not even half of the ${total} bytes within 5 s (${conn.size})`];
      conn.reset();
      if (VERBOSE) console.log(`# read ${conn.size} of ${total} bytes, then RST`);
      return [];
    } finally {
      conn.destroy();
    }
  };
}

const PIPE3 =
  get('/v1/articles/1', 'X-Request-Id: pipe-1\r\n') +
  get('/healthz', 'X-Request-Id: pipe-2\r\n') +
  get('/v1/no-such-thing', 'X-Request-Id: pipe-3\r\n');

const SMUGGLED = `GET /v1/articles/1 HTTP/1.1\r\n${H}X-Request-Id: smuggled\r\n\r\n`;

function requestIdIs(id) {
  return (resp) => (resp.header('x-request-id') === id ? null : `X-Request-Id ${resp.header('x-request-id')}, want ${id}`);
}

function randomRequestId(resp) {
  const id = resp.header('x-request-id');
  return /^[0-9a-f]{16}$/.test(id || '') ? null : `X-Request-Id ${JSON.stringify((id || '').slice(0, 80))}, want 16 random hex digits`;
}

const longAccept = `${Array.from({ length: 500 }, (_, i) => `text/x-junk-${i};q=0.1`).join(', ')}, application/json`;
const longAcceptEncoding = `${Array.from({ length: 600 }, (_, i) => `x-enc-${i};q=0.5`).join(', ')}, gzip`;
const longIfNoneMatch = Array.from({ length: 300 }, (_, i) => `"${i}-not-a-real-etag"`).join(', ');
const manyHeaders = Array.from({ length: 200 }, (_, i) => `X-Hostile-${i}: value-${i}\r\n`).join('');
const fortyParams = Array.from({ length: 40 }, (_, i) => `limit${i}=${i}`).join('&');
const thousandParams = Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&');
const thousandTerms = Array.from({ length: 1000 }, (_, i) => `w${i}`).join('+');
const thousandFields = Array.from({ length: 1000 }, () => 'id').join(',');
const manyRanges = `bytes=${Array.from({ length: 500 }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`;

const ROWS = [
  // ---- path traversal ------------------------------------------------------
  { name: 'traversal: /v1/../etc/passwd', send: get('/v1/../etc/passwd'), expect: [400, 404], check: noLeak },
  { name: 'traversal: /v1/%2e%2e/', send: get('/v1/%2e%2e/'), expect: [400, 404], check: noLeak },
  { name: 'traversal: /%2e%2e/%2e%2e/etc/passwd', send: get('/%2e%2e/%2e%2e/etc/passwd'), expect: [400, 404], check: noLeak },
  { name: 'traversal: /v1/articles/..%2f..%2f', send: get('/v1/articles/..%2f..%2f'), expect: [400, 404], check: noLeak },
  { name: 'traversal: /v1/articles/%2F', send: get('/v1/articles/%2F'), expect: [400, 404], check: noLeak },
  { name: 'traversal: encoded backslashes ..%5c..%5cetc%5cpasswd', send: get('/v1/articles/..%5c..%5cetc%5cpasswd'), expect: [400, 404], check: noLeak },
  { name: 'traversal: raw backslashes /v1\\articles\\1', send: get('/v1\\articles\\1'), expect: [400, 404], check: noLeak },
  { name: 'traversal: //v1//articles', send: get('//v1//articles'), expect: [400, 404], check: noLeak },
  { name: 'traversal: overlong UTF-8 dots %c0%ae%c0%ae', send: get('/v1/articles/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd'), expect: [400, 404], check: noLeak },
  { name: 'traversal: /../../../../etc/passwd', send: get('/../../../../etc/passwd'), expect: [400, 404], check: noLeak },

  // ---- NUL and control bytes -------------------------------------------------
  { name: '%00 in the path', send: get('/v1/articles/1%00.json'), expect: [400, 404], check: noLeak },
  { name: '%00 in a query value', send: get('/v1/articles?q=a%00b'), expect: 400, check: names('q') },
  { name: '%00 in a query name', send: get('/v1/articles?ca%00tegory=x'), expect: 400 },
  { name: 'raw control byte 0x01 in the path', send: get('/v1/art\x01icles'), expect: 400, mhd: [400] },
  { name: 'raw ESC sequence in the path', send: get('/v1/articles/\x1b[31mred'), expect: 400, mhd: [400] },
  { name: 'raw DEL in the path', send: get('/v1/articles/1\x7f'), expect: 400, mhd: [400] },
  { name: 'raw control byte 0x01 in the query', send: get('/v1/articles?q=a\x01b'), expect: 400, mhd: [400] },
  { name: 'raw tab in the query', send: get('/v1/articles?q=a\tb'), expect: 400, mhd: [400] },
  { name: 'raw 0xff 0xfe bytes in a query value', send: get('/v1/search?q=\xff\xfe'), expect: 400, mhd: [400] },
  { name: 'raw 0xff byte in the path', send: get('/v1/articles/\xff'), expect: 400, mhd: [400] },

  // ---- sizes ---------------------------------------------------------------------
  { name: 'overlong URL (64 KB)', send: get(`/v1/articles?q=${'a'.repeat(65536)}`), expect: [414, 400], mhd: [414, 400], closes: true },
  { name: 'long path (8 KB) within the limits', send: get(`/v1/articles/${'a'.repeat(8000)}`), expect: 404 },
  { name: 'oversize single header (40 KB)', send: get('/v1/articles/1', `X-Big: ${'b'.repeat(40960)}\r\n`), expect: [431, 400], mhd: [431, 400], closes: true },
  { name: '200 small headers', send: get('/v1/articles/1', manyHeaders), expect: [200, 431], mhd: [431] },
  { name: 'query with 40 parameters (over the 32 taken)', send: get(`/v1/articles?${fortyParams}`), expect: 400 },
  // libmicrohttpd 0.9.75 parses every parameter into the connection's
  // 32 KiB pool before essayd sees the request; 1000 of them do not fit, and
  // it closes the connection without the 431 it means to send (README,
  // "Security and reliability"). What matters: nothing leaks (the state
  // made for the request is freed with the connection), the server goes on.
  { name: 'query with 1000 parameters', send: get(`/v1/articles?${thousandParams}`), expect: [400, 414, 431, 'close'], mhd: [400, 414, 431] },
  { name: 'fields= naming 1000 fields', send: get(`/v1/claims?fields=${thousandFields}`), expect: 400, check: names('fields') },

  // ---- invalid UTF-8 ---------------------------------------------------------------
  { name: 'invalid UTF-8 in q (%ff%fe)', send: get('/v1/search?q=%ff%fe'), expect: 400, check: names('q') },
  { name: 'invalid UTF-8 in category (%ff)', send: get('/v1/articles?category=%ff'), expect: 400, check: names('category') },
  { name: 'truncated UTF-8 in domain (%c3%28)', send: get('/v1/claims?domain=%c3%28'), expect: 400, check: names('domain') },
  { name: 'invalid UTF-8 in an article slug', send: get('/v1/articles/%ff%fe'), expect: [400, 404] },

  // ---- integers ------------------------------------------------------------------------
  { name: 'limit with 30 digits', send: get(`/v1/articles?limit=${DIGITS30}`), expect: 400, check: names('limit') },
  { name: 'article id with 30 digits', send: get(`/v1/articles/${DIGITS30}`), expect: [400, 404] },
  { name: 'claim id with 30 digits', send: get(`/v1/claims/${DIGITS30}`), expect: [400, 404] },
  { name: 'endnote id 2^63', send: get('/v1/endnotes/9223372036854775808'), expect: [400, 404] },
  { name: 'endnote= with 30 digits', send: get(`/v1/claims?endnote=${DIGITS30}`), expect: 400, check: names('endnote') },
  { name: 'limit=-1', send: get('/v1/articles?limit=-1'), expect: 400, check: names('limit') },
  { name: 'limit=1.5', send: get('/v1/articles?limit=1.5'), expect: 400, check: names('limit') },
  { name: 'limit=0x10', send: get('/v1/articles?limit=0x10'), expect: 400, check: names('limit') },
  { name: 'limit=1e3', send: get('/v1/claims?limit=1e3'), expect: 400, check: names('limit') },
  { name: 'limit= (empty)', send: get('/v1/articles?limit='), expect: 400, check: names('limit') },
  { name: 'limit=0', send: get('/v1/articles?limit=0'), expect: 400, check: names('limit') },
  { name: 'limit=%205 (leading space)', send: get('/v1/articles?limit=%205'), expect: 400, check: names('limit') },
  { name: 'limit=+5', send: get('/v1/articles?limit=%2B5'), expect: 400, check: names('limit') },

  // ---- parameters ------------------------------------------------------------------------
  { name: 'repeated parameter limit=1&limit=2', send: get('/v1/articles?limit=1&limit=2'), expect: 400, check: names('limit') },
  { name: 'unknown parameter', send: get('/v1/articles?foo=bar'), expect: 400, check: names('foo') },
  { name: 'parameter names are case-sensitive (LIMIT=5)', send: get('/v1/articles?LIMIT=5'), expect: 400, check: names('LIMIT') },
  { name: 'unknown parameter on a single resource', send: get('/v1/articles/1?debug=1'), expect: 400, check: names('debug') },

  // ---- SQL injection text ----------------------------------------------------------------
  { name: "SQLi: category=' OR 1=1 --", send: get(`/v1/articles?category=${enc(SQLI)}`), expect: 200, check: emptyList },
  { name: 'SQLi: venue=1; DROP TABLE articles', send: get(`/v1/articles?venue=${enc(SQLI2)}`), expect: 200, check: emptyList },
  { name: 'SQLi: year=1; DROP TABLE articles', send: get(`/v1/articles?year=${enc(SQLI2)}`), expect: 400, check: names('year') },
  { name: 'SQLi: sort=title; DROP TABLE articles', send: get(`/v1/articles?sort=${enc('title; DROP TABLE articles')}`), expect: 400, check: names('sort') },
  { name: "SQLi: cursor=' OR 1=1 --", send: get(`/v1/articles?cursor=${enc(SQLI)}`), expect: 400, check: names('cursor') },
  { name: "SQLi: fields=id' OR 1=1 --", send: get(`/v1/articles?fields=${enc(`id${SQLI}`)}`), expect: 400, check: names('fields') },
  { name: "SQLi: format=json' OR 1=1 --", send: get(`/v1/articles?format=${enc(`json${SQLI}`)}`), expect: 400, check: names('format') },
  { name: "SQLi: pretty=1' OR 1=1 --", send: get(`/v1/articles?pretty=${enc(`1${SQLI}`)}`), expect: 400, check: names('pretty') },
  { name: "SQLi: q=' OR 1=1 -- on /v1/articles", send: get(`/v1/articles?q=${enc(SQLI)}`), expect: [200, 400], check: noLeak },
  { name: "SQLi: publisher=' OR 1=1 --", send: get(`/v1/claims?publisher=${enc(SQLI)}`), expect: 200, check: emptyList },
  { name: "SQLi: domain=' OR 1=1 --", send: get(`/v1/claims?domain=${enc(SQLI)}`), expect: [200, 400], check: emptyList },
  { name: 'SQLi: key=1; DROP TABLE articles', send: get(`/v1/claims?key=${enc(SQLI2)}`), expect: [200, 400], check: emptyList },
  { name: "SQLi: article=1' OR '1'='1 on /v1/claims", send: get(`/v1/claims?article=${enc("1' OR '1'='1")}`), expect: [200, 400], check: emptyList },
  { name: 'SQLi: endnote=1 OR 1=1', send: get(`/v1/claims?endnote=${enc('1 OR 1=1')}`), expect: 400, check: names('endnote') },
  { name: "SQLi: cited=true' OR '1'='1", send: get(`/v1/claims?cited=${enc("true' OR '1'='1")}`), expect: 400, check: names('cited') },
  { name: "SQLi: expand=endnotes' --", send: get(`/v1/claims?expand=${enc("endnotes' --")}`), expect: 400, check: names('expand') },
  { name: 'SQLi: n=1 OR 1=1 on /v1/endnotes', send: get(`/v1/endnotes?n=${enc('1 OR 1=1')}`), expect: 400, check: names('n') },
  { name: "SQLi: type=claim' -- on /v1/search", send: get(`/v1/search?q=nuclear&type=${enc("claim' --")}`), expect: 400, check: names('type') },
  { name: 'SQLi: q=1; DROP TABLE articles on /v1/search', send: get(`/v1/search?q=${enc(SQLI2)}`), expect: [200, 400], check: noLeak },
  { name: "SQLi: category=' OR 1=1 -- on /v1/facets", send: get(`/v1/facets?category=${enc(SQLI)}`), expect: [200, 400], check: noLeak },
  { name: "SQLi: article id 1' OR '1'='1 in the path", send: get(`/v1/articles/${enc("1' OR '1'='1")}`), expect: [400, 404], check: noLeak },
  { name: 'SQLi: article 1;DROP TABLE articles in the path', send: get(`/v1/articles/${enc(SQLI2)}`), expect: [400, 404], check: noLeak },
  { name: "SQLi: endnote format=bibtex' --", send: get(`/v1/endnotes/1?format=${enc("bibtex' --")}`), expect: 400, check: names('format') },

  // ---- FTS5 syntax in q -------------------------------------------------------------------
  { name: 'FTS5: q=NEAR(', send: get(`/v1/search?q=${enc('NEAR(')}`), expect: 200, check: noLeak },
  { name: 'FTS5: q="unbalanced', send: get(`/v1/search?q=${enc('"unbalanced')}`), expect: [200, 400], check: noLeak },
  { name: 'FTS5: q=title:x', send: get(`/v1/search?q=${enc('title:x')}`), expect: 200, check: noLeak },
  { name: 'FTS5: q=*', send: get('/v1/search?q=*'), expect: 400, check: names('q') },
  { name: 'FTS5: q=^x', send: get(`/v1/search?q=${enc('^x')}`), expect: 200, check: noLeak },
  { name: 'FTS5: q=AND OR NOT', send: get(`/v1/search?q=${enc('AND OR NOT')}`), expect: [200, 400], check: noLeak },
  { name: 'FTS5: q=NEAR(a b, 2) {title}: x', send: get(`/v1/search?q=${enc('NEAR(a b, 2) {title}: x')}`), expect: [200, 400], check: noLeak },
  { name: 'FTS5: q with 1000 terms', send: get(`/v1/search?q=${thousandTerms}`), expect: 400, check: names('q') },
  { name: 'FTS5: q=- (nothing to search for)', send: get('/v1/search?q=-'), expect: 400, check: names('q') },

  // ---- methods ---------------------------------------------------------------------------------
  { name: 'unknown method FOO', send: req('FOO', '/v1/articles'), expect: [501, 405] },
  { name: 'unknown method PROPFIND', send: req('PROPFIND', '/v1/articles', 'Depth: 1\r\n'), expect: [501, 405] },
  { name: 'unknown method on an unknown path', send: req('FOO', '/no/such/path'), expect: [404, 501] },
  {
    name: 'TRACE does not echo the request',
    send: req('TRACE', '/v1/articles', 'Cookie: secret=hunter2\r\nAuthorization: Bearer hunter2\r\n'),
    expect: 405,
    check: (r) => (/hunter2/.test(r.body.toString('latin1')) ? 'TRACE echoed the credentials' : null),
  },
  { name: 'CONNECT to a known path', send: req('CONNECT', '/v1/articles'), expect: 405 },
  { name: 'CONNECT in authority form', send: req('CONNECT', '127.0.0.1:443'), expect: [400, 405, 501], mhd: [400] },
  { name: 'PATCH on an article', send: req('PATCH', '/v1/articles/1', 'Content-Length: 0\r\n'), expect: 405 },
  { name: 'DELETE on a claim', send: req('DELETE', '/v1/claims/1'), expect: 405 },
  { name: 'method with an ESC byte (log injection)', send: req('G\x1b[2JET', '/v1/articles'), expect: [400, 501], mhd: [400] },
  { name: 'method in lower case (get)', send: req('get', '/v1/articles/1'), expect: [501, 405] },
  { name: 'method of 1000 letters', send: req('A'.repeat(1000), '/v1/articles'), expect: [400, 501], mhd: [400] },

  // ---- protocol --------------------------------------------------------------------------------
  { name: 'HTTP/1.1 without Host', send: 'GET /v1/articles/1 HTTP/1.1\r\n\r\n', expect: 400, closes: true },
  { name: 'HTTP/1.1 with two Host headers', send: get('/v1/articles/1', 'Host: evil.example\r\n'), expect: 400, mhd: [400] },
  { name: 'Host with an invalid value', send: 'GET /v1/articles/1 HTTP/1.1\r\nHost: a b/c\r\n\r\n', expect: 400, mhd: [400] },
  { name: 'HTTP/1.0 without Host', send: 'GET /v1/articles/1 HTTP/1.0\r\n\r\n', expect: 200, closes: true },
  { name: 'HTTP/0.9 style request (GET /)', send: 'GET /\r\n', expect: [400, 505, 'close'], mhd: [400, 505] },
  { name: 'HTTP/2 preface (PRI * HTTP/2.0)', send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: [505, 400, 'close'], mhd: [505, 400], closes: true },
  { name: 'HTTP/1.2 is served as HTTP/1.1', send: 'GET /v1/articles/1 HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n', expect: 200 },
  { name: 'HTTP/3.0 request line', send: 'GET /v1/articles/1 HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n', expect: 505, mhd: [505], closes: true },
  { name: 'protocol name in lower case (http/1.1)', send: 'GET /v1/articles/1 http/1.1\r\nHost: 127.0.0.1\r\n\r\n', expect: [400, 505], mhd: [400, 505], closes: true },
  { name: 'garbage request line', send: 'HELLO\r\n\r\n', expect: [400, 'close'], mhd: [400], closes: true },
  {
    name: 'TLS ClientHello on the plain port',
    send: Buffer.from('16030100a5010000a10303' + '00'.repeat(32) + '0000020035010000', 'hex'),
    expect: [400, 'close'],
    mhd: [400],
    closes: true,
    wait: 6500,
  },
  { name: 'whitespace before the colon of a header', send: get('/v1/articles/1', 'X-Spaced : 1\r\n'), expect: 400, mhd: [400], closes: true },
  {
    name: 'Transfer-Encoding with whitespace before the colon (smuggling)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding : chunked\r\n', `0\r\n\r\n${SMUGGLED}`),
    expect: 400,
    mhd: [400],
    closes: true,
    only: true,
  },
  {
    name: 'Content-Length with whitespace before the colon (smuggling)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length : 45\r\n', SMUGGLED),
    expect: 400,
    mhd: [400],
    closes: true,
    only: true,
  },
  { name: 'obsolete line folding', send: get('/v1/articles/1', 'X-Folded: a\r\n b\r\n'), expect: [200, 400], mhd: [400] },
  // libmicrohttpd 0.9.75 turns "Content-Length: 1\r\n 0" into a header named "Content-Length0" and reads
  // the request as bodiless, so the body would be served as the next request.
  {
    name: 'Content-Length folded over two lines (smuggling)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 4\r\n 5\r\n', SMUGGLED),
    expect: 400,
    closes: true,
    only: true,
  },
  {
    name: 'Transfer-Encoding folded over two lines (smuggling)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n identity\r\n', `0\r\n\r\n${SMUGGLED}`),
    expect: 400,
    closes: true,
    only: true,
  },
  { name: 'Host folded over two lines (no Host left)', send: 'GET /v1/articles/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n x\r\n\r\n', expect: 400, closes: true },
  { name: 'bare LF line ends', send: 'GET /v1/articles/1 HTTP/1.1\nHost: 127.0.0.1\n\n', expect: [200, 400], mhd: [400] },
  { name: 'NUL byte in a header value', send: get('/v1/articles/1', 'X-Nul: a\x00b\r\n'), expect: [200, 400], mhd: [400] },
  { name: 'asterisk target on GET', send: 'GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', expect: [400, 404], mhd: [400] },
  { name: 'fragment in the request target', send: get('/v1/articles/1#top'), expect: [400, 404], mhd: [400] },
  { name: 'absolute-form request target', send: `GET http://${HOST}/v1/articles HTTP/1.1\r\n${H}\r\n`, expect: 200 },
  {
    name: 'OPTIONS *',
    send: 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    expect: [200, 204],
    check: (r) => (r.header('allow') ? null : 'no Allow header'),
  },

  // ---- pipelining and keep-alive -------------------------------------------------------------
  {
    name: 'three pipelined GETs in one write: three answers in order',
    send: PIPE3,
    statuses: [200, 200, 404],
    check: (r, _c, i) => requestIdIs(`pipe-${i + 1}`)(r),
  },
  {
    name: 'pipelined HEAD then GET: the HEAD answer has no body',
    send: req('HEAD', '/v1/articles/1', 'X-Request-Id: head-1\r\n') + get('/v1/articles/1', 'X-Request-Id: get-2\r\n'),
    statuses: [200, 200],
    methods: ['HEAD', 'GET'],
    check: (r, _c, i) => requestIdIs(i === 0 ? 'head-1' : 'get-2')(r),
  },
  {
    name: 'keep-alive after a 404',
    send: [{ data: get('/v1/nope', 'X-Request-Id: ka-1\r\n') }, { delay: 100, data: get('/v1/articles/1', 'X-Request-Id: ka-2\r\n') }],
    statuses: [404, 200],
    check: (r, _c, i) => requestIdIs(`ka-${i + 1}`)(r),
  },
  { name: 'Connection: close is honoured', send: get('/v1/articles/1', 'Connection: close\r\n'), expect: 200, closes: true },

  // ---- Expect --------------------------------------------------------------------------------------
  { name: 'Expect: 100-continue on a GET', send: get('/v1/articles/1', 'Expect: 100-continue\r\n'), expect: 200 },
  {
    name: 'Expect: 100-continue on a POST without a token',
    run: async ({ port }) => {
      const conn = new Conn(port);
      try {
        await conn.connected;
        await conn.write(Buffer.from(req('POST', '/v1/articles', 'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nExpect: 100-continue\r\n'), 'latin1'));
        await conn.until(() => conn.closed || conn.parse().responses.length > 0, 3000);
        const first = conn.parse().responses[0];
        if (first && first.status === 100) await conn.write(Buffer.from('Title\n\nA paragraph.\n', 'latin1'));
        await conn.waitResponses(1, 4000);
        const final = conn.parse().responses.find((r) => r.status >= 200);
        if (!final) return [`want 403, got ${conn.closed ? 'the connection closed' : 'nothing'}`];
        const why = final.status === 403 ? [] : [`want 403, got ${describe(final)}`];
        return [...why, ...checkResponse(final, {})];
      } finally {
        conn.destroy();
      }
    },
  },
  {
    name: 'Expect: 100-continue with a body over the limit: 413 before the body',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 104857600\r\nExpect: 100-continue\r\n'),
    expect: 413,
    within: 2000,
    closes: true,
  },

  // ---- bodies and framing ------------------------------------------------------------------------
  {
    name: 'chunked body on a GET is read and skipped',
    send: get('/v1/articles/1', 'Transfer-Encoding: chunked\r\nX-Request-Id: chunky-1\r\n').replace(/\r\n$/, '\r\n') +
      '5\r\nhello\r\n0\r\n\r\n' + get('/healthz', 'X-Request-Id: chunky-2\r\n'),
    statuses: [200, 200],
    check: (r, _c, i) => requestIdIs(`chunky-${i + 1}`)(r),
  },
  {
    name: 'GET with a Content-Length body, then a pipelined GET',
    send: get('/v1/articles/1', 'Content-Length: 11\r\nX-Request-Id: clb-1\r\n') + 'GET /x HTTP' + get('/healthz', 'X-Request-Id: clb-2\r\n'),
    statuses: [200, 200],
    check: (r, _c, i) => requestIdIs(`clb-${i + 1}`)(r),
  },
  {
    name: 'POST with a body (writes disabled), then a pipelined GET',
    send:
      req('POST', '/v1/articles', 'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nX-Request-Id: pb-1\r\n', 'Title\n\nA paragraph.\n') +
      get('/healthz', 'X-Request-Id: pb-2\r\n'),
    statuses: [403, 200],
    check: (r, _c, i) => requestIdIs(`pb-${i + 1}`)(r),
  },
  {
    name: 'POST with a chunked body (writes disabled)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n', '14\r\nTitle\n\nA paragraph.\n\r\n0\r\n\r\n'),
    expect: 403,
  },
  {
    name: 'POST with Transfer-Encoding: Chunked (any case)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: Chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'),
    expect: 403,
  },
  {
    name: 'two different Content-Length headers (smuggling)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 5\r\nContent-Length: 50\r\n', `hello${SMUGGLED}`),
    expect: 400,
    mhd: [400],
    closes: true,
    only: true,
  },
  {
    name: 'Content-Length: 5, 50 in one header',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 5, 50\r\n', `hello${SMUGGLED}`),
    expect: 400,
    mhd: [400],
    closes: true,
    only: true,
  },
  { name: 'Content-Length negative', send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: -5\r\n', 'hello'), expect: 400, mhd: [400], closes: true },
  { name: 'Content-Length non-numeric', send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: abc\r\n', 'hello'), expect: 400, mhd: [400], closes: true },
  { name: 'Content-Length with a plus sign', send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: +5\r\n', 'hello'), expect: 400, mhd: [400], closes: true },
  {
    name: 'Content-Length beyond 64 bits',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 99999999999999999999999999\r\n', 'hello'),
    expect: [400, 413],
    mhd: [400, 413],
    closes: true,
    within: 2000,
  },
  {
    name: 'Content-Length of a terabyte: 413 at once',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 1000000000000\r\n', 'hello'),
    expect: 413,
    closes: true,
    within: 2000,
  },
  {
    name: 'Transfer-Encoding: gzip',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding: gzip\r\n', 'hello'),
    expect: [400, 501],
    mhd: [400, 501],
    closes: true,
    within: 2000,
  },
  {
    name: 'Transfer-Encoding: gzip on a GET',
    send: get('/v1/articles/1', 'Transfer-Encoding: gzip\r\n'),
    expect: [400, 501],
    mhd: [400, 501],
    closes: true,
    within: 2000,
  },
  {
    name: 'Transfer-Encoding: chunked, gzip',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding: chunked, gzip\r\n', '5\r\nhello\r\n0\r\n\r\n'),
    expect: [400, 501],
    mhd: [400, 501],
    closes: true,
    within: 2000,
  },
  {
    name: 'Transfer-Encoding: xchunked',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding: xchunked\r\n', '5\r\nhello\r\n0\r\n\r\n'),
    expect: [400, 501],
    mhd: [400, 501],
    closes: true,
    within: 2000,
  },
  {
    name: 'Content-Length and Transfer-Encoding together (smuggling)',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n', `0\r\n\r\n${SMUGGLED}`),
    expect: [400, 403],
    mhd: [400],
    closes: true,
    only: true,
  },
  {
    name: 'invalid chunk size',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n', 'zz\r\nhello\r\n0\r\n\r\n'),
    expect: 400,
    mhd: [400],
    closes: true,
    within: 2000,
  },
  {
    name: 'chunk size beyond 64 bits',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n', 'fffffffffffffffffffffff\r\nhello\r\n'),
    expect: [400, 413],
    mhd: [400, 413],
    closes: true,
    within: 2000,
  },
  {
    name: 'body shorter than its Content-Length, then silence',
    send: req('POST', '/v1/articles', 'Content-Type: text/plain\r\nContent-Length: 100\r\n', 'only ten b'),
    expect: [408, 'close'],
    mhd: [408],
    closes: true,
    wait: SERVER_TIMEOUT_S * 1000 + 1500,
  },
  {
    name: 'headers never finished (slowloris)',
    send: [{ data: `GET /v1/articles/1 HTTP/1.1\r\n${H}` }, { delay: 300, data: 'X-Slow: 1\r\n' }],
    expect: [408, 'close'],
    mhd: [408],
    closes: true,
    wait: SERVER_TIMEOUT_S * 1000 + 1500,
  },

  // ---- timing and abrupt clients --------------------------------------------------------------------
  {
    name: 'request split into 1-byte writes 5 ms apart',
    send: [...Buffer.from(get('/v1/articles/1'), 'latin1')].map((b, i) => ({ data: Buffer.from([b]), delay: i ? 5 : 0 })),
    expect: 200,
  },
  {
    name: 'client sends a request and closes at once',
    run: async ({ port }) => {
      const conn = new Conn(port);
      await conn.connected;
      conn.socket.write(Buffer.from(get('/v1/articles/1?pretty=1'), 'latin1'));
      conn.destroy();
      await sleep(200);
      return [];
    },
  },
  {
    name: 'client sends a request and resets at once (RST)',
    run: async ({ port }) => {
      const conn = new Conn(port);
      await conn.connected;
      conn.socket.write(Buffer.from(get('/v1/claims?format=ndjson'), 'latin1'));
      conn.reset();
      await sleep(200);
      return [];
    },
  },
  {
    name: 'client half-closes after its request',
    run: async ({ port }) => {
      const conn = new Conn(port);
      try {
        await conn.connected;
        await conn.write(Buffer.from(get('/v1/articles/1'), 'latin1'));
        conn.end();
        await conn.waitResponses(1, 4000);
        const final = conn.parse().responses.find((r) => r.status >= 200);
        if (!final) return conn.closed ? [] : ['neither an answer nor a close within 4 s'];
        return final.status === 200 ? checkResponse(final, {}) : [`want 200, got ${describe(final)}`];
      } finally {
        conn.destroy();
      }
    },
  },
  { name: 'reads half of an article with ?pretty=1, then RST', run: readPartThenReset('/v1/articles/1?pretty=1') },
  { name: 'reads half of an NDJSON claims export, then RST', run: readPartThenReset('/v1/claims?format=ndjson&expand=endnotes') },
  { name: 'reads half of a gzipped NDJSON export, then RST', run: readPartThenReset('/v1/claims?format=ndjson', 'Accept-Encoding: gzip\r\n') },
  {
    name: '50 connections left with half a request, then RST',
    run: async ({ port }) => {
      const conns = Array.from({ length: 50 }, () => new Conn(port));
      await Promise.all(conns.map((c) => c.connected));
      await Promise.all(conns.map((c) => c.write(Buffer.from(`GET /v1/articles/1 HTTP/1.1\r\n${H}X-Par`, 'latin1'))));
      await sleep(200);
      const mid = await alive(port);
      for (const c of conns) c.reset();
      await sleep(100);
      return mid ? [`while 50 connections were half-open: ${mid}`] : [];
    },
  },

  // ---- header injection and request ids ---------------------------------------------------------
  { name: 'CRLF injection in q (%0d%0a)', send: get('/v1/articles?q=x%0d%0aX-Injected:%20yes'), expect: 400, check: names('q') },
  { name: 'CRLF injection in the path', send: get('/v1/articles/x%0d%0aX-Injected:%20yes'), expect: [400, 404] },
  { name: 'CRLF injection in cursor', send: get('/v1/claims?limit=1&cursor=%0d%0aSet-Cookie:%20a=b'), expect: 400, check: names('cursor') },
  { name: 'CRLF injection in a filter on a list with a next link', send: get('/v1/claims?limit=1&publisher=x%0d%0aX-Injected:%20yes'), expect: [200, 400] },
  { name: 'encoded LF in the path (log injection)', send: get('/v1/articles/x%0atime=forged%20rid=forged%0d'), expect: [400, 404] },
  { name: 'X-Request-Id with encoded CRLF is replaced', send: get('/v1/articles/1', 'X-Request-Id: a%0d%0aX-Injected:%20yes\r\n'), expect: 200, check: randomRequestId },
  { name: 'X-Request-Id of 2000 characters is replaced', send: get('/v1/articles/1', `X-Request-Id: ${'r'.repeat(2000)}\r\n`), expect: 200, check: randomRequestId },

  // ---- long or odd negotiation headers ------------------------------------------------------------
  { name: 'very long Accept', send: get('/v1/articles/1', `Accept: ${longAccept}\r\n`), expect: 200 },
  { name: 'very long Accept-Encoding', send: get('/v1/articles/1', `Accept-Encoding: ${longAcceptEncoding}\r\n`), expect: 200 },
  { name: 'very long If-None-Match', send: get('/v1/articles/1', `If-None-Match: ${longIfNoneMatch}\r\n`), expect: 200 },
  { name: 'Accept that cannot be met', send: get('/v1/articles/1', 'Accept: text/html\r\n'), expect: 406 },
  { name: 'Range: bytes=0-10 is ignored', send: get('/v1/articles/1', 'Range: bytes=0-10\r\n'), expect: 200, check: noContentRange },
  { name: 'Range beyond 64 bits', send: get('/v1/articles/1', 'Range: bytes=99999999999999999999999-\r\n'), expect: 200, check: noContentRange },
  { name: 'Range with 500 ranges', send: get('/v1/articles/1', `Range: ${manyRanges}\r\n`), expect: 200, check: noContentRange },
];

// ---------------------------------------------------------------------------
// Main.

async function runRow(row, port) {
  if (row.run) return row.run({ port });
  return standardRow(row, port);
}

async function main() {
  if (!existsSync(BIN)) {
    notOk('setup', `no essayd binary at ${BIN} (make build/essayd, or set ESSAYD_BIN)`);
    finish(1);
  }
  tmp = mkdtempSync(path.join(tmpdir(), 'essayd-hostile-'));
  const db = path.join(tmp, 'essays.db');
  try {
    importCorpus(db);
    server = await startServer(db);
    ok(`setup: imported the corpus, serving on port ${server.port}`);
  } catch (e) {
    notOk('setup', e.message);
    finish(1);
  }
  const port = server.port;

  for (const row of ROWS) {
    if (ONLY && !ONLY.test(row.name)) continue;
    let why;
    try {
      why = await withTimeout(runRow(row, port), ROW_LIMIT_MS, 'row time limit');
    } catch (e) {
      why = [e.message];
    }
    const dead = await alive(port);
    if (dead) why.push(`afterwards: ${dead}`);
    if (why.length) notOk(row.name, why.join('; '));
    else ok(row.name);
    if (server.exitInfo) break;
  }

  // Still alive, and still answering properly, after all that.
  {
    const name = 'after the table: GET /v1/articles/1 is a 200 with JSON';
    try {
      const r = server.exitInfo ? null : await simpleGet(port, '/v1/articles/1', 5000);
      if (!r) notOk(name, server.exitInfo ? 'the server has exited' : 'no answer within 5 s');
      else if (r.status !== 200) notOk(name, `got ${describe(r)}`);
      else {
        try {
          const body = JSON.parse(decodedBody(r).toString('utf8'));
          if (body.id !== 1 || !Array.isArray(body.claims)) notOk(name, 'the body is not article 1 with its claims');
          else ok(name);
        } catch (e) {
          notOk(name, `not JSON: ${e.message}`);
        }
      }
    } catch (e) {
      notOk(name, e.message);
    }
  }

  {
    const name = 'SIGTERM: exits within 5 s with status 0';
    if (server.exitInfo) {
      notOk(name, `the server had already exited (code ${server.exitInfo.code}, signal ${server.exitInfo.signal})`);
    } else {
      server.child.kill('SIGTERM');
      try {
        const info = await withTimeout(server.exited, SHUTDOWN_LIMIT_MS, 'waiting for essayd to exit after SIGTERM');
        if (info.code !== 0 || info.signal) notOk(name, `exit code ${info.code}, signal ${info.signal}; stderr: ${server.stderr.slice(-1500)}`);
        else ok(name);
      } catch (e) {
        server.child.kill('SIGKILL');
        notOk(name, e.message);
      }
    }
  }

  {
    // The access log quotes what clients send: no raw control bytes, no
    // line forged by a request (the path of 'encoded LF in the path').
    const name = 'access log: no raw control bytes, no forged lines';
    await withTimeout(server.exited, 2000, 'exit').catch(() => {});
    const why = [];
    const ctl = /[\x00-\x09\x0b-\x1f\x7f]/.exec(server.stderr);
    if (ctl) {
      const at = Math.max(0, ctl.index - 120);
      why.push(`raw byte 0x${ctl[0].charCodeAt(0).toString(16).padStart(2, '0')} in: ${JSON.stringify(server.stderr.slice(at, ctl.index + 40))}`);
    }
    const forged = server.stderr.split('\n').find((l) => /^\S*time=forged|^rid=forged/.test(l));
    if (forged) why.push(`forged line: ${JSON.stringify(forged.slice(0, 200))}`);
    if (!/method=GET path="\/v1\/articles\/1"/.test(server.stderr)) why.push('no access log line for GET /v1/articles/1');
    if (why.length) notOk(name, why.join('; '));
    else ok(name);
  }

  {
    const name = 'stderr: no sanitizer report';
    await withTimeout(server.exited, 2000, 'exit').catch(() => {});
    const m = SANITIZER_REPORT.exec(server.stderr);
    if (m) {
      const at = Math.max(0, m.index - 200);
      notOk(name, server.stderr.slice(at, at + 2500));
    } else ok(name);
  }

  clearTimeout(overall);
  finish();
}

main().catch((e) => {
  notOk('harness', e && e.stack ? e.stack : e);
  finish(1);
});

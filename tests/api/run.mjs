#!/usr/bin/env node
// API tests for essayd over real HTTP.
//
//   node tests/api/run.mjs            (after `make`; ESSAYD_BIN overrides build/essayd)
//
// Imports db/corpus/*.txt and tests/fixtures/api/*.txt into a fresh SQLite
// file in a temporary directory, starts `essayd serve` on 127.0.0.1 with an
// ephemeral port, and runs the tests below. Every response is checked
// against openapi.yaml (openapi-check.mjs); a response that does not conform
// fails its test. Prints `FAIL name: reason` per failure and, as the very
// last line, `N passed, N failed`; exits 1 if anything failed.
//
// The server's stderr (its access log) is captured and checked too. Two
// more servers are started on the same database for the options that
// change every response: --cors-origins and --quiet. One test re-imports a
// changed essay into the database while the servers run, to see ETags
// change exactly where the data did; it runs late, after the tests that
// rely on the data loaded at setup.
//
// Search, facets and statistics (search.mjs) run on a database and server
// of their own, with the search fixtures of tests/fixtures/api/search/ added.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Ajv07 from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseCsv } from 'csv-parse/sync';
import { check, specText, SPEC_PATH, pathTemplates } from './openapi-check.mjs';
import { installGuards, withTimeout } from '../lib/guards.mjs';
import { registerLimitTests } from './limits.mjs';
import { registerSearchTests } from './search.mjs';
import { registerWriteTests } from './write.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.ESSAYD_BIN || 'build/essayd');
const CORPUS_DIR = path.join(ROOT, 'db/corpus');
const FIXTURE_DIR = path.join(ROOT, 'tests/fixtures/api');
const CSL_SCHEMA_PATH = path.join(ROOT, 'tests/schema/csl-data.json');
const OVERALL_TIMEOUT_MS = Number(process.env.ESSAYD_API_TIMEOUT_MS) || 120_000; // hard limit for the whole run
const TEST_TIMEOUT_MS = Number(process.env.ESSAYD_API_TEST_MS) || 30_000; // per test; raised under valgrind
const REQUEST_TIMEOUT_MS = Number(process.env.ESSAYD_API_REQUEST_MS) || 10_000; // raised under valgrind
const STARTUP_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = Number(process.env.ESSAYD_API_SHUTDOWN_MS) || 5_000; // valgrind's exit leak check takes longer

const SEED_SLUG = 'assessing-u-s-china-diplomatic-solution-to-north-korea';
const SEED_FILE = 'assessing-us-china-diplomatic-solution-to-north-korea.txt';

// ---------------------------------------------------------------------------
// Harness: results, the last line, cleanup on every way out.

let passed = 0;
let failed = 0;
let finished = false;
let server = null; // the main server: { child, exited: Promise, exitInfo, stdout, stderr, base }
const servers = new Set(); // every essayd serve started, the main one included
let tmp = null;

function oneLine(s) {
  return String(s).replace(/\s*\n\s*/g, ' | ').slice(0, 3000);
}
function reportFail(name, reason) {
  failed++;
  console.log(`FAIL ${name}: ${oneLine(reason)}`);
}

function killServerNow() {
  for (const s of servers) {
    if (s.exitInfo) continue;
    try {
      s.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
function cleanupTmp() {
  if (tmp && !process.env.ESSAYD_KEEP_TMP) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}
function finish() {
  if (finished) return;
  finished = true;
  killServerNow();
  cleanupTmp();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

process.on('exit', () => {
  killServerNow();
});
installGuards({ fail: reportFail, finish, deadlineMs: OVERALL_TIMEOUT_MS, what: 'the suite' });

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}


// ---------------------------------------------------------------------------
// HTTP: every response goes through openapi-check.

let BASE = null;
let requestCount = 0;

class Response {
  constructor(method, p, status, headers, body, wire = null) {
    this.method = method;
    this.path = p;
    this.status = status;
    this.headers = headers; // lower-case names
    this.body = body; // Buffer, decoded (gunzipped) when Content-Encoding is gzip
    this.wire = wire; // Buffer as it came over the wire (raw() only), else null
  }
  get text() {
    return this.body.toString('utf8');
  }
  get json() {
    try {
      return JSON.parse(this.text);
    } catch (e) {
      throw new Error(`${this.method} ${this.path}: body is not JSON: ${e.message}`);
    }
  }
  get contentType() {
    return this.headers['content-type'];
  }
}

const requestsTo = new Map(); // base URL → responses received from it

// Checks the response against openapi.yaml (throws if it does not
// conform). wire is the body as received: raw() passes gzip bytes as they
// came, which are decompressed here (and by the checker, independently).
function conformance(method, p, status, headers, wire, { base = BASE, decoded = false, allow5xx = false } = {}) {
  requestCount++;
  requestsTo.set(base, (requestsTo.get(base) || 0) + 1);
  const problems = check(method, p, status, headers, wire);
  let body = wire;
  if (!decoded && headers['content-encoding'] === 'gzip' && wire.length > 0) {
    try {
      body = gunzipSync(wire);
    } catch (e) {
      problems.push(`Content-Encoding: gzip, but the body does not gunzip: ${e.message}`);
    }
  }
  if (status >= 500 && status !== 501 && !allow5xx) {
    problems.unshift(`server error ${status}: ${body.toString('utf8').slice(0, 300)}`);
  }
  if (problems.length) {
    throw new Error(`${method} ${shortPath(p)} → ${status}: ${problems.join('; ')}`);
  }
  return new Response(method, p, status, headers, body, decoded ? null : wire);
}

function shortPath(p) {
  return p.length > 120 ? `${p.slice(0, 100)}…(${p.length} chars)` : p;
}

// fetch for ordinary requests. The path is sent as given (URL parsing only
// normalises dot segments, which the traversal tests avoid via raw()).
// fetch() decompresses gzip itself (it sends Accept-Encoding: gzip,
// deflate unless told otherwise); use raw() to see the bytes on the wire.
// allow5xx: a 5xx is what the test expects (a query over its time limit),
// not a server failure; it is still checked against openapi.yaml.
async function req(method, p, { headers = {}, body, base = BASE, allow5xx = false } = {}) {
  if (!base) throw new Error('server not started');
  const res = await fetch(base + p, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const hdrs = {};
  res.headers.forEach((v, k) => (hdrs[k.toLowerCase()] = v));
  return conformance(method, p, res.status, hdrs, buf, { base, decoded: true, allow5xx });
}

// node:http for odd methods and paths that must reach the server verbatim,
// and for exact control of the request headers: nothing is added but
// Host and Connection (no Accept, no Accept-Encoding), and the body is
// kept as it came over the wire (Response.wire; Response.body decoded).
function raw(method, p, { headers = {}, body, base = BASE } = {}) {
  if (!base) return Promise.reject(new Error('server not started'));
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: hostname, port, method, path: p, headers: { connection: 'close', ...headers }, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            const hdrs = {};
            for (const [k, v] of Object.entries(res.headers)) hdrs[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
            resolve(conformance(method, p, res.statusCode, hdrs, Buffer.concat(chunks), { base }));
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      },
    );
    r.setTimeout(REQUEST_TIMEOUT_MS, () => r.destroy(new Error(`${method} ${shortPath(p)} timed out`)));
    r.on('error', reject);
    if (body != null) r.write(body);
    r.end();
  });
}

const get = (p, opts) => req('GET', p, opts);

async function getJson(p, status = 200) {
  const r = await get(p);
  assert.equal(r.status, status, `GET ${shortPath(p)}: status ${r.status}, want ${status}: ${r.text.slice(0, 300)}`);
  return r.json;
}

// Follows meta.next to the end; checks every page's meta.
async function walk(first, { limit } = {}) {
  const rows = [];
  const pages = [];
  const seenNext = new Set();
  const route = first.split('?')[0];
  let next = first;
  let total = null;
  while (next !== null) {
    assert.ok(pages.length < 2000, `walk ${first}: more than 2000 pages`);
    const j = await getJson(next);
    pages.push(j);
    if (total === null) total = j.meta.total;
    assert.equal(j.meta.total, total, `walk ${first}: meta.total changed from ${total} to ${j.meta.total} at ${next}`);
    if (limit !== undefined) {
      assert.equal(j.meta.limit, limit, `walk ${first}: meta.limit ${j.meta.limit}, want ${limit}`);
      assert.ok(j.data.length <= limit, `walk ${first}: page of ${j.data.length} rows exceeds limit ${limit}`);
    }
    rows.push(...j.data);
    if (j.meta.next !== null) {
      assert.ok(j.data.length > 0, `walk ${first}: an empty page at ${next} has a next link`);
      assert.ok(
        j.meta.next.split('?')[0] === route,
        `walk ${first}: next ${j.meta.next} leaves the route ${route}`,
      );
      assert.ok(!seenNext.has(j.meta.next), `walk ${first}: next link ${j.meta.next} repeats`);
      seenNext.add(j.meta.next);
    }
    next = j.meta.next;
  }
  return { rows, total, pages };
}

const q = (s) => encodeURIComponent(s);

// ---------------------------------------------------------------------------
// Text helpers. Offsets are code points (start/end) and UTF-16 units.

const WS_ONLY = /^\p{White_Space}*$/u;
const cpSlice = (s, a, b) => Array.from(s).slice(a, b).join('');
const cpLength = (s) => Array.from(s).length;
const stripMarkers = (s) => s.replace(/\[\d+\]/g, '').replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
const sortNum = (a) => [...a].sort((x, y) => x - y);
const byId = (a, b) => a.id - b.id;
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function markersIn(text) {
  // [n] with 1 to 4 digits, n >= 1, in code points and UTF-16 units.
  const out = [];
  const re = /\[(\d{1,4})\]/g;
  let m;
  while ((m = re.exec(text))) {
    const n = Number(m[1]);
    if (n < 1) continue;
    const start = cpLength(text.slice(0, m.index));
    out.push({ n, start, end: start + m[0].length, start_utf16: m.index, end_utf16: m.index + m[0].length });
  }
  return out;
}

// The seed essay's body paragraphs, read from the file itself.
function seedParagraphs() {
  const t = readFileSync(path.join(CORPUS_DIR, SEED_FILE), 'utf8');
  const body = t.split(/\n\s*Endnotes:\s*\n/)[0];
  return body
    .split(/\n[ \t]*\n/)
    .map((p) => p.split('\n').map((l) => l.trim()).join(' ').trim())
    .filter(Boolean)
    .slice(1) // title
    .filter((p) => !p.startsWith('Note:'));
}

// ---------------------------------------------------------------------------
// Setup: import, serve.

const S = {}; // shared state filled by the setup tests
function need(...keys) {
  for (const k of keys) if (S[k] === undefined) throw new Error(`skipped: setup did not provide ${k}`);
}

const corpusFiles = existsSync(CORPUS_DIR)
  ? readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(CORPUS_DIR, f))
  : [];
const fixtureFiles = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(FIXTURE_DIR, f));
const importFiles = [...corpusFiles, ...fixtureFiles];
const FIXTURE_SLUGS = {
  'bridges-crlf-bom.txt': 'bridges-over-quiet-water',
  'counting-astral.txt': 'counting-offsets',
  'everyone-header-lines.txt': 'custom-header-slug',
  'dangling-markers.txt': 'dangling-markers-and-lonely-notes',
};

const IMPORT_LINE = /^(imported|unchanged|replaced) (.+) \(id (\d+), slug (\S+)\)$/;
function runImport(db) {
  const r = spawnSync(BIN, ['import', '--db', db, ...importFiles], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  const lines = {};
  for (const line of r.stdout.split('\n')) {
    const m = IMPORT_LINE.exec(line.trim());
    if (m) lines[path.basename(m[2])] = { action: m[1], id: Number(m[3]), slug: m[4] };
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, lines };
}

test('import: every corpus and fixture file is imported', async () => {
  assert.ok(existsSync(BIN), `no essayd binary at ${BIN} (run make, or set ESSAYD_BIN)`);
  assert.ok(corpusFiles.length >= 1, 'db/corpus has no .txt files');
  tmp = mkdtempSync(path.join(tmpdir(), 'essayd-api-'));
  S.db = path.join(tmp, 'essays.db');
  const r = runImport(S.db);
  S.import = r;
  assert.equal(r.status, 0, `import exited ${r.status} (signal ${r.signal}); stderr: ${r.stderr}`);
  for (const f of importFiles) {
    const l = r.lines[path.basename(f)];
    assert.ok(l, `no "imported PATH (id N, slug S)" line for ${path.basename(f)} in: ${r.stdout}`);
    assert.equal(l.action, 'imported', `${path.basename(f)}: ${l.action}, want imported`);
  }
  for (const [file, slug] of Object.entries(FIXTURE_SLUGS)) {
    assert.equal(r.lines[file].slug, slug, `${file}: slug ${r.lines[file].slug}, want ${slug}`);
  }
  assert.equal(r.lines[SEED_FILE]?.slug, SEED_SLUG, 'the seed essay\'s slug');
  S.importedIds = Object.fromEntries(Object.values(r.lines).map((l) => [l.slug, l.id]));
});

test('import: dangling marker is a warning on stderr, not a failure', async () => {
  need('import');
  assert.match(S.import.stderr, /dangling-markers\.txt:\d+:.*\[2\]|\[2\].*dangling|marker \[2\]/i,
    `expected a warning naming marker [2] of dangling-markers.txt on stderr, got: ${S.import.stderr}`);
});

test('import: re-importing unchanged files changes nothing', async () => {
  need('db', 'import');
  const r = runImport(S.db);
  assert.equal(r.status, 0, `second import exited ${r.status}; stderr: ${r.stderr}`);
  for (const f of importFiles) {
    const l = r.lines[path.basename(f)];
    assert.ok(l, `no line for ${path.basename(f)} in: ${r.stdout}`);
    assert.equal(l.action, 'unchanged', `${path.basename(f)}: ${l.action}, want unchanged`);
    assert.equal(l.id, S.import.lines[path.basename(f)].id, `${path.basename(f)}: id changed on re-import`);
  }
});

// Starts `essayd serve` on S.db (or db), 127.0.0.1, an ephemeral port, with
// extra arguments; resolves to { child, base, stdout, stderr, exited,
// exitInfo } once it announces its address. stderr (the access log) is kept
// whole.
async function startServer(extraArgs = [], { env, db } = {}) {
  need('db');
  const child = spawn(BIN, ['serve', '--db', db || S.db, '--host', '127.0.0.1', '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  const s = { child, exitInfo: null, stdout: '', stderr: '', base: null, args: extraArgs };
  servers.add(s);
  s.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      s.exitInfo = { code, signal };
      resolve(s.exitInfo);
    });
  });
  child.stderr.on('data', (d) => {
    s.stderr += d;
    if (s.stderr.length > 64_000_000) s.stderr = s.stderr.slice(-32_000_000);
  });
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        s.stdout += d;
        const m = /^essayd: listening on http:\/\/127\.0\.0\.1:(\d+)\s*$/m.exec(s.stdout);
        if (m) resolve(Number(m[1]));
      });
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        reject(new Error(`essayd serve ${extraArgs.join(' ')} exited (code ${code}, signal ${signal}) before listening; stderr: ${s.stderr}`)),
      );
    }),
    STARTUP_TIMEOUT_MS,
    'waiting for "essayd: listening on http://127.0.0.1:PORT"',
  );
  assert.ok(port > 0 && port < 65536, `bad port ${port}`);
  s.base = `http://127.0.0.1:${port}`;
  return s;
}

// SIGTERM, then the exit status and the sanitizers' silence.
async function stopServer(s) {
  if (s.exitInfo) return s.exitInfo;
  s.child.kill('SIGTERM');
  const info = await withTimeout(s.exited, SHUTDOWN_TIMEOUT_MS, `waiting for essayd ${s.args.join(' ')} to exit after SIGTERM`).catch((e) => {
    s.child.kill('SIGKILL');
    throw e;
  });
  assert.deepEqual(info, { code: 0, signal: null }, `exit after SIGTERM; stderr: ${s.stderr.slice(-2000)}`);
  assert.doesNotMatch(s.stderr, /runtime error:|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer/, s.stderr.slice(-2000));
  return info;
}

test('serve: starts on an ephemeral port and announces it', async () => {
  server = await startServer();
  BASE = server.base;
});

test('setup: load every article, claim and endnote through the API', async () => {
  need('importedIds');
  const list = await walk('/v1/articles?limit=500', { limit: 500 });
  assert.equal(list.total, importFiles.length, `meta.total ${list.total}, want ${importFiles.length} imported files`);
  S.summaries = list.rows;
  const articles = {};
  for (const s of list.rows) articles[s.slug] = await getJson(`/v1/articles/${s.id}`);
  S.articles = articles;
  S.allClaims = (await walk('/v1/claims?limit=500', { limit: 500 })).rows;
  S.allEndnotes = (await walk('/v1/endnotes?limit=500', { limit: 500 })).rows;
  assert.ok(articles[SEED_SLUG], `no article with slug ${SEED_SLUG}`);
  S.seed = articles[SEED_SLUG];
});

// ---------------------------------------------------------------------------
// Meta routes.

test('GET /v1 lists every path of openapi.yaml, and only those', async () => {
  const j = await getJson('/v1');
  assert.equal(j.name, 'essayd');
  assert.ok(j.version.length > 0, 'version is empty');
  const norm = (p) => p.replace(/\{[^}]+\}/g, '{}');
  const listed = new Set(j.endpoints.filter((e) => e.method === 'GET').map((e) => norm(e.path)));
  const documented = new Set(pathTemplates.map(norm));
  const missing = [...documented].filter((p) => !listed.has(p));
  const extra = [...new Set(j.endpoints.map((e) => norm(e.path)))].filter((p) => !documented.has(p));
  assert.deepEqual(missing, [], `GET endpoints missing from /v1: ${missing.join(', ')}`);
  assert.deepEqual(extra, [], `/v1 lists paths openapi.yaml does not: ${extra.join(', ')}`);
});

test('GET /healthz answers {"status":"ok"}', async () => {
  const r = await get('/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
});

test('GET /openapi.yaml serves the file on disk byte for byte', async () => {
  const r = await get('/openapi.yaml');
  assert.equal(r.status, 200);
  assert.match(r.contentType, /^application\/yaml\b/);
  assert.ok(r.body.equals(readFileSync(SPEC_PATH)), `served spec (${r.body.length} bytes) differs from ${SPEC_PATH} (${Buffer.byteLength(specText)} bytes)`);
});

// Concrete paths for every template (/v1/search with the q it requires).
function concretePaths() {
  need('seed');
  const claimId = S.seed.claims[0].id;
  const endnoteId = S.seed.endnotes[0].id;
  return pathTemplates.map((t) =>
    t
      .replace('{article}', String(S.seed.id))
      .replace(/\/v1\/claims\/\{id\}/, `/v1/claims/${claimId}`)
      .replace(/\/v1\/endnotes\/\{id\}/, `/v1/endnotes/${endnoteId}`)
      .replace(/^\/v1\/search$/, '/v1/search?q=korea'),
  );
}

test('HEAD on every GET route: same status and headers as GET, no body', async () => {
  const errs = [];
  for (const p of [...concretePaths(), '/v1/articles?limit=abc', '/v1/articles/999999', '/nope']) {
    const g = await get(p);
    const h = await req('HEAD', p);
    if (h.status !== g.status) errs.push(`${p}: HEAD ${h.status}, GET ${g.status}`);
    if (h.contentType !== g.contentType) errs.push(`${p}: HEAD Content-Type ${h.contentType}, GET ${g.contentType}`);
    if (h.body.length !== 0) errs.push(`${p}: HEAD has a ${h.body.length}-byte body`);
    // /metrics counts the GET itself: its body (so its length and ETag)
    // differs from one request to the next.
    const volatile = p === '/metrics';
    const hl = h.headers['content-length'];
    const gl = g.headers['content-length'];
    if (!volatile && hl !== undefined && gl !== undefined && hl !== gl) errs.push(`${p}: HEAD Content-Length ${hl}, GET ${gl}`);
    // Every other header alike too, except Date, connection management and
    // X-Request-Id (a fresh one per request).
    const skip = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id']);
    if (volatile) skip.add('etag');
    const names = new Set([...Object.keys(g.headers), ...Object.keys(h.headers)].filter((k) => !skip.has(k)));
    for (const k of names) if (g.headers[k] !== h.headers[k]) errs.push(`${p}: header ${k}: HEAD ${h.headers[k]}, GET ${g.headers[k]}`);
  }
  assert.deepEqual(errs, []);
});

test('HEAD /v1/articles: 200, no body, application/json', async () => {
  const r = await req('HEAD', '/v1/articles');
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.match(r.contentType, /^application\/json\b/);
});

// The write methods each route takes (write.mjs tests them); every other
// route is read-only.
const writeMethods = (p) =>
  /^\/v1\/articles$/.test(p) ? ['POST'] : /^\/v1\/articles\/[^/]+$/.test(p) ? ['PUT', 'DELETE'] : [];

test('OPTIONS on every route: 204 with Allow listing GET and HEAD, and the writes of the two article routes', async () => {
  const errs = [];
  for (const p of concretePaths()) {
    const r = await req('OPTIONS', p);
    if (r.status !== 204) errs.push(`${p}: ${r.status}`);
    const allow = (r.headers.allow || '').split(',').map((s) => s.trim());
    const writes = writeMethods(p.split('?')[0]);
    for (const m of ['GET', 'HEAD', ...writes]) if (!allow.includes(m)) errs.push(`${p}: Allow "${r.headers.allow}" lacks ${m}`);
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) if (allow.includes(m) && !writes.includes(m)) errs.push(`${p}: Allow "${r.headers.allow}" has ${m}`);
    if (r.body.length) errs.push(`${p}: 204 with a body`);
  }
  assert.deepEqual(errs, []);
});

test('POST, PUT, PATCH, DELETE on read routes: 405 problem with Allow; writes on a read-only server: 403', async () => {
  need('seed');
  const errs = [];
  const routes = ['/v1/articles', `/v1/articles/${S.seed.id}`, `/v1/claims/${S.seed.claims[0].id}`, '/v1/endnotes', '/healthz', '/v1'];
  for (const p of routes) {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await req(m, p, m === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' });
      if (writeMethods(p).includes(m)) {
        // This server has no --token-file: the write exists but is off.
        if (r.status !== 403 || r.json.type !== '/problems/writes-disabled') errs.push(`${m} ${p}: ${r.status} ${r.text.slice(0, 100)}, want 403 writes-disabled`);
        continue;
      }
      if (r.status !== 405) {
        errs.push(`${m} ${p}: ${r.status}`);
        continue;
      }
      if (!/\bGET\b/.test(r.headers.allow || '')) errs.push(`${m} ${p}: Allow "${r.headers.allow}" lacks GET`);
      if (r.json.type !== '/problems/method-not-allowed') errs.push(`${m} ${p}: type ${r.json.type}`);
    }
  }
  assert.deepEqual(errs, []);
});

test('unknown method FOO: 501 problem', async () => {
  const r = await raw('FOO', '/v1/articles');
  assert.equal(r.status, 501);
  assert.equal(r.json.type, '/problems/not-implemented');
});

// ---------------------------------------------------------------------------
// The seed essay.

const SEED_ENDNOTES = {
  1: { author: 'BBC News', date: '2017-10-16', title: 'North Korea crisis: Tillerson says diplomacy will continue', publisher: null, retrieved: '2017-12-22', url: 'http://www.bbc.com/news/world-asia-41629233', host: 'www.bbc.com', domain: 'bbc.com' },
  2: { author: 'Stewart, P.', date: '2017-10-26', title: 'Mattis talks diplomacy on North Korea ahead of Trump’s Asia tour', publisher: 'Reuters', retrieved: '2017-12-22', url: 'https://www.reuters.com/article/us-northkorea-missiles/mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-idUSKBN1CW04W', host: 'www.reuters.com', domain: 'reuters.com' },
  3: { author: 'Powell, B.', date: '2017-04-24', title: 'What war with North Korea will look like', publisher: 'Newsweek', retrieved: '2017-12-22', url: 'http://www.newsweek.com/2017/05/05/what-war-north-korea-looks-588861.html', host: 'www.newsweek.com', domain: 'newsweek.com' },
  4: { author: 'Harris, G.', date: '2017-08-07', title: 'A rare round of diplomacy from North Korea’s top diplomat', publisher: 'New York Times', retrieved: '2017-12-22', url: 'https://www.nytimes.com/2017/08/07/world/asia/north-korea-asean-tillerson.html', host: 'www.nytimes.com', domain: 'nytimes.com' },
  5: { author: 'Fuchs, M.', date: '2017-12-21', title: 'The North Korea deal', publisher: 'Foreign Affairs', retrieved: '2017-12-22', url: 'https://www.foreignaffairs.com/articles/north-korea/2017-12-21/north-korea-deal', host: 'www.foreignaffairs.com', domain: 'foreignaffairs.com' },
  6: { author: 'NPR Morning Edition', date: '2017-09-04', title: 'What diplomacy can and can’t change with North Korea', publisher: null, retrieved: '2017-12-22', url: 'https://www.npr.org/2017/09/04/548415546/what-diplomacy-can-and-cant-change-with-north-korea', host: 'www.npr.org', domain: 'npr.org' },
  7: { author: 'Jones, S.', date: '2017-11-19', title: 'China optimistic diplomacy will solve North Korean nuclear issue', publisher: 'Bloomberg', retrieved: '2017-12-22', url: 'https://www.bloomberg.com/news/articles/2017-11-19/china-optimistic-diplomacy-will-solve-north-korea-nuclear-issue', host: 'www.bloomberg.com', domain: 'bloomberg.com' },
};

function seedClaimCiting(n) {
  const e = S.seed.endnotes.find((x) => x.n === n);
  assert.ok(e, `seed has no endnote [${n}]`);
  assert.equal(e.cited_by.length, 1, `endnote [${n}] cited_by ${JSON.stringify(e.cited_by)}, want exactly one claim`);
  const c = S.seed.claims.find((x) => x.id === e.cited_by[0]);
  assert.ok(c, `endnote [${n}] cited_by ${e.cited_by[0]}, which is not a claim of the article`);
  return c;
}

test('seed: found by slug; by id and by slug give the same article', async () => {
  need('seed');
  const bySlug = await getJson(`/v1/articles/${SEED_SLUG}`);
  const byId = await getJson(`/v1/articles/${S.seed.id}`);
  assert.deepEqual(bySlug, byId);
  assert.equal(byId.slug, SEED_SLUG);
  assert.equal(byId.id, S.importedIds[SEED_SLUG], 'id differs from the one the importer printed');
});

test('seed: article fields', async () => {
  need('seed');
  const a = S.seed;
  assert.equal(a.title, 'Assessing U.S.-China Diplomatic Solution to North Korea');
  assert.equal(a.venue, 'RealClear Defense');
  assert.equal(a.published, '2018-01-16');
  assert.equal(a.category, 'National Security & Intelligence');
  assert.equal(a.category_slug, 'national-security-intelligence');
  assert.equal(a.note, 'This piece was originally published at RealClear Defense on January 16, 2018.');
  assert.deepEqual(a.authors, []);
  assert.equal(a.paragraph_count, 12);
  assert.equal(a.endnote_count, 7);
  assert.ok(a.word_count > 700 && a.word_count < 900, `word_count ${a.word_count} is implausible for ~780 words`);
  assert.equal(a.source_sha256, sha256(readFileSync(path.join(CORPUS_DIR, SEED_FILE))));
  assert.equal(a.version, 1, 'version after one import (and an unchanged re-import)');
});

// The seed file has 12 body paragraphs between its Note line and
// "Endnotes:" (the brief said 13; the file is the authority).
test('seed: 12 paragraphs as written, index 4 is the only quote', async () => {
  need('seed');
  const want = seedParagraphs();
  assert.equal(want.length, 12, 'the test\'s own reading of the seed file');
  assert.equal(S.seed.paragraphs.length, 12);
  S.seed.paragraphs.forEach((p, i) => {
    assert.equal(p.index, i, `paragraph ${i} has index ${p.index}`);
    assert.equal(p.kind, i === 4 ? 'quote' : 'text', `paragraph ${i} kind`);
    assert.equal(p.text, want[i], `paragraph ${i} text`);
  });
});

test('seed: 7 endnotes with every parsed field', async () => {
  need('seed');
  const got = sortNum(S.seed.endnotes.map((e) => e.n));
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7]);
  for (const e of S.seed.endnotes) {
    const want = SEED_ENDNOTES[e.n];
    const pick = Object.fromEntries(Object.keys(want).map((k) => [k, e[k]]));
    assert.deepEqual(pick, want, `endnote [${e.n}]`);
    assert.ok(e.raw.includes(want.title), `endnote [${e.n}] raw lacks its title: ${e.raw}`);
    assert.equal(e.article_id, S.seed.id);
  }
});

test('seed: each endnote is cited by exactly one claim carrying only its marker', async () => {
  need('seed');
  for (const e of S.seed.endnotes) {
    const c = seedClaimCiting(e.n);
    assert.deepEqual(c.endnotes, [e.n], `claim citing [${e.n}]: endnotes`);
    assert.deepEqual(c.endnote_ids, [e.id], `claim citing [${e.n}]: endnote_ids`);
    assert.equal(c.cited, true, `claim citing [${e.n}]: cited`);
  }
});

test('seed: the claims citing [1], [2], [3]', async () => {
  need('seed');
  const c1 = seedClaimCiting(1);
  assert.equal(c1.text, 'As recently as October, U.S. Secretary of State, Rex Tillerson, stated that the U.S. was in ‘direct contact’ with North Korea and are open to the possibility of talks.');
  assert.ok(c1.text.endsWith('possibility of talks.'));
  const c2 = seedClaimCiting(2);
  assert.equal(c2.text, 'Also, U.S. Defense Secretary, Jim Mattis, has said, “No one is rushing for war.”');
  assert.equal(c2.quote, true, '[2] claim quote');
  assert.equal(c2.statistic, false, '[2] claim: "No one" is an idiom, not a quantity');
  const c3 = seedClaimCiting(3);
  assert.ok(c3.text.includes('1 million'), `[3] claim: ${c3.text}`);
  assert.equal(c3.statistic, true, '[3] claim statistic');
});

test('seed: statistic flags ("Ninety percent" yes; years, ordinals, idioms no)', async () => {
  need('seed');
  const find = (s) => {
    const c = S.seed.claims.find((x) => x.text.includes(s));
    assert.ok(c, `no claim containing "${s}"`);
    return c;
  };
  const errs = [];
  const expect = (s, v) => {
    const c = find(s);
    if (c.statistic !== v) errs.push(`"${c.text}" statistic ${c.statistic}, want ${v}`);
  };
  expect('Ninety percent', true);
  expect('1 million', true);
  expect('began in 2003', false); // years, "Six-Party"
  expect('first/second strike', false); // ordinals
  expect('one cannot ignore', false); // idiom
  assert.deepEqual(errs, []);
});

test('seed: normative flag follows must / should / ought to / need(s) to / has to', async () => {
  need('seed');
  const re = /\b(must|should|ought to|needs? to|has to|have to)\b|it is essential that/i;
  const errs = S.seed.claims
    .filter((c) => c.normative !== re.test(c.text))
    .map((c) => `"${c.text}" normative ${c.normative}`);
  assert.ok(S.seed.claims.filter((c) => /\bmust\b/.test(c.text)).length >= 8, 'expected many "must" claims');
  assert.deepEqual(errs, []);
});

test('seed: quote flag (quote paragraph yes; scare quotes of two words no)', async () => {
  need('seed');
  const errs = [];
  for (const c of S.seed.claims.filter((x) => x.paragraph === 4)) if (!c.quote) errs.push(`quote paragraph claim "${c.text}" quote false`);
  const c6 = seedClaimCiting(6);
  if (!c6.quote) errs.push(`[6] claim (Hill's quotation) quote false`);
  const c1 = seedClaimCiting(1);
  if (c1.quote) errs.push(`[1] claim (scare-quoted ‘direct contact’) quote true`);
  assert.deepEqual(errs, []);
});

test('seed: source_sha256 of every imported file', async () => {
  need('articles', 'import');
  const errs = [];
  for (const f of importFiles) {
    const slug = S.import.lines[path.basename(f)].slug;
    const a = S.articles[slug];
    if (!a) errs.push(`${slug}: not served`);
    else if (a.source_sha256 !== sha256(readFileSync(f))) errs.push(`${slug}: source_sha256 ${a.source_sha256}`);
  }
  assert.deepEqual(errs, []);
});

// ---------------------------------------------------------------------------
// Invariants over every article.

test('every article: counts, summaries and indexes agree', async () => {
  need('articles', 'summaries');
  const errs = [];
  const parserVersions = new Set();
  for (const a of Object.values(S.articles)) {
    if (a.paragraph_count !== a.paragraphs.length) errs.push(`${a.slug}: paragraph_count ${a.paragraph_count} vs ${a.paragraphs.length}`);
    if (a.claim_count !== a.claims.length) errs.push(`${a.slug}: claim_count ${a.claim_count} vs ${a.claims.length}`);
    if (a.endnote_count !== a.endnotes.length) errs.push(`${a.slug}: endnote_count ${a.endnote_count} vs ${a.endnotes.length}`);
    a.paragraphs.forEach((p, i) => p.index !== i && errs.push(`${a.slug}: paragraphs[${i}].index ${p.index}`));
    a.claims.forEach((c, i) => c.index !== i && errs.push(`${a.slug}: claims[${i}].index ${c.index}`));
    for (const c of a.claims) if (c.article_id !== a.id) errs.push(`${a.slug}: claim ${c.id} article_id ${c.article_id}`);
    for (const e of a.endnotes) if (e.article_id !== a.id) errs.push(`${a.slug}: endnote ${e.id} article_id ${e.article_id}`);
    const s = S.summaries.find((x) => x.id === a.id);
    const { paragraphs, claims, endnotes, ...summary } = a;
    if (!s) errs.push(`${a.slug}: missing from /v1/articles`);
    else if (JSON.stringify(s) !== JSON.stringify(summary)) {
      try {
        assert.deepEqual(s, summary);
      } catch (e) {
        errs.push(`${a.slug}: summary differs from the article: ${e.message}`);
      }
    }
    parserVersions.add(a.parser_version);
    if (S.importedIds[a.slug] !== a.id) errs.push(`${a.slug}: id ${a.id}, importer said ${S.importedIds[a.slug]}`);
    if (a.version !== 1) errs.push(`${a.slug}: version ${a.version}, want 1`);
  }
  if (parserVersions.size !== 1) errs.push(`parser_version differs between articles: ${[...parserVersions]}`);
  assert.deepEqual(errs, []);
});

test('every claim: code-point slice without markers, trimmed, equals text; UTF-16 slice agrees', async () => {
  need('articles');
  const errs = [];
  for (const a of Object.values(S.articles)) {
    for (const c of a.claims) {
      const p = a.paragraphs[c.paragraph];
      if (!p) {
        errs.push(`${a.slug} claim ${c.id}: no paragraph ${c.paragraph}`);
        continue;
      }
      const cp = cpSlice(p.text, c.start, c.end);
      const u16 = p.text.slice(c.start_utf16, c.end_utf16);
      if (!(c.start < c.end)) errs.push(`${a.slug} claim ${c.id}: empty range [${c.start}, ${c.end})`);
      if (c.end > cpLength(p.text)) errs.push(`${a.slug} claim ${c.id}: end ${c.end} beyond the paragraph`);
      if (stripMarkers(cp) !== c.text) errs.push(`${a.slug} claim ${c.id}: slice ${JSON.stringify(cp)} ≠ text ${JSON.stringify(c.text)}`);
      if (u16 !== cp) errs.push(`${a.slug} claim ${c.id}: UTF-16 slice ${JSON.stringify(u16)} ≠ code-point slice ${JSON.stringify(cp)}`);
    }
  }
  assert.deepEqual(errs, []);
});

test('every paragraph: claims tile it (only white space outside and between them)', async () => {
  need('articles');
  const errs = [];
  for (const a of Object.values(S.articles)) {
    for (const p of a.paragraphs) {
      const cs = a.claims.filter((c) => c.paragraph === p.index);
      const len = cpLength(p.text);
      if (cs.length === 0) {
        errs.push(`${a.slug} paragraph ${p.index}: no claims`);
        continue;
      }
      for (let i = 1; i < cs.length; i++) {
        if (cs[i].start < cs[i - 1].end) errs.push(`${a.slug} paragraph ${p.index}: claims ${cs[i - 1].id} and ${cs[i].id} overlap or are out of order`);
      }
      const gaps = [[0, cs[0].start]];
      for (let i = 1; i < cs.length; i++) gaps.push([cs[i - 1].end, cs[i].start]);
      gaps.push([cs[cs.length - 1].end, len]);
      for (const [x, y] of gaps) {
        const g = cpSlice(p.text, x, y);
        if (!WS_ONLY.test(g)) errs.push(`${a.slug} paragraph ${p.index}: ${JSON.stringify(g)} at [${x}, ${y}) lies outside every claim`);
      }
    }
  }
  assert.deepEqual(errs, []);
});

test('every marker: [start, end) is "[n]" in code points and in UTF-16; markers are all of them', async () => {
  need('articles');
  const errs = [];
  for (const a of Object.values(S.articles)) {
    for (const p of a.paragraphs) {
      for (const m of p.markers) {
        if (cpSlice(p.text, m.start, m.end) !== `[${m.n}]`) errs.push(`${a.slug} paragraph ${p.index} marker ${m.n}: code points give ${JSON.stringify(cpSlice(p.text, m.start, m.end))}`);
        if (p.text.slice(m.start_utf16, m.end_utf16) !== `[${m.n}]`) errs.push(`${a.slug} paragraph ${p.index} marker ${m.n}: UTF-16 gives ${JSON.stringify(p.text.slice(m.start_utf16, m.end_utf16))}`);
      }
      try {
        assert.deepEqual(p.markers, markersIn(p.text));
      } catch {
        errs.push(`${a.slug} paragraph ${p.index}: markers ${JSON.stringify(p.markers)}, want ${JSON.stringify(markersIn(p.text))}`);
      }
    }
  }
  assert.deepEqual(errs, []);
});

test('every claim: endnotes are its markers, endnote_ids resolve them, cited_by is the inverse', async () => {
  need('articles');
  const errs = [];
  for (const a of Object.values(S.articles)) {
    const byN = new Map(a.endnotes.map((e) => [e.n, e]));
    for (const c of a.claims) {
      const p = a.paragraphs[c.paragraph];
      const ns = p.markers.filter((m) => m.start >= c.start && m.end <= c.end).map((m) => m.n);
      if (JSON.stringify(ns) !== JSON.stringify(c.endnotes)) errs.push(`${a.slug} claim ${c.id}: endnotes ${JSON.stringify(c.endnotes)}, markers in range ${JSON.stringify(ns)}`);
      const ids = c.endnotes.map((n) => (byN.has(n) ? byN.get(n).id : null));
      if (JSON.stringify(ids) !== JSON.stringify(c.endnote_ids)) errs.push(`${a.slug} claim ${c.id}: endnote_ids ${JSON.stringify(c.endnote_ids)}, want ${JSON.stringify(ids)}`);
      if (c.endnotes.length === 0 && c.cited) errs.push(`${a.slug} claim ${c.id}: cited without markers`);
      if (ids.some((x) => x !== null) && !c.cited) errs.push(`${a.slug} claim ${c.id}: not cited but cites ${JSON.stringify(ids)}`);
    }
    for (const e of a.endnotes) {
      const want = sortNum(a.claims.filter((c) => c.endnote_ids.includes(e.id)).map((c) => c.id));
      if (JSON.stringify(sortNum(e.cited_by)) !== JSON.stringify(want)) errs.push(`${a.slug} endnote [${e.n}]: cited_by ${JSON.stringify(e.cited_by)}, want ${JSON.stringify(want)}`);
    }
  }
  assert.deepEqual(errs, []);
});

test('every claim: key is 16 hex digits, unique, and ?key= finds it', async () => {
  need('allClaims', 'seed');
  const keys = new Map();
  const errs = [];
  for (const c of S.allClaims) {
    if (keys.has(c.key)) errs.push(`claims ${keys.get(c.key)} and ${c.id} share key ${c.key}`);
    keys.set(c.key, c.id);
  }
  const c = seedClaimCiting(2);
  const j = await getJson(`/v1/claims?key=${c.key}`);
  assert.deepEqual(j.data.map((x) => x.id), [c.id], `?key=${c.key}`);
  assert.equal(j.meta.total, 1);
  assert.deepEqual(errs, []);
});

test('per-article lists equal the article\'s claims and endnotes', async () => {
  need('articles');
  for (const a of Object.values(S.articles)) {
    const cs = (await walk(`/v1/articles/${a.id}/claims?limit=3`, { limit: 3 })).rows;
    assert.deepEqual(cs, [...a.claims].sort(byId), `/v1/articles/${a.id}/claims`);
    const es = (await walk(`/v1/articles/${a.slug}/endnotes?limit=3`, { limit: 3 })).rows;
    assert.deepEqual(es, [...a.endnotes].sort(byId), `/v1/articles/${a.slug}/endnotes`);
  }
});

test('GET /v1/claims/{id}: the claim with endnotes_expanded', async () => {
  need('articles');
  for (const a of Object.values(S.articles)) {
    for (const c of a.claims.filter((x) => x.endnotes.length > 0).slice(0, 3)) {
      const j = await getJson(`/v1/claims/${c.id}`);
      const { endnotes_expanded, ...rest } = j;
      assert.deepEqual(rest, c, `claim ${c.id}`);
      const want = c.endnote_ids.filter((x) => x !== null).map((id) => a.endnotes.find((e) => e.id === id));
      assert.deepEqual(endnotes_expanded, want, `claim ${c.id} endnotes_expanded`);
    }
  }
});

test('GET /v1/endnotes/{id}: equals the article\'s endnote', async () => {
  need('seed');
  for (const e of S.seed.endnotes) assert.deepEqual(await getJson(`/v1/endnotes/${e.id}`), e);
});

// ---------------------------------------------------------------------------
// Fixtures.

function fixture(slug) {
  need('articles');
  const a = S.articles[slug];
  assert.ok(a, `fixture article ${slug} is not served (have: ${Object.keys(S.articles).join(', ')})`);
  return a;
}

test('fixture CRLF + BOM + trailing spaces, no Note, no category', async () => {
  const a = fixture('bridges-over-quiet-water');
  assert.equal(a.title, 'Bridges Over Quiet Water');
  for (const k of ['note', 'venue', 'published', 'category', 'category_slug']) assert.equal(a[k], null, k);
  assert.deepEqual(a.authors, []);
  assert.deepEqual(a.paragraphs.map((p) => p.text), [
    'Old bridges carry more than traffic.[1] They carry the habits of the towns that built them, one crossing at a time.',
    'A bridge that is never inspected will fail.[2] Inspection is cheap; collapse is not.',
  ]);
  assert.deepEqual(a.claims.map((c) => c.text), [
    'Old bridges carry more than traffic.',
    'They carry the habits of the towns that built them, one crossing at a time.',
    'A bridge that is never inspected will fail.',
    'Inspection is cheap; collapse is not.',
  ]);
  const en = Object.fromEntries(a.endnotes.map((e) => [e.n, e]));
  assert.deepEqual(Object.keys(en), ['1', '2']);
  for (const e of a.endnotes) assert.ok(!/[\r\uFEFF]/.test(e.raw), `endnote [${e.n}] raw keeps CR or BOM: ${JSON.stringify(e.raw)}`);
  assert.equal(en[1].url, 'https://www.example.com/bridges/endure');
  assert.equal(en[1].domain, 'example.com');
  assert.equal(en[2].date, '2016-11-11');
  assert.equal(en[2].host, 'example.org');
});

test('fixture outside the BMP: code-point and UTF-16 offsets differ and are both right', async () => {
  const a = fixture('counting-offsets');
  assert.equal(a.title, 'Counting 😀 Offsets');
  assert.equal(a.published, '2019-03-03');
  assert.equal(a.venue, 'Example Review');
  assert.equal(a.category, 'Science & Technology');
  assert.equal(a.category_slug, 'science-technology');
  assert.deepEqual(a.paragraphs[0].markers, [{ n: 1, start: 30, end: 33, start_utf16: 31, end_utf16: 34 }]);
  assert.deepEqual(a.paragraphs[1].markers, [{ n: 2, start: 48, end: 51, start_utf16: 50, end_utf16: 53 }]);
  const pick = (c) => [c.paragraph, c.start, c.end, c.start_utf16, c.end_utf16, c.text];
  assert.deepEqual(a.claims.map(pick), [
    [0, 0, 33, 0, 34, 'Emoji 😀 take two UTF-16 units.'],
    [0, 34, 58, 35, 59, 'Plain text follows here.'],
    [1, 0, 51, 0, 53, 'Stars 🌟 and 🌍 globes both sit outside the plane.'],
    [1, 52, 82, 54, 84, 'This sentence is the last one.'],
  ]);
  for (const e of a.endnotes) {
    assert.equal(e.host, 'news.example.co.uk', `[${e.n}] host`);
    assert.equal(e.domain, 'example.co.uk', `[${e.n}] domain (Public Suffix List)`);
    assert.equal(e.publisher, 'Example Press', `[${e.n}] publisher`);
  }
});

test('fixture with Author:, Slug:, Category: header lines and no endnotes', async () => {
  const a = fixture('custom-header-slug');
  assert.equal(a.title, 'Everyone Signs Here');
  assert.deepEqual(a.authors, ['Ada Lovelace', 'Charles Babbage']);
  assert.equal(a.category, 'Science & Technology');
  assert.equal(a.category_slug, 'science-technology');
  assert.equal(a.note, null);
  assert.equal(a.endnote_count, 0);
  assert.equal(a.paragraphs.length, 2);
  assert.ok(a.paragraphs.every((p) => !/^(Author|Slug|Category):/.test(p.text)), 'a header line became a paragraph');
  assert.equal(a.claims.length, 4);
  assert.ok(a.claims.every((c) => !c.cited), 'claims without markers are cited');
  assert.equal(a.claims[3].text, 'Readers should find the essay by that slug.');
  assert.equal(a.claims[3].normative, true, '"should" is normative');
  const bySlug = await getJson('/v1/articles/custom-header-slug');
  assert.equal(bySlug.id, a.id);
});

test('fixture with a marker that has no endnote and an endnote nobody cites', async () => {
  const a = fixture('dangling-markers-and-lonely-notes');
  assert.equal(a.published, '2020-05-05');
  assert.equal(a.venue, 'The Example Journal');
  assert.equal(a.category, 'Media Studies');
  assert.deepEqual(sortNum(a.endnotes.map((e) => e.n)), [1, 3, 4]);
  const dangling = a.claims.find((c) => c.endnotes.includes(2));
  assert.ok(dangling, 'no claim carries marker [2]');
  assert.equal(dangling.text, 'The second cites a note that was never written.');
  assert.deepEqual(dangling.endnotes, [2]);
  assert.deepEqual(dangling.endnote_ids, [null]);
  const lonely = a.endnotes.find((e) => e.n === 4);
  assert.deepEqual(lonely.cited_by, []);
  assert.equal(lonely.date, null, '"n.d." is a null date');
  assert.equal(lonely.retrieved, '2020-05-04');
  const j = await getJson(`/v1/claims?endnote=${lonely.id}`);
  assert.equal(j.meta.total, 0, 'claims citing the uncited endnote');
  assert.deepEqual(j.data, []);
});

// ---------------------------------------------------------------------------
// Pagination.

test('pagination: /v1/claims?limit=7 visits every claim once, by id', async () => {
  need('articles');
  const { rows, total } = await walk('/v1/claims?limit=7', { limit: 7 });
  const ids = rows.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, 'a claim was visited twice');
  assert.deepEqual(ids, sortNum(ids), 'not in ascending id order');
  const want = Object.values(S.articles).reduce((n, a) => n + a.claim_count, 0);
  assert.equal(total, want, `meta.total vs the articles' claim_count sum`);
  assert.equal(ids.length, total, 'rows visited vs meta.total');
  assert.deepEqual(sortNum(ids), sortNum(Object.values(S.articles).flatMap((a) => a.claims.map((c) => c.id))));
});

test('pagination: /v1/endnotes?limit=3 visits every endnote once, by id', async () => {
  need('articles');
  const { rows, total } = await walk('/v1/endnotes?limit=3', { limit: 3 });
  const ids = rows.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'an endnote was visited twice');
  assert.deepEqual(ids, sortNum(ids), 'not in ascending id order');
  assert.equal(ids.length, total);
  assert.deepEqual(sortNum(ids), sortNum(Object.values(S.articles).flatMap((a) => a.endnotes.map((e) => e.id))));
});

test('pagination: filtered walks carry the filter (/v1/claims?cited=true&limit=2)', async () => {
  need('allClaims');
  const { rows, total } = await walk('/v1/claims?cited=true&limit=2', { limit: 2 });
  const want = S.allClaims.filter((c) => c.cited).map((c) => c.id);
  assert.deepEqual(rows.map((c) => c.id), want);
  assert.equal(total, want.length);
});

function checkOrder(rows, sort) {
  const desc = sort.startsWith('-');
  const key = sort.replace('-', '');
  const vals = rows.map((r) => r[key]);
  // nulls (unpublished) together, at one end
  const nullIdx = vals.map((v, i) => (v === null ? i : -1)).filter((i) => i >= 0);
  if (nullIdx.length) {
    const atStart = nullIdx.every((x, i) => x === i);
    const atEnd = nullIdx.every((x, i) => x === vals.length - nullIdx.length + i);
    assert.ok(atStart || atEnd, `sort=${sort}: null ${key}s are not together at one end: ${JSON.stringify(vals)}`);
  }
  const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
  for (let i = 1; i < rows.length; i++) {
    const [x, y] = [vals[i - 1], vals[i]];
    if (x === null || y === null) continue;
    const c = cmp(x, y);
    assert.ok(desc ? c >= 0 : c <= 0, `sort=${sort}: ${JSON.stringify(x)} before ${JSON.stringify(y)}`);
  }
}

for (const sort of ['published', '-published', 'title', '-title']) {
  test(`pagination: /v1/articles?sort=${sort}&limit=2 visits every article once, in order`, async () => {
    need('summaries');
    const { rows, total } = await walk(`/v1/articles?sort=${q(sort)}&limit=2`, { limit: 2 });
    const ids = rows.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'an article was visited twice');
    assert.equal(ids.length, total);
    assert.deepEqual(sortNum(ids), sortNum(S.summaries.map((a) => a.id)));
    checkOrder(rows, sort);
    if (sort === 'title') {
      assert.deepEqual(rows.map((a) => a.slug), [SEED_SLUG, 'bridges-over-quiet-water', 'counting-offsets', 'dangling-markers-and-lonely-notes', 'custom-header-slug']);
    }
  });
}

test('pagination: the default order is sort=-published, the default limit 20', async () => {
  const d = await getJson('/v1/articles');
  const s = await getJson('/v1/articles?sort=-published');
  assert.equal(d.meta.limit, 20);
  assert.deepEqual(d.data.map((a) => a.id), s.data.map((a) => a.id));
  const l = await getJson('/v1/claims?limit=500');
  assert.equal(l.meta.limit, 500);
});

// ---------------------------------------------------------------------------
// Filters.

test('filters: cited / quote / statistic / normative partition the claims', async () => {
  need('allClaims');
  const all = S.allClaims;
  for (const flag of ['cited', 'quote', 'statistic', 'normative']) {
    const t = await walk(`/v1/claims?${flag}=true&limit=500`);
    const f = await walk(`/v1/claims?${flag}=false&limit=500`);
    assert.equal(t.total + f.total, all.length, `${flag}: true ${t.total} + false ${f.total} ≠ ${all.length}`);
    assert.ok(t.rows.every((c) => c[flag] === true), `${flag}=true returned a claim with ${flag} false`);
    assert.ok(f.rows.every((c) => c[flag] === false), `${flag}=false returned a claim with ${flag} true`);
    assert.deepEqual(t.rows.map((c) => c.id), all.filter((c) => c[flag]).map((c) => c.id), `${flag}=true ids`);
  }
});

test('filters: statistic=true&cited=false combine with AND', async () => {
  need('allClaims');
  const j = await walk('/v1/claims?statistic=true&cited=false&limit=500');
  const want = S.allClaims.filter((c) => c.statistic && !c.cited).map((c) => c.id);
  assert.deepEqual(j.rows.map((c) => c.id), want);
  assert.equal(j.total, want.length);
});

test('filters: /v1/claims?domain=reuters.com and ?publisher=Reuters give the claim citing [2]', async () => {
  need('seed');
  const c = seedClaimCiting(2);
  for (const p of ['/v1/claims?domain=reuters.com', '/v1/claims?publisher=Reuters']) {
    const j = await getJson(p);
    assert.deepEqual(j.data.map((x) => x.id), [c.id], p);
    assert.equal(j.meta.total, 1, p);
  }
});

test('filters: /v1/endnotes?domain=bbc.com, ?publisher=Newsweek, ?n=3, ?year=2017', async () => {
  need('seed', 'allEndnotes');
  const seedN = (n) => S.seed.endnotes.find((e) => e.n === n).id;
  let j = await getJson('/v1/endnotes?domain=bbc.com');
  assert.deepEqual(j.data.map((e) => e.id), [seedN(1)], 'domain=bbc.com');
  j = await getJson('/v1/endnotes?publisher=Newsweek');
  assert.deepEqual(j.data.map((e) => e.id), [seedN(3)], 'publisher=Newsweek');
  j = await walk('/v1/endnotes?n=3&limit=500');
  assert.deepEqual(j.rows.map((e) => e.id), S.allEndnotes.filter((e) => e.n === 3).map((e) => e.id), 'n=3');
  assert.ok(j.rows.some((e) => e.id === seedN(3)));
  j = await walk('/v1/endnotes?year=2017&limit=500');
  const want = S.allEndnotes.filter((e) => e.date && e.date.startsWith('2017')).map((e) => e.id);
  assert.deepEqual(j.rows.map((e) => e.id), want, 'year=2017');
  assert.equal(want.length, 7, 'only the seed\'s endnotes are from 2017');
  j = await walk('/v1/endnotes?domain=example.co.uk&publisher=Example%20Press&limit=500');
  assert.equal(j.total, 2, 'domain + publisher combined');
});

test('filters: article by id and by slug on /v1/claims and /v1/endnotes', async () => {
  need('seed');
  for (const ref of [String(S.seed.id), SEED_SLUG]) {
    const c = await walk(`/v1/claims?article=${ref}&limit=500`);
    assert.deepEqual(c.rows.map((x) => x.id), S.seed.claims.map((x) => x.id).sort((x, y) => x - y), `claims article=${ref}`);
    const e = await walk(`/v1/endnotes?article=${ref}&limit=500`);
    assert.deepEqual(e.rows.map((x) => x.id), S.seed.endnotes.map((x) => x.id).sort((x, y) => x - y), `endnotes article=${ref}`);
  }
});

test('filters: endnote=ID gives the claims citing it', async () => {
  need('seed');
  for (const e of S.seed.endnotes) {
    const j = await getJson(`/v1/claims?endnote=${e.id}`);
    assert.deepEqual(sortNum(j.data.map((c) => c.id)), sortNum(e.cited_by), `endnote=${e.id}`);
  }
});

test('filters: expand=endnotes embeds the cited endnotes; without it there is no endnotes_expanded', async () => {
  need('articles');
  const plain = await walk('/v1/claims?limit=500');
  assert.ok(plain.rows.every((c) => !('endnotes_expanded' in c)), 'endnotes_expanded present without expand');
  const j = await walk('/v1/claims?expand=endnotes&limit=500');
  const endnotes = new Map(Object.values(S.articles).flatMap((a) => a.endnotes.map((e) => [e.id, e])));
  for (const c of j.rows) {
    assert.ok(Array.isArray(c.endnotes_expanded), `claim ${c.id}: no endnotes_expanded`);
    assert.deepEqual(c.endnotes_expanded, c.endnote_ids.filter((x) => x !== null).map((id) => endnotes.get(id)), `claim ${c.id}`);
  }
  const a = await getJson(`/v1/articles/${S.seed.id}/claims?expand=endnotes&cited=true&limit=500`);
  assert.ok(a.data.length === 7 && a.data.every((c) => c.endnotes_expanded.length === 1), 'article claims with expand=endnotes&cited=true');
});

test('filters: articles by category (name or slug), year and venue', async () => {
  need('seed', 'articles');
  const ids = (j) => sortNum(j.data.map((a) => a.id));
  const sci = sortNum(['counting-offsets', 'custom-header-slug'].map((s) => S.articles[s].id));
  assert.deepEqual(ids(await getJson(`/v1/articles?category=${q('National Security & Intelligence')}`)), [S.seed.id], 'category name');
  assert.deepEqual(ids(await getJson('/v1/articles?category=national-security-intelligence')), [S.seed.id], 'category slug');
  assert.deepEqual(ids(await getJson(`/v1/articles?category=${q('Science & Technology')}`)), sci, 'category name, two articles');
  assert.deepEqual(ids(await getJson('/v1/articles?category=science-technology')), sci, 'category slug, two articles');
  assert.deepEqual(ids(await getJson('/v1/articles?year=2018')), [S.seed.id], 'year=2018');
  assert.deepEqual(ids(await getJson('/v1/articles?year=2019')), [S.articles['counting-offsets'].id], 'year=2019');
  assert.deepEqual(ids(await getJson(`/v1/articles?venue=${q('RealClear Defense')}`)), [S.seed.id], 'venue');
  const none = await getJson('/v1/articles?year=1999');
  assert.equal(none.meta.total, 0);
  assert.equal(none.meta.next, null);
});

test('filters: a filter nothing matches is an empty page, not an error', async () => {
  for (const p of [
    '/v1/claims?domain=no-such-domain.example',
    '/v1/endnotes?publisher=Nobody',
    `/v1/claims?key=${'0'.repeat(16)}`,
    '/v1/claims?article=no-such-slug',
    '/v1/endnotes?article=999999',
  ]) {
    const j = await getJson(p);
    assert.deepEqual(j.data, [], p);
    assert.equal(j.meta.total, 0, p);
    assert.equal(j.meta.next, null, p);
  }
});

// ---------------------------------------------------------------------------
// Errors.

async function expectInvalid(p, name) {
  const r = await get(p);
  assert.equal(r.status, 400, `GET ${shortPath(p)}: ${r.status}, want 400: ${r.text.slice(0, 200)}`);
  assert.match(r.contentType, /^application\/problem\+json\b/, `GET ${shortPath(p)}: Content-Type`);
  const j = r.json;
  assert.equal(j.type, '/problems/invalid-parameter', `GET ${shortPath(p)}: type`);
  assert.ok(
    Array.isArray(j.invalid_params) && j.invalid_params.some((x) => x.name === name),
    `GET ${shortPath(p)}: invalid_params ${JSON.stringify(j.invalid_params)} does not name ${name}`,
  );
}

const b64 = (s) => Buffer.from(s).toString('base64');
const b64url = (s) => Buffer.from(s).toString('base64url');
const BAD_PARAMS = [
  ['/v1/claims?limit=abc', 'limit'],
  ['/v1/claims?limit=0', 'limit'],
  ['/v1/claims?limit=10000', 'limit'],
  ['/v1/claims?limit=501', 'limit'],
  ['/v1/claims?limit=-1', 'limit'],
  ['/v1/claims?limit=1.5', 'limit'],
  ['/v1/claims?limit=', 'limit'],
  ['/v1/claims?limit=99999999999999999999999', 'limit'],
  ['/v1/articles?limit=abc', 'limit'],
  ['/v1/endnotes?limit=0', 'limit'],
  ['/v1/articles/{seed}/claims?limit=abc', 'limit'],
  ['/v1/articles/{seed}/endnotes?limit=10000', 'limit'],
  ['/v1/claims?cited=maybe', 'cited'],
  ['/v1/claims?quote=yes', 'quote'],
  ['/v1/claims?statistic=', 'statistic'],
  ['/v1/claims?normative=maybe', 'normative'],
  ['/v1/claims?cursor=garbage!!', 'cursor'],
  [`/v1/claims?cursor=${b64('hello world')}`, 'cursor'],
  [`/v1/claims?cursor=${b64url('hello world')}`, 'cursor'],
  [`/v1/endnotes?cursor=${b64url('\u0000\u0001\u0002\u0003')}`, 'cursor'],
  [`/v1/articles?cursor=${b64url('{"not":"ours"}')}`, 'cursor'],
  ['/v1/claims?foo=1', 'foo'],
  ['/v1/articles?foo=1', 'foo'],
  ['/v1/endnotes?Limit=5', 'Limit'],
  ['/v1/endnotes?year=20x', 'year'],
  ['/v1/endnotes?year=12345', 'year'],
  ['/v1/articles?year=20x', 'year'],
  ['/v1/articles?sort=bad', 'sort'],
  ['/v1/articles?sort=-id', 'sort'],
  ['/v1/claims?cited=true&cited=false', 'cited'],
  ['/v1/claims?limit=5&limit=5', 'limit'],
  ['/v1/claims?expand=bogus', 'expand'],
  ['/v1/claims?endnote=abc', 'endnote'],
  ['/v1/claims?endnote=0', 'endnote'],
  ['/v1/endnotes?n=0', 'n'],
  ['/v1/endnotes?n=abc', 'n'],
  ['/v1/claims?limit=5%00', 'limit'],
  ['/v1/claims?cited=true%00', 'cited'],
];
test('errors: bad query parameters are 400 problems naming the parameter', async () => {
  need('seed');
  const errs = [];
  for (const [p, name] of BAD_PARAMS) {
    try {
      await expectInvalid(p.replace('{seed}', String(S.seed.id)), name);
    } catch (e) {
      errs.push(e.message);
    }
  }
  assert.deepEqual(errs, []);
});

test('errors: an unknown query parameter on a single resource is a 400', async () => {
  need('seed');
  await expectInvalid(`/v1/claims/${S.seed.claims[0].id}?foo=1`, 'foo');
  await expectInvalid(`/v1/articles/${S.seed.id}?foo=1`, 'foo');
});

test('errors: a cursor used on another list is a 400 or a page, never a 5xx', async () => {
  const j = await getJson('/v1/claims?limit=1');
  assert.ok(j.meta.next, 'no next link on /v1/claims?limit=1');
  const cursor = new URL(j.meta.next, 'http://x').searchParams.get('cursor');
  assert.ok(cursor, `next link has no cursor: ${j.meta.next}`);
  // The contract does not say whether cursors are bound to their list;
  // either answer must conform (checked by req()).
  const r = await get(`/v1/articles?cursor=${q(cursor)}`);
  assert.ok(r.status === 400 || r.status === 200, `status ${r.status}`);
});

const NOT_FOUND = [
  '/v1/articles/999999',
  '/v1/articles/no-such-slug',
  '/v1/articles/999999/claims',
  '/v1/articles/no-such-slug/endnotes',
  '/v1/claims/0',
  '/v1/claims/abc',
  '/v1/claims/-1',
  '/v1/claims/999999999',
  '/v1/claims/99999999999999999999999',
  '/v1/claims/1.5',
  '/v1/endnotes/0',
  '/v1/endnotes/999999',
  '/nope',
  '/v1/nope',
  '/v2/articles',
  '/v1/claims/1/extra',
  '/v1/articles/1/claims/1',
];
test('errors: unknown ids, slugs and paths are 404 problems', async () => {
  const errs = [];
  for (const p of NOT_FOUND) {
    const r = await get(p);
    if (r.status !== 404) errs.push(`${p}: ${r.status}`);
    else if (r.json.type !== '/problems/not-found') errs.push(`${p}: type ${r.json.type}`);
  }
  assert.deepEqual(errs, []);
});

// ---------------------------------------------------------------------------
// HTTP for browsers and scripts (issue 3): ETags and 304, Cache-Control,
// CORS, gzip, pretty, Link, fields, exports, negotiation, citations,
// request ids, metrics, the access log.

const ETAG_RE = /^"([0-9]+\.[0-9]+|g[0-9]+|h[0-9a-f]{16})-(gz|id)(\.[0-9a-f]{8})?"$/;
function etagParts(etag) {
  const m = ETAG_RE.exec(etag || '');
  assert.ok(m, `ETag ${JSON.stringify(etag)} is not a strong "<version>-<gz|id>[.<variant>]"`);
  return { version: m[1], encoding: m[2], variant: m[3] || '' };
}
const CC_LIST = 'public, max-age=10, must-revalidate';
const CC_ITEM = 'public, max-age=300';
const CC_STATIC = 'public, max-age=3600';
const EXPOSED = ['ETag', 'Link', 'X-Request-Id', 'Last-Modified', 'Location'];
const listOf = (v) => String(v || '').split(',').map((s) => s.trim()).filter(Boolean);
const lower = (a) => a.map((s) => s.toLowerCase());

function seedEndnote(n) {
  need('seed');
  const e = S.seed.endnotes.find((x) => x.n === n);
  assert.ok(e, `seed has no endnote [${n}]`);
  return e;
}

// Every GET route with a 200, in every representation it has.
function representationPaths() {
  need('seed');
  const a = S.seed.id;
  const c = seedClaimCiting(2).id;
  const e = seedEndnote(2).id;
  return [
    ...concretePaths(),
    '/v1/claims?limit=5',
    '/v1/claims?format=ndjson',
    '/v1/claims?format=csv',
    '/v1/articles?format=ndjson',
    '/v1/articles?format=csv&fields=id,slug',
    `/v1/articles/${a}/claims?format=csv`,
    `/v1/articles/${a}/endnotes?format=ndjson`,
    `/v1/articles/${a}/endnotes?format=csl`,
    `/v1/articles/${a}/endnotes?format=bibtex`,
    '/v1/endnotes?format=csv',
    `/v1/endnotes/${e}?format=csl`,
    `/v1/endnotes/${e}?format=bibtex`,
    `/v1/articles/${a}?fields=title`,
    `/v1/claims/${c}?pretty=1`,
    '/v1?pretty=1',
    '/v1/search?q=diplomacy&limit=2',
    '/v1/search?q=korea&format=ndjson',
    '/v1/search?q=korea&format=csv&fields=type,id',
    '/v1/facets?q=korea',
    '/v1/stats?pretty=1',
  ];
}

test('ETag: every GET 200 (and its HEAD) carries a strong ETag naming the representation', async () => {
  const errs = [];
  for (const p of representationPaths()) {
    for (const enc of [undefined, 'gzip']) {
      const headers = enc ? { 'accept-encoding': enc } : {};
      const g = await raw('GET', p, { headers });
      if (g.status !== 200) {
        errs.push(`${p}: ${g.status}`);
        continue;
      }
      const etag = g.headers.etag;
      const m = ETAG_RE.exec(etag || '');
      if (!m) {
        errs.push(`${p}: ETag ${JSON.stringify(etag)}`);
        continue;
      }
      const gz = g.headers['content-encoding'] === 'gzip';
      if ((m[2] === 'gz') !== gz) errs.push(`${p} (${enc || 'identity'}): ETag ${etag} but Content-Encoding ${g.headers['content-encoding']}`);
      if (/format=(ndjson|csv)/.test(p)) continue; // HEAD on exports: see 'export: HEAD ...'
      const h = await raw('HEAD', p, { headers });
      if (h.headers.etag !== etag && p !== '/metrics') errs.push(`${p}: HEAD ETag ${h.headers.etag}, GET ${etag}`);
    }
  }
  assert.deepEqual(errs, []);
});

test('ETag: the version part is <id>.<version> for an article, g<generation> for exports, h+SHA-256 of the body otherwise', async () => {
  need('seed');
  const a = await raw('GET', `/v1/articles/${S.seed.id}`);
  assert.equal(a.headers.etag, `"${S.seed.id}.${S.seed.version}-id"`);
  const errs = [];
  for (const p of ['/v1', '/healthz', '/openapi.yaml', '/v1/claims?limit=5', `/v1/claims/${S.seed.claims[0].id}`,
    `/v1/endnotes/${seedEndnote(1).id}`, '/v1/articles', `/v1/endnotes/${seedEndnote(2).id}?format=bibtex`,
    '/v1/search?q=korea', '/v1/facets', '/v1/stats']) {
    const r = await raw('GET', p);
    const { version, encoding } = etagParts(r.headers.etag);
    const want = `h${sha256(r.body).slice(0, 16)}`;
    if (version !== want || encoding !== 'id') errs.push(`${p}: ETag ${r.headers.etag}, want version ${want} (identity)`);
  }
  for (const p of ['/v1/claims?format=ndjson', '/v1/endnotes?format=csv']) {
    const r = await raw('GET', p);
    if (!/^g[0-9]+$/.test(etagParts(r.headers.etag).version)) errs.push(`${p}: ETag ${r.headers.etag}, want g<generation>`);
  }
  assert.deepEqual(errs, []);
});

test('ETag: the variant names format, fields and pretty; defaults (pretty=0, format=json) add none', async () => {
  need('seed');
  const base = `/v1/claims/${seedClaimCiting(2).id}`;
  const tag = async (p) => (await raw('GET', p)).headers.etag;
  const plain = await tag(base);
  assert.equal(etagParts(plain).variant, '', `${base}: ${plain}`);
  assert.equal(await tag(`${base}?pretty=0`), plain, 'pretty=0 is the default representation');
  assert.equal(await tag(`${base}?pretty=false`), plain, 'pretty=false is the default representation');
  const pretty = await tag(`${base}?pretty=1`);
  assert.notEqual(etagParts(pretty).variant, '', `pretty=1: ${pretty}`);
  assert.equal(await tag(`${base}?pretty=true`), pretty, 'pretty=true and pretty=1 are one representation');
  const f1 = await tag(`${base}?fields=id,text`);
  const f2 = await tag(`${base}?fields=id`);
  assert.ok(new Set([plain, pretty, f1, f2]).size === 4, `ETags must differ: ${[plain, pretty, f1, f2]}`);
  // (A list with a next page repeats its query in meta.next, so take one without.)
  const list = await tag('/v1/claims?limit=500');
  assert.equal(await tag('/v1/claims?limit=500&format=json'), list, 'format=json is the default representation');
  const nd = etagParts(await tag('/v1/claims?format=ndjson'));
  const csv = etagParts(await tag('/v1/claims?format=csv'));
  assert.equal(nd.version, csv.version, 'exports of one generation share the version');
  assert.ok(nd.variant && csv.variant && nd.variant !== csv.variant, `ndjson ${nd.variant} vs csv ${csv.variant}`);
});

async function expect304(p, headers, want200) {
  const r = await raw('GET', p, { headers });
  assert.equal(r.status, 304, `GET ${p} with ${JSON.stringify(headers)}: ${r.status}, want 304`);
  assert.equal(r.wire.length, 0, `304 with a ${r.wire.length}-byte body`);
  for (const k of ['etag', 'cache-control', 'vary', 'last-modified', 'access-control-allow-origin', 'access-control-expose-headers']) {
    assert.equal(r.headers[k], want200.headers[k], `GET ${p} 304: ${k} ${r.headers[k]}, the 200 had ${want200.headers[k]}`);
  }
  assert.match(r.headers['x-request-id'] || '', /^[0-9a-f]{16}$/, '304 X-Request-Id');
  assert.equal(r.headers['content-type'], undefined, '304 with a Content-Type');
  return r;
}

test('If-None-Match: 304 with no body for lists, single resources, exports and citations; a miss is a 200', async () => {
  need('seed');
  const e2 = seedEndnote(2).id;
  for (const p of ['/v1/claims?limit=5', `/v1/articles/${S.seed.id}`, `/v1/articles/${SEED_SLUG}/claims`,
    `/v1/claims/${seedClaimCiting(2).id}`, `/v1/endnotes/${e2}`, `/v1/endnotes/${e2}?format=csl`,
    `/v1/endnotes/${e2}?format=bibtex`, `/v1/articles/${S.seed.id}/endnotes?format=csl`, '/v1/claims?format=ndjson',
    '/v1/endnotes?format=csv', '/v1', '/openapi.yaml', '/healthz']) {
    const ok = await raw('GET', p);
    assert.equal(ok.status, 200, `GET ${p}`);
    await expect304(p, { 'if-none-match': ok.headers.etag }, ok);
    const h = await raw('HEAD', p, { headers: { 'if-none-match': ok.headers.etag } });
    assert.equal(h.status, 304, `HEAD ${p} with its ETag`);
    const miss = await raw('GET', p, { headers: { 'if-none-match': '"h0000000000000000-id"' } });
    assert.equal(miss.status, 200, `GET ${p} with another ETag`);
    assert.deepEqual(miss.body, ok.body, `GET ${p} with another ETag: body`);
  }
});

test('If-None-Match: *, the weak W/ form and a list of tags all match', async () => {
  need('seed');
  const p = `/v1/articles/${S.seed.id}`;
  const ok = await raw('GET', p);
  const etag = ok.headers.etag;
  await expect304(p, { 'if-none-match': '*' }, ok);
  await expect304(p, { 'if-none-match': `W/${etag}` }, ok);
  await expect304(p, { 'if-none-match': `"nope-id", W/"x-gz", ${etag}` }, ok);
  await expect304(p, { 'if-none-match': `"a-id",${etag}` }, ok);
  await expect304('/v1/claims?limit=3', { 'if-none-match': '*' }, await raw('GET', '/v1/claims?limit=3'));
  const list = await raw('GET', '/v1/claims?limit=3');
  await expect304('/v1/claims?limit=3', { 'if-none-match': `"x-id", W/${list.headers.etag}` }, list);
  for (const miss of ['"nope-id", W/"x-gz"', etag.replace('-id', '-gz'), etag.slice(1, -1)]) {
    const r = await raw('GET', p, { headers: { 'if-none-match': miss } });
    assert.equal(r.status, 200, `If-None-Match: ${miss}`);
  }
});

test('304 carries no Content-Length, or the 200\'s (RFC 9110 §8.6)', async () => {
  need('seed');
  const errs = [];
  for (const p of [`/v1/articles/${S.seed.id}`, '/v1/claims?limit=5', `/v1/endnotes/${seedEndnote(2).id}?format=csl`]) {
    const ok = await raw('GET', p);
    const r = await raw('GET', p, { headers: { 'if-none-match': ok.headers.etag } });
    const cl = r.headers['content-length'];
    if (cl !== undefined && cl !== ok.headers['content-length']) {
      errs.push(`GET ${p} If-None-Match: ${ok.headers.etag} → 304 with Content-Length: ${cl}; want none, or the 200's ${ok.headers['content-length']}`);
    }
  }
  assert.deepEqual(errs, []);
});

test('Last-Modified on single resources; If-Modified-Since gives 304 only without If-None-Match', async () => {
  need('seed');
  const lm = new Date(S.seed.updated_at).toUTCString();
  const errs = [];
  for (const p of [`/v1/articles/${S.seed.id}`, `/v1/claims/${S.seed.claims[0].id}`, `/v1/endnotes/${seedEndnote(1).id}`,
    `/v1/endnotes/${seedEndnote(1).id}?format=csl`]) {
    const ok = await raw('GET', p);
    if (ok.headers['last-modified'] !== lm) errs.push(`${p}: Last-Modified ${ok.headers['last-modified']}, want ${lm} (the article's updated_at)`);
  }
  assert.deepEqual(errs, []);
  const p = `/v1/articles/${S.seed.id}`;
  const ok = await raw('GET', p);
  const t = Date.parse(lm);
  await expect304(p, { 'if-modified-since': lm }, ok);
  await expect304(p, { 'if-modified-since': new Date(t + 3600_000).toUTCString() }, ok);
  await expect304(p, { 'if-modified-since': new Date(t + 3600_000).toUTCString(), 'if-none-match': ok.headers.etag }, ok);
  const cases = [
    [{ 'if-modified-since': new Date(t - 1000).toUTCString() }, 'an older date'],
    [{ 'if-modified-since': 'yesterday' }, 'an unreadable date'],
    [{ 'if-modified-since': lm, 'if-none-match': '"nope-id"' }, 'a matching date but a missed If-None-Match (which wins)'],
  ];
  for (const [headers, what] of cases) {
    const r = await raw('GET', p, { headers });
    assert.equal(r.status, 200, `If-Modified-Since with ${what}: ${r.status}`);
  }
  // Lists have no Last-Modified, so If-Modified-Since does not apply.
  const list = await raw('GET', '/v1/claims?limit=2', { headers: { 'if-modified-since': new Date(Date.now() + 86400_000).toUTCString() } });
  assert.equal(list.status, 200, 'If-Modified-Since on a list');
  assert.equal(list.headers['last-modified'], undefined, 'Last-Modified on a list');
});

test('Cache-Control per kind of resource; no-store on errors, /healthz and /metrics', async () => {
  need('seed');
  const a = S.seed.id;
  const e = seedEndnote(2).id;
  const want = {
    [CC_LIST]: ['/v1/articles', '/v1/claims?limit=3', '/v1/endnotes', `/v1/articles/${a}/claims`, `/v1/articles/${a}/endnotes`,
      '/v1/claims?format=ndjson', '/v1/endnotes?format=csv', `/v1/articles/${a}/endnotes?format=csl`, `/v1/articles/${a}/endnotes?format=bibtex`,
      '/v1/search?q=korea', '/v1/search?q=korea&format=ndjson', '/v1/facets', '/v1/facets?q=korea', '/v1/stats', '/v1/claims?q=korea'],
    [CC_ITEM]: [`/v1/articles/${a}`, `/v1/articles/${SEED_SLUG}`, `/v1/claims/${S.seed.claims[0].id}`, `/v1/endnotes/${e}`,
      `/v1/endnotes/${e}?format=csl`, `/v1/endnotes/${e}?format=bibtex`, `/v1/articles/${a}?fields=title`],
    [CC_STATIC]: ['/v1', '/openapi.yaml'],
    'no-store': ['/healthz', '/metrics', '/v1/claims?limit=abc', '/v1/articles/999999', '/nope', '/v1/claims?format=xml', '/v1/search', '/v1/search?q=*'],
  };
  const errs = [];
  for (const [cc, paths] of Object.entries(want)) {
    for (const p of paths) {
      const r = await raw('GET', p);
      if (r.headers['cache-control'] !== cc) errs.push(`GET ${p} (${r.status}): Cache-Control ${r.headers['cache-control']}, want ${cc}`);
    }
  }
  for (const [m, p, headers] of [['GET', '/v1/claims', { accept: 'image/png' }], ['POST', '/v1/claims', {}], ['FOO', '/v1/claims', {}]]) {
    const r = await raw(m, p, { headers });
    if (r.headers['cache-control'] !== 'no-store') errs.push(`${m} ${p} (${r.status}): Cache-Control ${r.headers['cache-control']}, want no-store`);
  }
  assert.deepEqual(errs, []);
});

test('Vary: Accept, Accept-Encoding on representations and their 304s; no Origin by default', async () => {
  need('seed');
  const errs = [];
  for (const p of ['/v1/claims?limit=2', `/v1/articles/${S.seed.id}`, '/v1/claims?format=csv', '/healthz']) {
    const r = await raw('GET', p);
    if (r.headers.vary !== 'Accept, Accept-Encoding') errs.push(`${p}: Vary ${r.headers.vary}`);
    const nm = await raw('GET', p, { headers: { 'if-none-match': r.headers.etag } });
    if (nm.status === 304 && nm.headers.vary !== 'Accept, Accept-Encoding') errs.push(`${p} 304: Vary ${nm.headers.vary}`);
  }
  const bad = await raw('GET', '/v1/claims?limit=abc');
  if (bad.headers.vary && /origin/i.test(bad.headers.vary)) errs.push(`400: Vary ${bad.headers.vary} with CORS "*"`);
  assert.deepEqual(errs, []);
});

// ---- CORS

function corsErrors(r, what, origin) {
  const errs = [];
  const acao = r.headers['access-control-allow-origin'];
  if (origin === undefined ? acao !== '*' : acao !== origin) errs.push(`${what}: Access-Control-Allow-Origin ${acao}, want ${origin ?? '*'}`);
  const exposed = lower(listOf(r.headers['access-control-expose-headers']));
  for (const h of EXPOSED) if (!exposed.includes(h.toLowerCase())) errs.push(`${what}: Access-Control-Expose-Headers "${r.headers['access-control-expose-headers']}" lacks ${h}`);
  return errs;
}

test('CORS (default): Access-Control-Allow-Origin * and the exposed headers on 200, 204, 304, 4xx and 501', async () => {
  need('seed');
  const errs = [];
  const ok = await raw('GET', `/v1/articles/${S.seed.id}`, { headers: { origin: 'http://page.example' } });
  const cases = [
    ['GET', `/v1/articles/${S.seed.id}`, {}],
    ['GET', '/v1/claims?format=ndjson&limit=2', {}],
    ['HEAD', '/v1/claims', {}],
    ['GET', `/v1/articles/${S.seed.id}`, { 'if-none-match': ok.headers.etag }],
    ['OPTIONS', '/v1/claims', {}],
    ['GET', '/v1/claims?limit=abc', {}],
    ['GET', '/v1/articles/999999', {}],
    ['GET', '/nope', {}],
    ['GET', '/v1/claims', { accept: 'image/png' }],
    ['DELETE', '/v1/claims', {}],
    ['FOO', '/v1/claims', {}],
  ];
  for (const [m, p, h] of cases) {
    for (const origin of [undefined, 'http://page.example']) {
      const r = await raw(m, p, { headers: origin ? { ...h, origin } : h });
      errs.push(...corsErrors(r, `${m} ${p} ${JSON.stringify(h)} → ${r.status}`));
    }
  }
  assert.deepEqual(errs, []);
});

test('CORS preflight: 204 with Allow, Access-Control-Allow-Methods, -Headers and -Max-Age', async () => {
  need('seed');
  const errs = [];
  for (const p of concretePaths()) {
    const r = await raw('OPTIONS', p, {
      headers: { origin: 'http://page.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match, x-request-id' },
    });
    if (r.status !== 204) errs.push(`${p}: ${r.status}`);
    const methods = listOf(r.headers['access-control-allow-methods']);
    for (const m of ['GET', 'HEAD', 'OPTIONS']) if (!methods.includes(m)) errs.push(`${p}: Access-Control-Allow-Methods "${r.headers['access-control-allow-methods']}" lacks ${m}`);
    const allowed = lower(listOf(r.headers['access-control-allow-headers']));
    for (const h of ['if-none-match', 'x-request-id', 'if-modified-since', 'accept']) if (!allowed.includes(h)) errs.push(`${p}: Access-Control-Allow-Headers "${r.headers['access-control-allow-headers']}" lacks ${h}`);
    const age = r.headers['access-control-max-age'];
    if (!/^[0-9]+$/.test(age || '') || Number(age) <= 0) errs.push(`${p}: Access-Control-Max-Age ${age}`);
    errs.push(...corsErrors(r, `OPTIONS ${p} (preflight)`));
    if (r.wire.length) errs.push(`${p}: preflight with a body`);
  }
  // Not a preflight: no Origin, or no Access-Control-Request-Method.
  for (const headers of [{}, { origin: 'http://page.example' }, { 'access-control-request-method': 'GET' }]) {
    const r = await raw('OPTIONS', '/v1/claims', { headers });
    if (r.status !== 204 || !r.headers.allow) errs.push(`OPTIONS ${JSON.stringify(headers)}: ${r.status}, Allow ${r.headers.allow}`);
    for (const k of ['access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age']) {
      if (r.headers[k] !== undefined) errs.push(`OPTIONS ${JSON.stringify(headers)} (not a preflight): ${k}: ${r.headers[k]}`);
    }
  }
  assert.deepEqual(errs, []);
});

// ---- gzip

test('gzip: Accept-Encoding: gzip gets a gzip body that decompresses to the identity body; Content-Length counts the wire bytes', async () => {
  need('seed');
  const errs = [];
  for (const p of [`/v1/articles/${S.seed.id}`, '/v1/claims?limit=50', '/v1/endnotes?limit=50', '/openapi.yaml', '/v1', '/metrics',
    `/v1/articles/${S.seed.id}/endnotes?format=csl`]) {
    const id = await raw('GET', p);
    const gz = await raw('GET', p, { headers: { 'accept-encoding': 'gzip' } });
    if (id.headers['content-encoding'] !== undefined) errs.push(`${p} without Accept-Encoding: Content-Encoding ${id.headers['content-encoding']}`);
    if (gz.headers['content-encoding'] !== 'gzip') {
      errs.push(`${p} (${id.body.length} bytes) with Accept-Encoding: gzip: Content-Encoding ${gz.headers['content-encoding']}`);
      continue;
    }
    if (gz.wire[0] !== 0x1f || gz.wire[1] !== 0x8b) errs.push(`${p}: not a gzip stream`);
    if (gz.wire.length >= id.body.length) errs.push(`${p}: gzip ${gz.wire.length} bytes, not smaller than ${id.body.length}`);
    if (p !== '/metrics' && !gunzipSync(gz.wire).equals(id.body)) errs.push(`${p}: gunzipped body differs from the identity body`);
    if (gz.headers['content-length'] !== String(gz.wire.length)) errs.push(`${p}: gzip Content-Length ${gz.headers['content-length']}, ${gz.wire.length} bytes on the wire`);
    if (id.headers['content-length'] !== String(id.wire.length)) errs.push(`${p}: identity Content-Length ${id.headers['content-length']}, ${id.wire.length} bytes on the wire`);
    for (const r of [id, gz]) if (!lower(listOf(r.headers.vary)).includes('accept-encoding')) errs.push(`${p}: Vary ${r.headers.vary} lacks Accept-Encoding`);
    if (p !== '/metrics') {
      const a = etagParts(id.headers.etag);
      const b = etagParts(gz.headers.etag);
      if (a.encoding !== 'id' || b.encoding !== 'gz' || a.version !== b.version || a.variant !== b.variant) errs.push(`${p}: ETags ${id.headers.etag} (identity) and ${gz.headers.etag} (gzip)`);
    }
  }
  assert.deepEqual(errs, []);
});

test('gzip: tiny bodies (under 1024 bytes) are never compressed', async () => {
  need('seed');
  const errs = [];
  for (const p of ['/healthz', '/v1/claims?limit=1', `/v1/endnotes/${seedEndnote(1).id}?format=csl`, '/v1/articles/999999', '/v1/claims?limit=abc']) {
    const r = await raw('GET', p, { headers: { 'accept-encoding': 'gzip' } });
    if (r.body.length >= 1024) errs.push(`${p}: ${r.body.length} bytes is not tiny (test data)`);
    if (r.headers['content-encoding'] !== undefined) errs.push(`${p} (${r.body.length} bytes): Content-Encoding ${r.headers['content-encoding']}`);
    if (r.headers['content-length'] !== String(r.wire.length)) errs.push(`${p}: Content-Length ${r.headers['content-length']}, ${r.wire.length} on the wire`);
  }
  assert.deepEqual(errs, []);
});

test('gzip: Accept-Encoding is negotiated (q=0, identity, br, *, x-gzip)', async () => {
  need('seed');
  const p = `/v1/articles/${S.seed.id}`;
  const cases = [
    ['gzip;q=0', undefined], ['identity', undefined], ['br', undefined], ['deflate', undefined], ['*', 'gzip'],
    ['gzip, deflate, br', 'gzip'], ['x-gzip', 'gzip'], ['GZIP', 'gzip'], ['gzip;q=0.5, identity', 'gzip'], ['*;q=0', undefined],
  ];
  const errs = [];
  for (const [ae, want] of cases) {
    const r = await raw('GET', p, { headers: { 'accept-encoding': ae } });
    if (r.status !== 200 || r.headers['content-encoding'] !== want) errs.push(`Accept-Encoding: ${ae}: ${r.status}, Content-Encoding ${r.headers['content-encoding']}, want ${want}`);
  }
  assert.deepEqual(errs, []);
});

test('gzip: a 304 names the gzip representation; the identity ETag does not match a gzip request', async () => {
  need('seed');
  const p = `/v1/articles/${S.seed.id}`;
  const headers = { 'accept-encoding': 'gzip' };
  const gz = await raw('GET', p, { headers });
  await expect304(p, { ...headers, 'if-none-match': gz.headers.etag }, gz);
  const id = await raw('GET', p);
  const r = await raw('GET', p, { headers: { ...headers, 'if-none-match': id.headers.etag } });
  assert.equal(r.status, 200, 'gzip request with the identity ETag');
  assert.equal(r.headers['content-encoding'], 'gzip');
});

test('gzip: exports are compressed and decompress to the identity export', async () => {
  need('seed');
  for (const p of ['/v1/claims?format=ndjson', '/v1/claims?format=csv', '/v1/endnotes?format=ndjson&limit=3']) {
    const id = await raw('GET', p);
    const gz = await raw('GET', p, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip', `${p}: Content-Encoding`);
    // An export that fits its first chunk (256 rows) is sent whole with its
    // length; a longer one streams (chunked). This corpus's are short.
    assert.ok(gz.headers['transfer-encoding'] === 'chunked' || Number(gz.headers['content-length']) === gz.wire.length,
      `${p}: neither chunked nor an exact Content-Length`);
    assert.ok(gunzipSync(gz.wire).equals(id.body), `${p}: gunzipped export differs from the identity export`);
    assert.ok(lower(listOf(gz.headers.vary)).includes('accept-encoding'), `${p}: Vary ${gz.headers.vary}`);
  }
});

test('exports: a short export is one body with its length, a tiny one is not gzipped', async () => {
  need('seed');
  const small = await raw('GET', '/v1/claims?format=csv&limit=1', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(small.headers['content-encoding'], undefined, 'a 1-row CSV is not worth gzip');
  assert.equal(Number(small.headers['content-length']), small.wire.length, 'Content-Length of a short export');
  assert.equal(small.text.trim().split('\r\n').length, 2, 'header row and one row');
});

// ---- pretty, Link, fields

test('pretty=1|true indents by two spaces and ends with a newline; 0|false and the default are compact', async () => {
  need('seed');
  const errs = [];
  for (const p of [`/v1/claims/${seedClaimCiting(2).id}`, `/v1/articles/${S.seed.id}`, '/v1/claims?limit=3', '/v1', `/v1/endnotes/${seedEndnote(2).id}`]) {
    const sep = p.includes('?') ? '&' : '?';
    const plain = await raw('GET', p);
    const obj = JSON.parse(plain.text);
    if (plain.text !== JSON.stringify(obj)) errs.push(`${p}: default is not compact JSON`);
    for (const v of ['0', 'false']) {
      const r = await raw('GET', `${p}${sep}pretty=${v}`);
      const j = JSON.parse(r.text);
      if (r.text !== JSON.stringify(j)) errs.push(`${p} pretty=${v}: not compact`);
    }
    for (const v of ['1', 'true', '']) {
      const r = await raw('GET', v === '' ? `${p}${sep}pretty` : `${p}${sep}pretty=${v}`);
      const j = JSON.parse(r.text);
      if (r.text !== `${JSON.stringify(j, null, 2)}\n`) errs.push(`${p} pretty=${v}: not 2-space indented JSON with a final newline: ${JSON.stringify(r.text.slice(0, 60))}`);
      const { meta: m1, ...a } = j;
      const { meta: m2, ...b } = obj;
      try {
        assert.deepEqual(a, b);
      } catch {
        errs.push(`${p} pretty=${v}: different data`);
      }
    }
  }
  await expectInvalid('/v1/claims?pretty=yes', 'pretty');
  await expectInvalid(`/v1/articles/${S.seed.id}?pretty=2`, 'pretty');
  assert.deepEqual(errs, []);
});

test('Link: <meta.next>; rel="next" on every page that has a next page, none on the last', async () => {
  need('seed');
  for (const first of ['/v1/claims?limit=7', '/v1/articles?sort=title&limit=2', `/v1/articles/${S.seed.id}/endnotes?limit=3`, '/v1/endnotes?domain=example.co.uk&limit=1']) {
    let next = first;
    let pages = 0;
    while (next) {
      const r = await get(next);
      const j = r.json;
      if (j.meta.next === null) assert.equal(r.headers.link, undefined, `${next}: Link on the last page`);
      else assert.equal(r.headers.link, `<${j.meta.next}>; rel="next"`, `${next}: Link`);
      next = j.meta.next;
      pages++;
    }
    assert.ok(pages >= 2, `${first}: only ${pages} page(s); the test wants a next link`);
  }
  for (const p of [`/v1/articles/${S.seed.id}`, '/v1/claims?format=ndjson', '/v1/claims?limit=500']) {
    const r = await get(p);
    assert.equal(r.headers.link, undefined, `${p}: Link ${r.headers.link}`);
  }
});

const pick = (o, keys) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

test('fields= on lists keeps the named fields of every row (meta whole, next keeps fields=)', async () => {
  need('allClaims', 'allEndnotes', 'summaries');
  const cases = [
    ['/v1/claims?fields=id,text,endnotes&limit=7', ['id', 'text', 'endnotes'], S.allClaims],
    ['/v1/endnotes?fields=url,id&limit=5', ['url', 'id'], S.allEndnotes],
    ['/v1/articles?fields=title,slug&sort=-published&limit=2', ['title', 'slug'], S.summaries],
  ];
  for (const [first, keys, all] of cases) {
    const { rows, total, pages } = await walk(first);
    assert.equal(total, all.length, `${first}: meta.total`);
    assert.equal(rows.length, all.length, `${first}: rows`);
    const byIdAll = new Map(all.map((x) => [x.id, x]));
    rows.forEach((row, i) => {
      assert.deepEqual(Object.keys(row).sort(), [...keys].sort(), `${first} row ${i}: keys`);
    });
    if (keys.includes('id')) {
      for (const row of rows) assert.deepEqual(row, pick(byIdAll.get(row.id), Object.keys(row)), `${first}: row ${row.id}`);
    }
    for (const pg of pages) if (pg.meta.next) assert.match(pg.meta.next, /[?&]fields=/, `${first}: next ${pg.meta.next} lost fields=`);
  }
  // With expand=endnotes, endnotes_expanded can be chosen too.
  const j = await getJson('/v1/claims?expand=endnotes&fields=id,endnotes_expanded&cited=true&limit=3');
  for (const c of j.data) assert.deepEqual(Object.keys(c).sort(), ['endnotes_expanded', 'id'], `expand + fields: ${JSON.stringify(c).slice(0, 80)}`);
});

test('fields= on single resources', async () => {
  need('seed');
  const c = seedClaimCiting(2);
  const e = seedEndnote(2);
  assert.deepEqual(await getJson(`/v1/articles/${S.seed.id}?fields=title,slug`), { slug: S.seed.slug, title: S.seed.title });
  assert.deepEqual(await getJson(`/v1/articles/${SEED_SLUG}?fields=endnotes`), { endnotes: S.seed.endnotes });
  const cj = await getJson(`/v1/claims/${c.id}?fields=id,endnotes_expanded`);
  assert.deepEqual(Object.keys(cj).sort(), ['endnotes_expanded', 'id']);
  assert.equal(cj.id, c.id);
  assert.deepEqual(cj.endnotes_expanded, [e]);
  assert.deepEqual(await getJson(`/v1/endnotes/${e.id}?fields=author,url`), { author: e.author, url: e.url });
  assert.deepEqual(await getJson(`/v1/endnotes/${e.id}?fields=author,url&pretty=1`), { author: e.author, url: e.url });
});

test('fields= naming an unknown field is a 400 naming fields and the field', async () => {
  need('seed');
  const cases = [
    ['/v1/claims?fields=id,nope', 'nope'],
    ['/v1/claims?fields=bogus_field', 'bogus_field'],
    ['/v1/articles?fields=paragraphs', 'paragraphs'], // summaries have no paragraphs
    [`/v1/articles/${S.seed.id}?fields=title,cited_by`, 'cited_by'],
    [`/v1/endnotes/${seedEndnote(1).id}?fields=text`, 'text'],
    ['/v1/endnotes?format=csv&fields=id,Title', 'Title'],
  ];
  const errs = [];
  for (const [p, bad] of cases) {
    const r = await get(p);
    if (r.status !== 400) {
      errs.push(`${p}: ${r.status}`);
      continue;
    }
    const ip = r.json.invalid_params || [];
    const f = ip.find((x) => x.name === 'fields');
    if (!f) errs.push(`${p}: invalid_params ${JSON.stringify(ip)} does not name fields`);
    else if (!f.reason.includes(bad) && !r.json.detail.includes(bad)) errs.push(`${p}: the problem does not name the field ${bad}: ${JSON.stringify(r.json)}`);
  }
  await expectInvalid('/v1/claims?fields=', 'fields');
  await expectInvalid('/healthz?fields=status', 'fields');
  await expectInvalid('/v1?fields=name', 'fields');
  assert.deepEqual(errs, []);
});

// ---- exports

const ndjsonRows = (r) => {
  assert.match(r.contentType, /^application\/x-ndjson\b/, `${r.path}: Content-Type`);
  if (r.text === '') return [];
  assert.ok(r.text.endsWith('\n'), `${r.path}: NDJSON does not end with a newline`);
  return r.text.slice(0, -1).split('\n').map((line, i) => {
    const v = JSON.parse(line);
    assert.equal(line, JSON.stringify(v), `${r.path} line ${i + 1} is not compact JSON`);
    return v;
  });
};

test('export NDJSON: /v1/claims?format=ndjson is every page of the JSON list, same objects, same order', async () => {
  need('allClaims');
  const r = await get('/v1/claims?format=ndjson');
  assert.equal(r.status, 200);
  const rows = ndjsonRows(r);
  assert.equal(rows.length, S.allClaims.length, 'rows vs the JSON list\'s rows');
  assert.deepEqual(rows, S.allClaims);
  const walked = await walk('/v1/claims?limit=7');
  assert.deepEqual(rows, walked.rows, 'vs a walk with limit=7');
  assert.equal(rows.length, walked.total, 'vs meta.total');
});

test('export NDJSON on every list, with filters, sort, expand and a starting cursor', async () => {
  need('seed', 'summaries', 'allEndnotes', 'allClaims');
  const a = S.seed.id;
  const cases = [
    ['/v1/articles', '/v1/articles?limit=2'],
    ['/v1/articles?sort=title', '/v1/articles?sort=title&limit=2'],
    ['/v1/endnotes', '/v1/endnotes?limit=5'],
    ['/v1/endnotes?domain=example.co.uk', '/v1/endnotes?domain=example.co.uk&limit=1'],
    [`/v1/articles/${a}/claims`, `/v1/articles/${a}/claims?limit=10`],
    [`/v1/articles/${SEED_SLUG}/endnotes`, `/v1/articles/${SEED_SLUG}/endnotes?limit=2`],
    ['/v1/claims?cited=true&statistic=false', '/v1/claims?cited=true&statistic=false&limit=3'],
    ['/v1/claims?expand=endnotes', '/v1/claims?expand=endnotes&limit=50'],
    ['/v1/claims?article=counting-offsets', '/v1/claims?article=counting-offsets&limit=1'],
  ];
  for (const [p, pages] of cases) {
    const want = (await walk(pages)).rows;
    const got = ndjsonRows(await get(`${p}${p.includes('?') ? '&' : '?'}format=ndjson`));
    assert.deepEqual(got, want, `${p}&format=ndjson vs the pages of ${pages}`);
  }
  const empty = await get('/v1/claims?format=ndjson&domain=no-such.example');
  assert.equal(empty.status, 200);
  assert.equal(empty.text, '', 'an export matching nothing is empty');
  // An export may start where a page left off.
  const first = await getJson('/v1/claims?limit=10');
  const cursor = new URL(first.meta.next, 'http://x').searchParams.get('cursor');
  const rest = ndjsonRows(await get(`/v1/claims?format=ndjson&cursor=${q(cursor)}`));
  assert.deepEqual(rest, S.allClaims.slice(10), 'export from a cursor');
  const some = ndjsonRows(await get(`/v1/claims?format=ndjson&limit=4&cursor=${q(cursor)}`));
  assert.deepEqual(some, S.allClaims.slice(10, 14), 'export from a cursor, capped');
});

test('export: an explicit limit caps it (beyond the page maximum too); without one, every row', async () => {
  need('allClaims');
  assert.ok(S.allClaims.length > 20, 'the test wants more claims than a default page');
  assert.deepEqual(ndjsonRows(await get('/v1/claims?format=ndjson&limit=5')), S.allClaims.slice(0, 5), 'limit=5');
  assert.deepEqual(ndjsonRows(await get('/v1/claims?format=ndjson&limit=1')), S.allClaims.slice(0, 1), 'limit=1');
  assert.deepEqual(ndjsonRows(await get('/v1/claims?format=ndjson&limit=100000')), S.allClaims, 'limit=100000');
  const csv = parseCsv((await get('/v1/claims?format=csv&limit=3')).text, { record_delimiter: '\r\n' });
  assert.equal(csv.length, 4, 'CSV limit=3: a header and 3 records');
  await expectInvalid('/v1/claims?format=ndjson&limit=0', 'limit');
  await expectInvalid('/v1/claims?format=csv&limit=abc', 'limit');
});

test('export: fields= keeps the named fields, in the order given', async () => {
  need('allClaims');
  const rows = ndjsonRows(await get('/v1/claims?format=ndjson&fields=text,id,endnotes'));
  assert.equal(rows.length, S.allClaims.length);
  rows.forEach((r, i) => {
    assert.deepEqual(Object.keys(r), ['text', 'id', 'endnotes'], `row ${i}: keys`);
    assert.deepEqual(r, pick(S.allClaims[i], ['text', 'id', 'endnotes']), `row ${i}`);
  });
});

// The CSV text of one JSON value, as the export writes it.
function csvValue(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(csvValue).join(';');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
const CLAIM_COLUMNS = ['id', 'key', 'article_id', 'index', 'paragraph', 'start', 'end', 'start_utf16', 'end_utf16', 'text',
  'endnotes', 'endnote_ids', 'cited', 'quote', 'statistic', 'normative'];
const ENDNOTE_COLUMNS = ['id', 'article_id', 'n', 'raw', 'author', 'date', 'title', 'publisher', 'retrieved', 'url', 'host', 'domain', 'cited_by'];
const SUMMARY_COLUMNS = ['id', 'slug', 'title', 'category', 'category_slug', 'published', 'venue', 'note', 'authors', 'word_count',
  'paragraph_count', 'claim_count', 'endnote_count', 'source_sha256', 'parser_version', 'version', 'updated_at'];

function readCsv(r) {
  assert.equal(r.status, 200, `${r.path}: ${r.status}`);
  assert.match(r.contentType, /^text\/csv\b/, `${r.path}: Content-Type`);
  assert.match(r.contentType, /charset=utf-8/i, `${r.path}: Content-Type ${r.contentType} without charset=utf-8`);
  assert.match(r.contentType, /header=present/i, `${r.path}: Content-Type ${r.contentType} without header=present`);
  assert.ok(r.text.endsWith('\r\n'), `${r.path}: does not end with CRLF`);
  // RFC 4180 strictly: records end with CRLF (no field here holds a newline).
  assert.doesNotMatch(r.text, /[^\r]\n|\r[^\n]/, `${r.path}: a line ending that is not CRLF`);
  return parseCsv(r.text, { record_delimiter: '\r\n', relax_column_count: false, relax_quotes: false });
}

test('export CSV: a header row and the same rows and values as the JSON (read back with csv-parse)', async () => {
  need('allClaims', 'allEndnotes', 'summaries');
  const cases = [
    ['/v1/claims?format=csv', CLAIM_COLUMNS, S.allClaims],
    ['/v1/endnotes?format=csv', ENDNOTE_COLUMNS, S.allEndnotes],
    ['/v1/articles?format=csv', SUMMARY_COLUMNS, S.summaries],
  ];
  for (const [p, columns, rows] of cases) {
    const records = readCsv(await get(p));
    assert.deepEqual(records[0], columns, `${p}: header row`);
    assert.equal(records.length - 1, rows.length, `${p}: records`);
    rows.forEach((row, i) => {
      assert.deepEqual(records[i + 1], columns.map((c) => csvValue(row[c])), `${p}: record ${i + 1} (id ${row.id})`);
    });
  }
  // The quoting is exercised: the seed has commas and straight double quotes in its claims.
  const text = (await get('/v1/claims?format=csv')).text;
  assert.match(text, /""/, 'no doubled quote in the claims CSV (the seed has a straight " in a quotation)');
  const authors = readCsv(await get('/v1/articles?format=csv&fields=slug,authors'));
  assert.deepEqual(authors[0], ['slug', 'authors']);
  assert.ok(authors.some((r) => r[0] === 'custom-header-slug' && r[1] === 'Ada Lovelace;Charles Babbage'), `authors joined with ';': ${JSON.stringify(authors)}`);
});

test('export CSV: fields= chooses the columns in the order given; expand=endnotes adds endnotes_expanded', async () => {
  need('allClaims');
  const records = readCsv(await get('/v1/claims?format=csv&fields=text,id,endnote_ids'));
  assert.deepEqual(records[0], ['text', 'id', 'endnote_ids']);
  S.allClaims.forEach((c, i) => assert.deepEqual(records[i + 1], [c.text, String(c.id), csvValue(c.endnote_ids)], `record ${i + 1}`));
  const dangling = S.allClaims.findIndex((c) => c.endnote_ids.includes(null));
  assert.ok(dangling >= 0, 'the fixtures have a marker without an endnote');
  assert.equal(records[dangling + 1][2], csvValue(S.allClaims[dangling].endnote_ids), 'a null endnote id is an empty element');
  const ex = await walk('/v1/claims?expand=endnotes&cited=true&limit=50');
  const er = readCsv(await get('/v1/claims?format=csv&expand=endnotes&cited=true'));
  assert.deepEqual(er[0], [...CLAIM_COLUMNS, 'endnotes_expanded']);
  ex.rows.forEach((c, i) => assert.equal(er[i + 1][CLAIM_COLUMNS.length], csvValue(c.endnotes_expanded), `claim ${c.id} endnotes_expanded`));
});

// The bytes a server sends for one request on a fresh connection, up to
// its close (Connection: close) or 2 s: for framing that node:http would
// refuse to parse.
function wireExchange(request, base = BASE) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    const chunks = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, 2000);
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', done);
    sock.on('error', reject);
    sock.write(request);
  });
}

test('export: HEAD has the export\'s headers and no body (not even a chunked terminator)', async () => {
  const errs = [];
  for (const [p, ct] of [['/v1/claims?format=csv', 'text/csv'], ['/v1/endnotes?format=ndjson', 'application/x-ndjson']]) {
    const g = await raw('GET', p);
    for (const enc of ['identity', 'gzip']) {
      const bytes = (await wireExchange(`HEAD ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: ${enc}\r\nConnection: close\r\n\r\n`)).toString('latin1');
      requestsTo.set(BASE, (requestsTo.get(BASE) || 0) + 1);
      const end = bytes.indexOf('\r\n\r\n');
      if (end < 0) {
        errs.push(`HEAD ${p} (${enc}): no complete header block: ${JSON.stringify(bytes.slice(0, 200))}`);
        continue;
      }
      const head = bytes.slice(0, end);
      const after = bytes.slice(end + 4);
      if (!/^HTTP\/1\.1 200 /.test(head)) errs.push(`HEAD ${p} (${enc}): ${head.split('\r\n')[0]}`);
      if (!new RegExp(`\r\ncontent-type: ${ct}`, 'i').test(head)) errs.push(`HEAD ${p} (${enc}): Content-Type missing or wrong`);
      if (enc === 'identity' && !head.includes(`\r\nETag: ${g.headers.etag}`)) errs.push(`HEAD ${p}: ETag differs from the GET's ${g.headers.etag}`);
      if (after.length) errs.push(`HEAD ${p} (${enc}): ${after.length} bytes after the headers, ${JSON.stringify(after.slice(0, 40))} (a HEAD response has no body; RFC 9112 §6.3)`);
    }
  }
  assert.deepEqual(errs, []);
});

// ---- content negotiation

test('Accept: text/csv and application/x-ndjson select the export; format= wins over Accept', async () => {
  const csv = await raw('GET', '/v1/claims?format=csv');
  const nd = await raw('GET', '/v1/claims?format=ndjson');
  const json = await raw('GET', '/v1/claims');
  const jsonf = await raw('GET', '/v1/claims?format=json'); // its meta.next repeats format=json
  const cases = [
    ['/v1/claims', 'text/csv', csv],
    ['/v1/claims', 'application/x-ndjson', nd],
    ['/v1/claims', 'text/*', csv],
    ['/v1/claims', 'application/json;q=0, text/csv', csv],
    ['/v1/claims', 'text/csv;q=0.5, application/x-ndjson', nd],
    ['/v1/claims', '*/*', json],
    ['/v1/claims', 'application/*', json],
    ['/v1/claims', 'text/html, application/json;q=0.9', json],
    ['/v1/claims', 'application/json', json],
    ['/v1/claims?format=json', 'text/csv', jsonf],
    ['/v1/claims?format=csv', 'application/json', csv],
    ['/v1/claims?format=ndjson', 'image/png', nd],
    ['/v1/claims?format=ndjson', 'text/csv', nd],
  ];
  const errs = [];
  for (const [p, accept, want] of cases) {
    const r = await raw('GET', p, { headers: { accept } });
    if (r.status !== 200) errs.push(`${p} Accept: ${accept}: ${r.status}`);
    else if (r.contentType !== want.contentType || !r.body.equals(want.body)) errs.push(`${p} Accept: ${accept}: got ${r.contentType}, want ${want.contentType}`);
    else if (r.headers.etag !== want.headers.etag) errs.push(`${p} Accept: ${accept}: ETag ${r.headers.etag}, want ${want.headers.etag}`);
  }
  assert.deepEqual(errs, []);
});

test('406 problem for an Accept the route cannot meet; 400 for a format it cannot produce', async () => {
  need('seed');
  const e = seedEndnote(2).id;
  const errs = [];
  for (const [p, accept] of [
    ['/v1/claims', 'image/png'], [`/v1/articles/${S.seed.id}`, 'image/png'], [`/v1/endnotes/${e}`, 'image/png'], ['/healthz', 'image/png'],
    ['/v1', 'image/png'], ['/openapi.yaml', 'image/png'], ['/metrics', 'application/json'], [`/v1/articles/${S.seed.id}`, 'text/csv'],
    ['/v1/claims', 'application/x-bibtex'], ['/v1/endnotes', 'application/vnd.citationstyles.csl+json'], ['/v1/claims', 'application/json;q=0'],
  ]) {
    const r = await raw('GET', p, { headers: { accept } });
    if (r.status !== 406) {
      errs.push(`GET ${p} Accept: ${accept}: ${r.status}, want 406`);
      continue;
    }
    if (r.json.type !== '/problems/not-acceptable') errs.push(`GET ${p} Accept: ${accept}: type ${r.json.type}`);
    const h = await raw('HEAD', p, { headers: { accept } });
    if (h.status !== 406) errs.push(`HEAD ${p} Accept: ${accept}: ${h.status}`);
  }
  const r = await raw('GET', '/v1/claims', { headers: { accept: 'image/png' } });
  for (const mt of ['application/json', 'application/x-ndjson', 'text/csv']) if (!r.json.detail.includes(mt)) errs.push(`406 detail ${JSON.stringify(r.json.detail)} does not name ${mt}`);
  assert.deepEqual(errs, []);
  for (const p of ['/v1/claims?format=xml', '/v1/claims?format=csl', '/v1/claims?format=JSON', '/v1/endnotes?format=bibtex',
    `/v1/endnotes/${e}?format=csv`, `/v1/articles/${S.seed.id}?format=csv`, '/v1/articles?format=', `/v1/articles/${S.seed.id}/endnotes?format=yaml`]) {
    await expectInvalid(p, 'format');
  }
});

// ---- citations

const cslSchema = JSON.parse(readFileSync(CSL_SCHEMA_PATH, 'utf8'));
const ajv07 = new Ajv07({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv07);
const validateCslData = ajv07.compile(cslSchema); // JSON Schema draft-07, as the file says

function checkCslData(data, what) {
  if (!validateCslData(data)) {
    throw new Error(`${what}: not valid CSL-JSON (tests/schema/csl-data.json): ${ajv07.errorsText(validateCslData.errors)}`);
  }
}
const dateParts = (iso) => (iso ? { 'date-parts': [iso.split('-').map(Number)] } : undefined);

test('CSL-JSON of endnote [2]: the exact item, valid against the CSL-JSON schema', async () => {
  const e = seedEndnote(2);
  const r = await get(`/v1/endnotes/${e.id}?format=csl`);
  assert.equal(r.status, 200);
  assert.match(r.contentType, /^application\/vnd\.citationstyles\.csl\+json\b/);
  const data = r.json;
  checkCslData(data, `/v1/endnotes/${e.id}?format=csl`);
  assert.deepEqual(data, [{
    id: `essayd-endnote-${e.id}`,
    type: 'webpage',
    title: 'Mattis talks diplomacy on North Korea ahead of Trump’s Asia tour',
    author: [{ family: 'Stewart', given: 'P.' }],
    issued: { 'date-parts': [[2017, 10, 26]] },
    accessed: { 'date-parts': [[2017, 12, 22]] },
    'container-title': 'Reuters',
    URL: 'https://www.reuters.com/article/us-northkorea-missiles/mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-idUSKBN1CW04W',
  }]);
});

test('CSL-JSON of endnote [1]: a corporate author is a literal name, no publisher means no container-title', async () => {
  const e = seedEndnote(1);
  const data = (await get(`/v1/endnotes/${e.id}?format=csl`)).json;
  checkCslData(data, `/v1/endnotes/${e.id}?format=csl`);
  assert.equal(data.length, 1);
  const [item] = data;
  assert.deepEqual(item.author, [{ literal: 'BBC News' }]);
  assert.ok(!('container-title' in item), `container-title ${item['container-title']} for an endnote without a publisher`);
  assert.deepEqual(item, {
    id: `essayd-endnote-${e.id}`,
    type: 'webpage',
    title: 'North Korea crisis: Tillerson says diplomacy will continue',
    author: [{ literal: 'BBC News' }],
    issued: { 'date-parts': [[2017, 10, 16]] },
    accessed: { 'date-parts': [[2017, 12, 22]] },
    URL: 'http://www.bbc.com/news/world-asia-41629233',
  });
});

test('CSL-JSON of the seed article: every endnote in number order, valid; Accept selects it too', async () => {
  need('seed');
  const r = await get(`/v1/articles/${S.seed.id}/endnotes?format=csl`);
  const data = r.json;
  checkCslData(data, 'seed article CSL');
  const byN = [...S.seed.endnotes].sort((x, y) => x.n - y.n);
  assert.equal(data.length, byN.length);
  for (const [i, e] of byN.entries()) {
    const item = data[i];
    assert.equal(item.id, `essayd-endnote-${e.id}`, `item ${i}`);
    assert.equal(item.title, e.title, `[${e.n}] title`);
    assert.equal(item.URL, e.url, `[${e.n}] URL`);
    assert.equal(item.type, e.url ? 'webpage' : 'document', `[${e.n}] type`);
    assert.equal(item['container-title'], e.publisher ?? undefined, `[${e.n}] container-title vs publisher`);
    assert.deepEqual(item.issued, dateParts(e.date), `[${e.n}] issued`);
    assert.deepEqual(item.accessed, dateParts(e.retrieved), `[${e.n}] accessed`);
    assert.deepEqual(Object.keys(item).filter((k) => !['id', 'type', 'title', 'author', 'issued', 'accessed', 'container-title', 'URL'].includes(k)), [], `[${e.n}] extra keys`);
    const one = (await get(`/v1/endnotes/${e.id}?format=csl`)).json;
    assert.deepEqual(one, [item], `[${e.n}]: the article's item and the endnote's own`);
  }
  const viaAccept = await raw('GET', `/v1/articles/${S.seed.id}/endnotes`, { headers: { accept: 'application/vnd.citationstyles.csl+json' } });
  assert.deepEqual(JSON.parse(viaAccept.text), data, 'Accept: application/vnd.citationstyles.csl+json');
  const one = await raw('GET', `/v1/endnotes/${seedEndnote(3).id}`, { headers: { accept: 'application/vnd.citationstyles.csl+json' } });
  assert.match(one.contentType, /^application\/vnd\.citationstyles\.csl\+json/);
});

test('CSL-JSON of every article is valid; unparsed fields are left out (an n.d. endnote has no issued)', async () => {
  need('articles');
  for (const a of Object.values(S.articles)) {
    const data = (await get(`/v1/articles/${a.id}/endnotes?format=csl`)).json;
    checkCslData(data, `${a.slug} CSL`);
    assert.equal(data.length, a.endnotes.length, `${a.slug}: items`);
  }
  const lonely = fixture('dangling-markers-and-lonely-notes').endnotes.find((e) => e.n === 4);
  const [item] = (await get(`/v1/endnotes/${lonely.id}?format=csl`)).json;
  assert.ok(!('issued' in item), `"n.d." became issued ${JSON.stringify(item.issued)}`);
  assert.deepEqual(item.accessed, { 'date-parts': [[2020, 5, 4]] });
  const none = (await get(`/v1/articles/custom-header-slug/endnotes?format=csl`)).json;
  assert.deepEqual(none, [], 'an article without endnotes: an empty array');
  assert.equal((await get(`/v1/articles/custom-header-slug/endnotes?format=bibtex`)).text, '', 'and no BibTeX entries');
});

test('citations of an article: every endnote whatever the limit; a bad limit or cursor is still a 400', async () => {
  need('seed');
  const all = (await get(`/v1/articles/${S.seed.id}/endnotes?format=csl`)).json;
  assert.deepEqual((await get(`/v1/articles/${S.seed.id}/endnotes?format=csl&limit=2`)).json, all, 'limit=2 does not narrow the citations');
  await expectInvalid(`/v1/articles/${S.seed.id}/endnotes?format=csl&limit=abc`, 'limit');
  await expectInvalid(`/v1/articles/${S.seed.id}/endnotes?format=csl&cursor=garbage!!`, 'cursor');
  await expectInvalid(`/v1/articles/${S.seed.id}/endnotes?format=bibtex&cursor=${b64url('{"not":"ours"}')}`, 'cursor');
});

test('BibTeX of endnote [2] and [1], and of the seed article', async () => {
  need('seed');
  const e2 = seedEndnote(2);
  const r = await get(`/v1/endnotes/${e2.id}?format=bibtex`);
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/x-bibtex; charset=utf-8');
  assert.equal(r.text, [
    `@online{essayd-endnote-${e2.id},`,
    '  author = {Stewart, P.},',
    '  title = {Mattis talks diplomacy on North Korea ahead of Trump’s Asia tour},',
    '  date = {2017-10-26},',
    '  urldate = {2017-12-22},',
    '  url = {https://www.reuters.com/article/us-northkorea-missiles/mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-idUSKBN1CW04W},',
    '  organization = {Reuters},',
    '}',
    '',
  ].join('\n'));
  const e1 = seedEndnote(1);
  assert.equal((await get(`/v1/endnotes/${e1.id}?format=bibtex`)).text, [
    `@online{essayd-endnote-${e1.id},`,
    '  author = {{BBC News}},',
    '  title = {North Korea crisis: Tillerson says diplomacy will continue},',
    '  date = {2017-10-16},',
    '  urldate = {2017-12-22},',
    '  url = {http://www.bbc.com/news/world-asia-41629233},',
    '}',
    '',
  ].join('\n'));
  const all = (await get(`/v1/articles/${S.seed.id}/endnotes?format=bibtex`)).text;
  const entries = all.split('\n\n');
  assert.equal(entries.length, 7, 'seven entries separated by an empty line');
  const byN = [...S.seed.endnotes].sort((x, y) => x.n - y.n);
  for (const [i, e] of byN.entries()) {
    assert.equal(`${entries[i]}${i < 6 ? '\n' : ''}`, (await get(`/v1/endnotes/${e.id}?format=bibtex`)).text, `entry ${i} is endnote [${e.n}]'s own`);
  }
  const viaAccept = await raw('GET', `/v1/endnotes/${e2.id}`, { headers: { accept: 'application/x-bibtex' } });
  assert.equal(viaAccept.text, r.text, 'Accept: application/x-bibtex');
});

// ---- request ids

test('X-Request-Id: echoed when sane, else 16 fresh hex digits', async () => {
  need('seed');
  const hex16 = /^[0-9a-f]{16}$/;
  const errs = [];
  const sane = ['abc', 'a.b_c:d-E9', 'x'.repeat(128), '0', 'req-2026-01-01T00:00:00'];
  const insane = ['', 'x'.repeat(129), 'a b', 'a/b', 'a"b', 'a,b', 'ab;c', '{x}'];
  for (const [m, p] of [['GET', '/v1/claims?limit=1'], ['GET', '/v1/articles/999999'], ['OPTIONS', '/v1/claims'], ['GET', '/v1/claims?limit=abc'], ['HEAD', '/healthz']]) {
    for (const id of sane) {
      const r = await raw(m, p, { headers: { 'x-request-id': id } });
      if (r.headers['x-request-id'] !== id) errs.push(`${m} ${p} X-Request-Id ${JSON.stringify(id)}: got ${r.headers['x-request-id']}`);
    }
    for (const id of insane) {
      const r = await raw(m, p, { headers: { 'x-request-id': id } });
      const got = r.headers['x-request-id'];
      if (!hex16.test(got || '') || got === id) errs.push(`${m} ${p} X-Request-Id ${JSON.stringify(id)} (not sane): got ${got}, want 16 generated hex digits`);
    }
  }
  const ids = new Set();
  for (let i = 0; i < 20; i++) {
    const r = await raw('GET', '/healthz');
    if (!hex16.test(r.headers['x-request-id'] || '')) errs.push(`no X-Request-Id sent: got ${r.headers['x-request-id']}`);
    ids.add(r.headers['x-request-id']);
  }
  if (ids.size !== 20) errs.push(`20 requests without an id got ${ids.size} distinct generated ids`);
  const ok = await raw('GET', `/v1/articles/${S.seed.id}`);
  const nm = await raw('GET', `/v1/articles/${S.seed.id}`, { headers: { 'if-none-match': ok.headers.etag, 'x-request-id': 'cond-1' } });
  if (nm.status !== 304 || nm.headers['x-request-id'] !== 'cond-1') errs.push(`304: ${nm.status}, X-Request-Id ${nm.headers['x-request-id']}`);
  assert.deepEqual(errs, []);
});

// ---- metrics

// A strict reader of the Prometheus text format 0.0.4: every line is a
// HELP or TYPE comment or a sample `name{label="value",...} value`;
// samples belong to a family whose TYPE came first; no sample repeats.
function parsePrometheus(text) {
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const families = new Map();
  const samples = [];
  const seen = new Set();
  assert.ok(text.endsWith('\n'), 'metrics text does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `metrics line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      assert.ok(m, `${where}: a comment that is neither HELP nor TYPE`);
      const f = families.get(m[2]) || { name: m[2] };
      if (m[1] === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]), `${where}: unknown type`);
        assert.ok(!f.type, `${where}: a second TYPE`);
        assert.ok(!f.samples, `${where}: TYPE after samples`);
        f.type = m[3];
      } else {
        assert.ok(f.help === undefined, `${where}: a second HELP`);
        f.help = m[3];
      }
      families.set(m[2], f);
      return;
    }
    const m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?[0-9]+))?$`).exec(line);
    assert.ok(m, `${where}: not a sample`);
    const [, name, labelText = '', valueText] = m;
    assert.match(valueText, /^(NaN|[+-]Inf|[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)$/, `${where}: value`);
    const labels = {};
    const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
    let pos = 0;
    while (pos < labelText.length) {
      re.lastIndex = pos;
      const l = re.exec(labelText);
      assert.ok(l, `${where}: labels at ${JSON.stringify(labelText.slice(pos))}`);
      assert.ok(!(l[1] in labels), `${where}: label ${l[1]} twice`);
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      pos = re.lastIndex;
      if (l[3] === '' && pos < labelText.length) assert.fail(`${where}: labels not separated by commas`);
    }
    let family = families.get(name);
    if (!family || !family.type) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      family = families.get(base);
      assert.ok(family && ['histogram', 'summary'].includes(family.type) && base !== name, `${where}: no TYPE for ${name}`);
    }
    family.samples = (family.samples || 0) + 1;
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`;
    assert.ok(!seen.has(key), `${where}: the sample ${key} repeats`);
    seen.add(key);
    samples.push({ name, labels, value: Number(valueText) });
  });
  return { families, samples };
}
function metricValue(samples, name, labels = {}) {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v) &&
    Object.keys(x.labels).length === Object.keys(labels).length);
  return s ? s.value : 0;
}
async function readMetrics(base = BASE) {
  const r = await raw('GET', '/metrics', { base });
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(r.text);
}

test('/metrics: Prometheus text with the documented families, parsed strictly', async () => {
  const { families, samples } = await readMetrics();
  const want = {
    essayd_http_requests_total: 'counter',
    essayd_http_request_duration_seconds: 'histogram',
    essayd_http_open_connections: 'gauge',
    essayd_database_size_bytes: 'gauge',
    essayd_list_total_cache_hits_total: 'counter',
    essayd_list_total_cache_misses_total: 'counter',
  };
  for (const [name, type] of Object.entries(want)) {
    assert.equal(families.get(name)?.type, type, `${name}: TYPE ${families.get(name)?.type}, want ${type}`);
    assert.ok(families.get(name).help, `${name}: no HELP`);
  }
  const size = metricValue(samples, 'essayd_database_size_bytes');
  assert.ok(size >= statSync(S.db).size, `essayd_database_size_bytes ${size} < the database file's ${statSync(S.db).size} bytes`);
  assert.ok(metricValue(samples, 'essayd_http_open_connections') >= 1, 'essayd_http_open_connections (this request\'s connection is open)');
  for (const s of samples.filter((x) => x.name === 'essayd_http_requests_total')) {
    assert.deepEqual(Object.keys(s.labels).sort(), ['method', 'route', 'status'], `labels of ${JSON.stringify(s)}`);
    assert.match(s.labels.status, /^[0-9]{3}$/);
    assert.ok(Number.isInteger(s.value) && s.value >= 1, `${JSON.stringify(s)}`);
  }
});

test('/metrics: counts grow with requests, by route template (never a raw path), method and status', async () => {
  need('seed');
  const claimIds = S.seed.claims.slice(0, 3).map((c) => c.id);
  const lab = (route, method, status) => ({ route, method, status: String(status) });
  const before = (await readMetrics()).samples;
  for (const id of claimIds) await get(`/v1/claims/${id}`);
  await get('/v1/claims/999999');
  await req('HEAD', `/v1/articles/${SEED_SLUG}`);
  await get('/v1/endnotes?limit=abc');
  await get('/no/such/path');
  // A request is counted when its response has gone out, which the client
  // may see first: read until the last one shows (at most 3 s).
  const deadline = Date.now() + 3000;
  let samples;
  const delta = (l) => metricValue(samples, 'essayd_http_requests_total', l) - metricValue(before, 'essayd_http_requests_total', l);
  do {
    ({ samples } = await readMetrics());
  } while (delta(lab('(none)', 'GET', 404)) < 1 && Date.now() < deadline);
  assert.equal(delta(lab('/v1/claims/{id}', 'GET', 200)), 3, 'GET /v1/claims/{id} 200');
  assert.equal(delta(lab('/v1/claims/{id}', 'GET', 404)), 1, 'GET /v1/claims/{id} 404');
  assert.equal(delta(lab('/v1/articles/{article}', 'HEAD', 200)), 1, 'HEAD /v1/articles/{article} 200');
  assert.equal(delta(lab('/v1/endnotes', 'GET', 400)), 1, 'GET /v1/endnotes 400');
  assert.equal(delta(lab('(none)', 'GET', 404)), 1, 'a path with no route counts as route="(none)"');
  assert.ok(delta(lab('/metrics', 'GET', 200)) >= 1, 'GET /metrics 200 (the previous read)');
  const routes = new Set(samples.filter((s) => s.labels.route !== undefined).map((s) => s.labels.route));
  const allowed = new Set([...pathTemplates, '(none)']);
  const stray = [...routes].filter((r) => !allowed.has(r));
  assert.deepEqual(stray, [], `route labels that are not templates of openapi.yaml: ${stray.join(', ')}`);
  assert.ok(!routes.has('/no/such/path') && ![...routes].some((r) => /\/[0-9]+(\/|$)/.test(r)), 'a raw path as a label');
  // The histogram of a route: cumulative buckets, +Inf equal to _count, which counts the route's requests.
  const route = '/v1/claims/{id}';
  const buckets = samples.filter((s) => s.name === 'essayd_http_request_duration_seconds_bucket' && s.labels.route === route);
  assert.ok(buckets.length >= 2, `no histogram buckets for ${route}`);
  const les = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
  assert.deepEqual(les, [...les].sort((x, y) => x - y), 'buckets in ascending le');
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
  const count = metricValue(samples, 'essayd_http_request_duration_seconds_count', { route });
  assert.equal(buckets[buckets.length - 1].labels.le, '+Inf');
  assert.equal(buckets[buckets.length - 1].value, count, '+Inf bucket equals _count');
  const byStatus = samples.filter((s) => s.name === 'essayd_http_requests_total' && s.labels.route === route).reduce((n, s) => n + s.value, 0);
  assert.equal(count, byStatus, `${route}: histogram _count vs requests_total`);
});

test('/metrics: the list-total cache counts hits and misses', async () => {
  const before = (await readMetrics()).samples;
  // Pages of other sizes: the same filter (and total), but other responses,
  // which the response cache cannot answer.
  for (let i = 1; i <= 3; i++) await get(`/v1/endnotes?publisher=${q('Example Press')}&limit=${i}&n=2`);
  const { samples } = await readMetrics();
  const d = (n) => metricValue(samples, n) - metricValue(before, n);
  assert.ok(d('essayd_list_total_cache_misses_total') >= 1, 'a new filter misses');
  assert.ok(d('essayd_list_total_cache_hits_total') >= 2, 'repeating it hits');
});

test('/metrics: the response cache answers a repeated request (writes: see write.mjs; imports: cli/run.sh)', async () => {
  need('seed');
  const p = `/v1/articles/${S.seed.id}?fields=title,version`;
  const before = (await readMetrics()).samples;
  const first = await get(p);
  await get(p);
  const again = await get(p);
  const mid = (await readMetrics()).samples;
  const d = (a, b, n) => metricValue(b, n) - metricValue(a, n);
  // Stored on its second miss (cache.c: admission), served from memory after.
  assert.equal(d(before, mid, 'essayd_cache_misses_total'), 2, 'the first two requests render');
  assert.equal(d(before, mid, 'essayd_cache_hits_total'), 1, 'the third is served from the cache');
  assert.equal(again.text, first.text, 'the same body');
  assert.equal(again.headers.etag, first.headers.etag, 'the same ETag');
  assert.ok(metricValue(mid, 'essayd_cache_entries') >= 1, 'essayd_cache_entries');
});

// ---- the access log

const LOG_LINE = /^time=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) rid=([A-Za-z0-9._:-]{1,128}) method=([A-Za-z]+) path="((?:[^"\\\s]|\\x[0-9a-f]{2})*)" route=(\S+) status=(\d+) bytes=(\d+) us=(\d+)$/;
const logLines = (s) => s.stderr.split('\n').filter((l) => l.startsWith('time='));

async function waitForLog(s, rid) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const lines = logLines(s).filter((l) => l.includes(` rid=${rid} `));
    if (lines.length || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('access log: one logfmt line per request on stderr with time, rid, method, path, route, status, bytes, us', async () => {
  need('seed');
  const tag = `log${Date.now().toString(36)}`;
  const cases = [
    ['GET', '/healthz', {}, { status: 200, route: '/healthz', path: '/healthz', bytes: 15 }],
    ['GET', '/v1/claims?limit=2&cited=true', {}, { status: 200, route: '/v1/claims', path: '/v1/claims' }],
    ['HEAD', `/v1/articles/${S.seed.id}`, {}, { status: 200, route: '/v1/articles/{article}', path: `/v1/articles/${S.seed.id}`, bytes: 0 }],
    ['GET', '/nope/x', {}, { status: 404, route: '-', path: '/nope/x' }],
    ['GET', '/v1/claims?limit=abc', {}, { status: 400, route: '/v1/claims', path: '/v1/claims' }],
    ['OPTIONS', '/v1/endnotes', {}, { status: 204, route: '/v1/endnotes', path: '/v1/endnotes', bytes: 0 }],
    ['DELETE', '/v1/claims', {}, { status: 405, route: '/v1/claims', path: '/v1/claims' }],
    ['GET', '/v1/articles/a%22b%20c', {}, { status: 404, route: '/v1/articles/{article}', path: '/v1/articles/a\\x22b\\x20c' }],
    ['GET', '/v1/claims?format=ndjson', { 'accept-encoding': 'gzip' }, { status: 200, route: '/v1/claims', path: '/v1/claims' }],
    ['GET', `/v1/articles/${S.seed.id}`, { 'accept-encoding': 'gzip' }, { status: 200, route: '/v1/articles/{article}', path: `/v1/articles/${S.seed.id}` }],
  ];
  const errs = [];
  for (const [i, [m, p, h, want]] of cases.entries()) {
    const rid = `${tag}-${i}`;
    const r = await raw(m, p, { headers: { ...h, 'x-request-id': rid } });
    const lines = await waitForLog(server, rid);
    if (lines.length !== 1) {
      errs.push(`${m} ${p}: ${lines.length} log lines with rid=${rid}`);
      continue;
    }
    const g = LOG_LINE.exec(lines[0]);
    if (!g) {
      errs.push(`${m} ${p}: log line does not parse: ${lines[0]}`);
      continue;
    }
    const [, time, lrid, method, lpath, route, status, bytes, us] = g;
    const wantBytes = want.bytes ?? r.wire.length;
    const got = { method, path: lpath, route, status: Number(status), bytes: Number(bytes) };
    const exp = { method: m, path: want.path, route: want.route, status: want.status, bytes: wantBytes };
    try {
      assert.deepEqual(got, exp);
    } catch {
      errs.push(`${m} ${p}: logged ${JSON.stringify(got)}, want ${JSON.stringify(exp)}`);
    }
    if (r.status !== want.status) errs.push(`${m} ${p}: answered ${r.status}`);
    if (lrid !== rid) errs.push(`rid ${lrid}`);
    const age = Date.now() - Date.parse(time);
    if (!(age >= -5000 && age < 60_000)) errs.push(`${m} ${p}: time=${time} is not now`);
    if (!(Number(us) >= 0 && Number(us) < 30_000_000)) errs.push(`${m} ${p}: us=${us}`);
  }
  // Without a client id, the generated one is logged.
  const r = await raw('GET', '/healthz');
  const lines = await waitForLog(server, r.headers['x-request-id']);
  if (lines.length !== 1) errs.push(`generated id ${r.headers['x-request-id']}: ${lines.length} log lines`);
  // Every access-log line so far is well formed.
  const bad = logLines(server).filter((l) => !LOG_LINE.test(l));
  if (bad.length) errs.push(`${bad.length} malformed log lines, e.g. ${bad[0]}`);
  assert.deepEqual(errs, []);
});

// ---------------------------------------------------------------------------
// Hostile input.

test('hostile: 8 KB query strings', async () => {
  const long = 'a'.repeat(8192);
  // A value this long matches nothing or is refused as too long.
  const r = await get(`/v1/claims?domain=${long}`);
  if (r.status === 400) await expectInvalid(`/v1/claims?domain=${long}`, 'domain');
  else {
    assert.equal(r.status, 200);
    assert.equal(r.json.meta.total, 0);
  }
  await expectInvalid(`/v1/claims?${'x'.repeat(8192)}=1`, 'x'.repeat(8192));
  await expectInvalid(`/v1/claims?limit=${'9'.repeat(8192)}`, 'limit');
});

test('empty query parts ("?limit=1&&", a trailing &) are ignored; an empty name with a value is a 400', async () => {
  const r = await getJson('/v1/claims?limit=1&&');
  assert.equal(r.meta.limit, 1);
  assert.equal(r.data.length, 1);
  await expectInvalid('/v1/claims?=5', '');
});

test('hostile: 100 query parameters are a 400 problem naming them', async () => {
  const qs = Array.from({ length: 100 }, (_, i) => `p${i}=1`).join('&');
  const r = await get(`/v1/claims?${qs}`);
  assert.equal(r.status, 400);
  assert.ok(r.json.invalid_params.length >= 1);
});

test('hostile: percent-encoded NUL and invalid UTF-8 never break the server', async () => {
  const errs = [];
  const cases = [
    ['/v1/claims?domain=%00', [200, 400]],
    ['/v1/endnotes?publisher=a%00b', [200, 400]],
    ['/v1/claims?domain=%ff', [200, 400]],
    ['/v1/articles?category=%C3%28', [200, 400]],
    ['/v1/articles?venue=%ed%a0%80', [200, 400]], // a UTF-16 surrogate in UTF-8
    ['/v1/claims?key=%ff%fe%fd%fc%fb%fa%f9%f8', [200, 400]],
    ['/v1/claims?article=%ff', [200, 400]],
    ['/v1/claims?%ff=1', [400]],
    ['/v1/claims?%00=1', [400]],
    ['/v1/claims?cursor=%ff%00', [400]],
    ['/v1/articles/%00', [400, 404]],
    ['/v1/articles/%ff', [400, 404]],
    ['/v1/articles/%ff%fe/claims', [400, 404]],
    ['/v1/claims/%00', [400, 404]],
  ];
  for (const [p, ok] of cases) {
    try {
      const r = await get(p);
      if (!ok.includes(r.status)) errs.push(`${p}: ${r.status}, want one of ${ok}`);
      if (r.status === 200 && r.json.meta && r.json.meta.total !== 0) errs.push(`${p}: matched ${r.json.meta.total} rows`);
    } catch (e) {
      errs.push(e.message);
    }
  }
  assert.deepEqual(errs, []);
});

test('hostile: path traversal finds nothing', async () => {
  const errs = [];
  const paths = [
    '/v1/../../../../etc/passwd',
    '/../../../../etc/passwd',
    '/v1/articles/../../../../etc/passwd',
    '/v1/articles/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/openapi.yaml/../../../etc/passwd',
    '/v1/articles/....//....//etc/passwd',
    '//etc/passwd',
    '/db/essays.db',
    '/v1/articles/%2e%2e',
  ];
  for (const p of paths) {
    try {
      const r = await raw('GET', p);
      if (r.status !== 404 && r.status !== 400) errs.push(`${p}: ${r.status}`);
      if (/root:|SQLite format/.test(r.text)) errs.push(`${p}: leaked a file`);
    } catch (e) {
      errs.push(e.message);
    }
  }
  assert.deepEqual(errs, []);
});

test('hostile: 200 requests in a bounded loop, never a 5xx, still healthy after', async () => {
  need('seed');
  const mix = [
    '/v1/articles',
    `/v1/articles/${S.seed.id}`,
    `/v1/articles/${SEED_SLUG}/claims?cited=true`,
    '/v1/claims?limit=50&expand=endnotes',
    '/v1/endnotes?domain=bbc.com',
    `/v1/claims/${S.seed.claims[1].id}`,
    '/v1/claims?limit=abc',
    '/v1/articles/999999',
    '/healthz',
    '/v1/claims?cursor=%ff',
  ];
  let i = 0;
  const errs = [];
  const worker = async () => {
    while (i < 200) {
      const p = mix[i++ % mix.length];
      try {
        await get(p);
      } catch (e) {
        errs.push(e.message);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.deepEqual(errs.slice(0, 5), [], `${errs.length} of 200 requests failed`);
  const h = await get('/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
});

// Sends a request over a bare socket, ignoring write errors: a server that
// refuses a large body answers and closes before the client has sent it all.
function rawSocket(method, p, headers, body) {
  const { hostname, port } = new URL(BASE);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${method} ${p} timed out`)); }, REQUEST_TIMEOUT_MS);
    sock.on('connect', () => {
      requestsTo.set(BASE, (requestsTo.get(BASE) || 0) + 1); // no conformance(): only the status is read
      const head = [`${method} ${p} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      sock.write(head);
      sock.write(body, () => {});
      sock.end();
    });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => {}); // EPIPE / ECONNRESET after the answer
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    });
  });
}

test('hostile: 5 MiB request bodies are refused (403, 405 or 413), the server stays healthy', async () => {
  const big = Buffer.alloc(5 << 20, 0x61);
  const errs = [];
  for (const [m, p, ok] of [
    ['POST', '/v1/articles', [403, 413]],
    ['PUT', '/v1/claims/1', [405, 413]],
    ['GET', '/v1/articles', [200, 400, 413]],
  ]) {
    const r = await rawSocket(m, p, { 'Content-Type': 'text/plain', 'Content-Length': String(big.length) }, big);
    if (!ok.includes(r.status)) errs.push(`${m} ${p}: ${r.status}, want one of ${ok}`);
    if (r.status === 413 && !/application\/problem\+json/i.test(r.text)) errs.push(`${m} ${p}: 413 is not problem+json`);
  }
  assert.deepEqual(errs, []);
  const h = await get('/healthz');
  assert.equal(h.status, 200);
});

test('hostile: a request body on GET is ignored or refused, not fatal', async () => {
  const r = await raw('GET', '/v1/articles', { headers: { 'content-type': 'application/json', 'content-length': '5' }, body: 'xxxxx' });
  assert.ok([200, 400].includes(r.status), `status ${r.status}`);
  const h = await get('/healthz');
  assert.equal(h.status, 200);
});

// ---------------------------------------------------------------------------
// Servers with other options, on the same database.

const ORIGIN_A = 'http://a.example:3000';
const ORIGIN_B = 'http://127.0.0.1:5173';

test('CORS with --cors-origins: a listed Origin is echoed with Vary: Origin; others get no Access-Control-Allow-Origin', async () => {
  need('seed');
  const s = await startServer(['--cors-origins', `${ORIGIN_A},${ORIGIN_B}`]);
  try {
    const base = s.base;
    const p = `/v1/articles/${S.seed.id}`;
    const errs = [];
    const ok = await raw('GET', p, { base, headers: { origin: ORIGIN_A } });
    const cases = [
      ['GET', p, {}],
      ['GET', '/v1/claims?limit=2', {}],
      ['GET', '/v1/claims?format=csv&limit=2', {}],
      ['HEAD', p, {}],
      ['GET', p, { 'if-none-match': ok.headers.etag }],
      ['GET', '/v1/claims?limit=abc', {}],
      ['GET', '/v1/articles/999999', {}],
      ['GET', '/v1/claims', { accept: 'image/png' }],
      ['POST', '/v1/claims', {}],
      ['OPTIONS', '/v1/claims', {}],
      ['OPTIONS', '/v1/claims', { 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' }],
    ];
    for (const [m, path, h] of cases) {
      const what = `${m} ${path} ${JSON.stringify(h)}`;
      for (const origin of [ORIGIN_A, ORIGIN_B]) {
        const r = await raw(m, path, { base, headers: { ...h, origin } });
        errs.push(...corsErrors(r, `${what} Origin ${origin} → ${r.status}`, origin));
        if (!lower(listOf(r.headers.vary)).includes('origin')) errs.push(`${what} Origin ${origin} → ${r.status}: Vary ${r.headers.vary} lacks Origin`);
      }
      for (const origin of ['http://evil.example', 'http://a.example', `${ORIGIN_A}/`, 'null', undefined]) {
        const r = await raw(m, path, { base, headers: origin ? { ...h, origin } : h });
        const acao = r.headers['access-control-allow-origin'];
        if (acao !== undefined) errs.push(`${what} Origin ${origin} → ${r.status}: Access-Control-Allow-Origin ${acao}, want none`);
        if (!lower(listOf(r.headers.vary)).includes('origin')) errs.push(`${what} Origin ${origin} → ${r.status}: Vary ${r.headers.vary} lacks Origin`);
      }
    }
    // A representation's Vary keeps Accept and Accept-Encoding.
    if (ok.headers.vary !== 'Accept, Accept-Encoding, Origin') errs.push(`GET ${p}: Vary ${ok.headers.vary}`);
    // The preflight of a listed origin is complete.
    const pf = await raw('OPTIONS', p, { base, headers: { origin: ORIGIN_B, 'access-control-request-method': 'GET' } });
    if (pf.status !== 204 || !pf.headers['access-control-allow-methods'] || !pf.headers['access-control-max-age']) errs.push(`preflight: ${pf.status} ${JSON.stringify(pf.headers)}`);
    // Representations are the same as the default server's.
    const d = await raw('GET', p, { headers: { origin: ORIGIN_A } });
    if (!d.body.equals(ok.body) || d.headers.etag !== ok.headers.etag) errs.push('the same article differs between the two servers');
    assert.deepEqual(errs, []);
  } finally {
    await stopServer(s);
  }
});

test('--quiet: no access-log line at all', async () => {
  const s = await startServer(['--quiet']);
  let stopped = false;
  try {
    for (const p of ['/healthz', '/v1/claims?limit=3', '/nope', '/v1/claims?limit=abc']) await raw('GET', p, { base: s.base });
    await raw('OPTIONS', '/v1', { base: s.base });
    await stopServer(s);
    stopped = true;
    assert.deepEqual(logLines(s), [], `--quiet server logged: ${s.stderr.slice(0, 500)}`);
    assert.doesNotMatch(s.stderr, /rid=|method=|status=/, `--quiet server's stderr: ${s.stderr.slice(0, 500)}`);
  } finally {
    if (!stopped) await stopServer(s);
  }
  // The same server without --quiet does log (so the check above means something).
  const v = await startServer([]);
  try {
    await raw('GET', '/healthz', { base: v.base, headers: { 'x-request-id': 'not-quiet-1' } });
    assert.equal((await waitForLog(v, 'not-quiet-1')).length, 1, 'a server without --quiet logs the request');
  } finally {
    await stopServer(v);
  }
});

// ---------------------------------------------------------------------------
// Writes under a running server: ETags change exactly where the data did.
// (Late: it replaces an article's claims and endnotes, whose ids change.)

test('ETag: an unchanged re-import keeps every ETag; a changed essay changes its own and only the lists it is in', async () => {
  need('seed', 'articles', 'db');
  const bridges = S.articles['bridges-over-quiet-water'];
  const probe = {
    seed: `/v1/articles/${S.seed.id}`,
    bridges: `/v1/articles/${bridges.id}`,
    bridgesBySlug: `/v1/articles/${bridges.slug}`,
    seedClaims: `/v1/articles/${S.seed.id}/claims`,
    seedEndnoteCsl: `/v1/endnotes/${seedEndnote(2).id}?format=csl`,
    articles: '/v1/articles',
    bridgesClaims: `/v1/articles/${bridges.id}/claims`,
    export: '/v1/claims?format=ndjson',
  };
  const snapshot = async () => {
    const out = {};
    for (const [k, p] of Object.entries(probe)) {
      const r = await raw('GET', p);
      assert.equal(r.status, 200, `GET ${p}`);
      out[k] = r;
    }
    return out;
  };
  const t0 = await snapshot();
  // An unchanged re-import writes nothing.
  const again = spawnSync(BIN, ['import', '--db', S.db, ...importFiles], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(again.status, 0, `re-import: ${again.stderr}`);
  const t1 = await snapshot();
  for (const k of Object.keys(probe)) assert.equal(t1[k].headers.etag, t0[k].headers.etag, `${probe[k]}: ETag changed after an unchanged re-import`);

  // A changed essay, same title: replaced, same id, version + 1.
  const src = readFileSync(path.join(FIXTURE_DIR, 'bridges-crlf-bom.txt'), 'utf8');
  const changed = src.replace('Old bridges carry more than traffic.', 'Old bridges carry more than cars.');
  assert.notEqual(changed, src, 'the fixture no longer has the sentence the test changes');
  const file = path.join(tmp, 'bridges-changed.txt');
  writeFileSync(file, changed);
  const imp = spawnSync(BIN, ['import', '--db', S.db, file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(imp.status, 0, `import of the changed essay: ${imp.stdout} ${imp.stderr}`);
  const line = IMPORT_LINE.exec(imp.stdout.split('\n').find((l) => IMPORT_LINE.test(l.trim()))?.trim() || '');
  assert.ok(line && line[1] === 'replaced' && Number(line[3]) === bridges.id, `import said: ${imp.stdout}`);
  const t2 = await snapshot();
  const errs = [];
  const same = (k) => t2[k].headers.etag === t0[k].headers.etag || errs.push(`${probe[k]}: ETag ${t0[k].headers.etag} → ${t2[k].headers.etag}, though its data did not change`);
  const differ = (k) => t2[k].headers.etag !== t0[k].headers.etag || errs.push(`${probe[k]}: ETag ${t0[k].headers.etag} unchanged, though its data changed`);
  same('seed');
  same('seedClaims');
  same('seedEndnoteCsl');
  differ('bridges');
  differ('bridgesBySlug');
  differ('articles');
  differ('bridgesClaims');
  differ('export');
  if (t2.bridges.headers.etag !== `"${bridges.id}.${bridges.version + 1}-id"`) errs.push(`bridges: ETag ${t2.bridges.headers.etag}, want version ${bridges.id}.${bridges.version + 1}`);
  assert.ok(t2.bridges.json.claims.some((c) => c.text === 'Old bridges carry more than cars.'), 'the new text is served');
  // Revalidation: the old ETag is a 200 with the new body, the new one a 304; the seed still revalidates.
  const old = await raw('GET', probe.bridges, { headers: { 'if-none-match': t0.bridges.headers.etag } });
  if (old.status !== 200) errs.push(`old ETag of the changed article: ${old.status}, want 200`);
  const cur = await raw('GET', probe.bridges, { headers: { 'if-none-match': t2.bridges.headers.etag } });
  if (cur.status !== 304) errs.push(`new ETag of the changed article: ${cur.status}, want 304`);
  const seed = await raw('GET', probe.seed, { headers: { 'if-none-match': t0.seed.headers.etag } });
  if (seed.status !== 304) errs.push(`the seed's ETag after another article changed: ${seed.status}, want 304`);
  const oldList = await raw('GET', probe.articles, { headers: { 'if-none-match': t0.articles.headers.etag } });
  if (oldList.status !== 200) errs.push(`the article list's old ETag: ${oldList.status}, want 200`);
  if (Date.parse(t2.bridges.headers['last-modified']) < Date.parse(t0.bridges.headers['last-modified'])) errs.push('Last-Modified went back');
  const ims = await raw('GET', probe.bridges, { headers: { 'if-modified-since': t2.bridges.headers['last-modified'] } });
  if (ims.status !== 304) errs.push(`If-Modified-Since: its new Last-Modified: ${ims.status}`);
  assert.deepEqual(errs, []);
});

// ---------------------------------------------------------------------------
// The checker itself: it must keep rejecting what openapi.yaml does not
// document, for the new media types and statuses too.

test('openapi-check rejects undocumented statuses, media types, missing headers, bodies on 304 and bad bodies', async () => {
  need('seed');
  const p = '/v1/claims?limit=2';
  const r = await raw('GET', p);
  const h = { ...r.headers };
  assert.deepEqual(check('GET', p, 200, h, r.wire), [], 'a real response passes');
  const expectProblem = (what, problems, re) => {
    assert.ok(problems.length > 0, `${what}: accepted`);
    if (re) assert.match(problems.join('; '), re, `${what}: ${problems.join('; ')}`);
  };
  expectProblem('418', check('GET', p, 418, h, r.wire), /not documented/);
  expectProblem('304 on OPTIONS', check('OPTIONS', p, 304, h, Buffer.alloc(0)), /not documented/);
  expectProblem('text/html', check('GET', p, 200, { ...h, 'content-type': 'text/html' }, r.wire), /not documented/);
  expectProblem('text/csv on a single claim', check('GET', `/v1/claims/${S.seed.claims[0].id}`, 200, { ...h, 'content-type': 'text/csv' }, Buffer.from('id\r\n1\r\n')), /not documented/);
  expectProblem('no ETag', check('GET', p, 200, { ...h, etag: undefined }, r.wire), /ETag/);
  expectProblem('a weak ETag', check('GET', p, 200, { ...h, etag: `W/${h.etag}` }, r.wire), /ETag/);
  expectProblem('Cache-Control of an item on a list', check('GET', p, 200, { ...h, 'cache-control': CC_ITEM }, r.wire), /Cache-Control/);
  expectProblem('no X-Request-Id', check('GET', p, 200, { ...h, 'x-request-id': undefined }, r.wire), /X-Request-Id/);
  const nm = await raw('GET', p, { headers: { 'if-none-match': h.etag } });
  assert.deepEqual(check('GET', p, 304, nm.headers, nm.wire), [], 'a real 304 passes');
  expectProblem('304 with a body', check('GET', p, 304, nm.headers, Buffer.from('{}')), /no body/);
  const data = JSON.parse(r.text);
  delete data.data[0].key;
  expectProblem('a claim without key', check('GET', p, 200, h, Buffer.from(JSON.stringify(data))), /key/);
  const part = { data: [{ id: 1, text: 'x' }], meta: data.meta };
  expectProblem('a cut-down row without fields=', check('GET', p, 200, h, Buffer.from(JSON.stringify(part))));
  assert.deepEqual(check('GET', `${p}&fields=id,text`, 200, h, Buffer.from(JSON.stringify(part))), [], 'a cut-down row with fields=');
  expectProblem('an unknown field even with fields=', check('GET', `${p}&fields=id`, 200, h, Buffer.from(JSON.stringify({ data: [{ id: 1, nope: 2 }], meta: data.meta }))));
  const nd = { ...h, 'content-type': 'application/x-ndjson' };
  assert.deepEqual(check('GET', '/v1/claims?format=ndjson', 200, nd, Buffer.from('{"id":1}\n{"id":2}\n')), []);
  expectProblem('NDJSON with an array line', check('GET', '/v1/claims?format=ndjson', 200, nd, Buffer.from('{"id":1}\n[2]\n')), /NDJSON|schema/);
  expectProblem('NDJSON without the final newline', check('GET', '/v1/claims?format=ndjson', 200, nd, Buffer.from('{"id":1}')));
  const csv = { ...h, 'content-type': 'text/csv; charset=utf-8; header=present' };
  assert.deepEqual(check('GET', '/v1/claims?format=csv', 200, csv, Buffer.from('id,text\r\n1,"a ""b"", c"\r\n')), []);
  expectProblem('CSV with LF line ends', check('GET', '/v1/claims?format=csv', 200, csv, Buffer.from('id,text\n1,a\n')), /schema/);
  expectProblem('CSV in Latin-1', check('GET', '/v1/claims?format=csv', 200, { ...csv, 'content-type': 'text/csv; charset=iso-8859-1' }, Buffer.from('id\r\n')), /UTF-8/);
  const e = seedEndnote(2).id;
  const cp = `/v1/endnotes/${e}?format=csl`;
  const c = await raw('GET', cp);
  assert.deepEqual(check('GET', cp, 200, c.headers, c.wire), []);
  const item = JSON.parse(c.text);
  item[0].note = 'invented';
  expectProblem('CSL with a note', check('GET', cp, 200, c.headers, Buffer.from(JSON.stringify(item))), /note/);
  expectProblem('CSL that is not an array', check('GET', cp, 200, c.headers, Buffer.from(JSON.stringify(item[0]))), /array/);
  const bp = `/v1/endnotes/${e}?format=bibtex`;
  const b = await raw('GET', bp);
  assert.deepEqual(check('GET', bp, 200, b.headers, b.wire), []);
  expectProblem('BibTeX that is not entries', check('GET', bp, 200, b.headers, Buffer.from('hello')), /schema/);
  expectProblem('gzip that does not decompress', check('GET', p, 200, { ...h, 'content-encoding': 'gzip' }, Buffer.from([0x1f, 0x8b, 1, 2, 3])), /decompress/);
  const gz = await raw('GET', `/v1/articles/${S.seed.id}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.deepEqual(check('GET', `/v1/articles/${S.seed.id}`, 200, gz.headers, gz.wire), [], 'a gzip body on the wire');
  const nf = await raw('GET', '/v1/claims', { headers: { accept: 'image/png' } });
  assert.deepEqual(check('GET', '/v1/claims', 406, nf.headers, nf.wire), []);
  expectProblem('406 on OPTIONS', check('OPTIONS', '/v1/claims', 406, nf.headers, nf.wire), /not documented/);
  expectProblem('406 typed as not-found', check('GET', '/v1/claims', 406, nf.headers, Buffer.from(JSON.stringify({ ...nf.json, type: '/problems/not-found' }))), /schema/);
});

// ---------------------------------------------------------------------------
// Search, facets and statistics (issue 4): tests/api/search.mjs, on a second
// database and server of their own.

registerSearchTests({
  test,
  req,
  startServer,
  stopServer,
  BIN,
  FIXTURE_DIR,
  baseFiles: importFiles,
  IMPORT_LINE,
  tmpDir: () => tmp,
});

// ---------------------------------------------------------------------------
// Publishing over HTTP (issue 5): tests/api/write.mjs, on a database and
// servers of their own.

registerWriteTests({
  test,
  req,
  raw,
  startServer,
  stopServer,
  BIN,
  CORPUS_FILES: corpusFiles,
  tmpDir: () => tmp,
});

// ---------------------------------------------------------------------------
// Limits (issue 7): tests/api/limits.mjs, on a database and servers of
// their own.

registerLimitTests({ test, req, startServer, stopServer, BIN, ROOT, tmpDir: () => tmp });

// ---------------------------------------------------------------------------
// The access log, over the whole run (after the hostile tests).

test('access log: exactly one line for every request the suite made to the main server', async () => {
  need('db');
  const sent = requestsTo.get(BASE) || 0;
  const deadline = Date.now() + 3000;
  let lines = logLines(server);
  while (lines.length < sent && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    lines = logLines(server);
  }
  assert.equal(lines.length, sent, `${lines.length} access-log lines for ${sent} requests`);
  const bad = lines.filter((l) => !LOG_LINE.test(l));
  assert.deepEqual(bad.slice(0, 3), [], `${bad.length} malformed access-log lines`);
  const rids = lines.map((l) => LOG_LINE.exec(l)?.[2]).filter((r) => /^[0-9a-f]{16}$/.test(r || ''));
  assert.equal(new Set(rids).size, rids.length, 'a generated request id was logged twice');
});

// ---------------------------------------------------------------------------
// Shutdown (last).

test('shutdown: SIGTERM exits 0 within 5 s, with nothing from the sanitizers', async () => {
  assert.ok(server, 'server never started');
  assert.equal(server.exitInfo, null, `the server had already exited: ${JSON.stringify(server.exitInfo)}`);
  server.child.kill('SIGTERM');
  const info = await withTimeout(server.exited, SHUTDOWN_TIMEOUT_MS, 'waiting for essayd to exit after SIGTERM').catch((e) => {
    killServerNow();
    throw e;
  });
  assert.deepEqual(info, { code: 0, signal: null }, `exit after SIGTERM; stderr: ${server.stderr.slice(-2000)}`);
  assert.doesNotMatch(server.stderr, /runtime error:|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer/, server.stderr.slice(-2000));
});

// ---------------------------------------------------------------------------

async function main() {
  for (const t of tests) {
    if (server && server.exitInfo && !t.name.startsWith('shutdown')) {
      // The server died: report each remaining test once, with the reason.
      reportFail(t.name, `essayd is not running (exited ${JSON.stringify(server.exitInfo)}); stderr: ${server.stderr.slice(-1000)}`);
      continue;
    }
    try {
      await withTimeout(Promise.resolve().then(() => t.fn()), TEST_TIMEOUT_MS, t.name);
      passed++;
    } catch (e) {
      reportFail(t.name, e && e.message ? e.message : String(e));
    }
  }
  finish();
}

main();

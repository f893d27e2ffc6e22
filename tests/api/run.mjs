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

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, specText, SPEC_PATH, pathTemplates } from './openapi-check.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.ESSAYD_BIN || 'build/essayd');
const CORPUS_DIR = path.join(ROOT, 'db/corpus');
const FIXTURE_DIR = path.join(ROOT, 'tests/fixtures/api');
const OVERALL_TIMEOUT_MS = Number(process.env.ESSAYD_API_TIMEOUT_MS) || 120_000; // hard limit for the whole run
const TEST_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const STARTUP_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;

const SEED_SLUG = 'assessing-u-s-china-diplomatic-solution-to-north-korea';
const SEED_FILE = 'assessing-us-china-diplomatic-solution-to-north-korea.txt';

// ---------------------------------------------------------------------------
// Harness: results, the last line, cleanup on every way out.

let passed = 0;
let failed = 0;
let finished = false;
let server = null; // { child, exited: Promise, exitInfo, stdout, stderr }
let tmp = null;

function oneLine(s) {
  return String(s).replace(/\s*\n\s*/g, ' | ').slice(0, 3000);
}
function reportFail(name, reason) {
  failed++;
  console.log(`FAIL ${name}: ${oneLine(reason)}`);
}

function killServerNow() {
  if (server && !server.exitInfo) {
    try {
      server.child.kill('SIGKILL');
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
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    reportFail('harness', `interrupted by ${sig}`);
    finish();
  });
}
process.on('uncaughtException', (e) => {
  reportFail('harness', `uncaught exception: ${e && e.stack ? e.stack : e}`);
  finish();
});
process.on('unhandledRejection', (e) => {
  reportFail('harness', `unhandled rejection: ${e && e.stack ? e.stack : e}`);
  finish();
});
setTimeout(() => {
  reportFail('harness', `overall timeout: the suite took longer than ${OVERALL_TIMEOUT_MS / 1000} s`);
  finish();
}, OVERALL_TIMEOUT_MS);

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// HTTP: every response goes through openapi-check.

let BASE = null;
let requestCount = 0;

class Response {
  constructor(method, p, status, headers, body) {
    this.method = method;
    this.path = p;
    this.status = status;
    this.headers = headers; // lower-case names
    this.body = body; // Buffer
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

function conformance(method, p, status, headers, body) {
  requestCount++;
  const problems = check(method, p, status, headers, body);
  if (status >= 500 && status !== 501) {
    problems.unshift(`server error ${status}: ${body.toString('utf8').slice(0, 300)}`);
  }
  if (problems.length) {
    throw new Error(`${method} ${shortPath(p)} → ${status}: ${problems.join('; ')}`);
  }
  return new Response(method, p, status, headers, body);
}

function shortPath(p) {
  return p.length > 120 ? `${p.slice(0, 100)}…(${p.length} chars)` : p;
}

// fetch for ordinary requests. The path is sent as given (URL parsing only
// normalises dot segments, which the traversal tests avoid via raw()).
async function req(method, p, { headers = {}, body } = {}) {
  if (!BASE) throw new Error('server not started');
  const res = await fetch(BASE + p, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const hdrs = {};
  res.headers.forEach((v, k) => (hdrs[k.toLowerCase()] = v));
  return conformance(method, p, res.status, hdrs, buf);
}

// node:http for odd methods and paths that must reach the server verbatim.
function raw(method, p, { headers = {}, body } = {}) {
  if (!BASE) return Promise.reject(new Error('server not started'));
  const { hostname, port } = new URL(BASE);
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
            resolve(conformance(method, p, res.statusCode, hdrs, Buffer.concat(chunks)));
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

test('serve: starts on an ephemeral port and announces it', async () => {
  need('db');
  const child = spawn(BIN, ['serve', '--db', S.db, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = { child, exitInfo: null, stdout: '', stderr: '' };
  server.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      server.exitInfo = { code, signal };
      resolve(server.exitInfo);
    });
  });
  child.stderr.on('data', (d) => {
    server.stderr += d;
    if (server.stderr.length > 1_000_000) server.stderr = server.stderr.slice(-500_000);
  });
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        server.stdout += d;
        const m = /^essayd: listening on http:\/\/127\.0\.0\.1:(\d+)\s*$/m.exec(server.stdout);
        if (m) resolve(Number(m[1]));
      });
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        reject(new Error(`essayd serve exited (code ${code}, signal ${signal}) before listening; stderr: ${server.stderr}`)),
      );
    }),
    STARTUP_TIMEOUT_MS,
    'waiting for "essayd: listening on http://127.0.0.1:PORT"',
  );
  assert.ok(port > 0 && port < 65536, `bad port ${port}`);
  BASE = `http://127.0.0.1:${port}`;
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

// Concrete paths for every template.
function concretePaths() {
  need('seed');
  const claimId = S.seed.claims[0].id;
  const endnoteId = S.seed.endnotes[0].id;
  return pathTemplates.map((t) =>
    t
      .replace('{article}', String(S.seed.id))
      .replace(/\/v1\/claims\/\{id\}/, `/v1/claims/${claimId}`)
      .replace(/\/v1\/endnotes\/\{id\}/, `/v1/endnotes/${endnoteId}`),
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
    const hl = h.headers['content-length'];
    const gl = g.headers['content-length'];
    if (hl !== undefined && gl !== undefined && hl !== gl) errs.push(`${p}: HEAD Content-Length ${hl}, GET ${gl}`);
    // Every other header alike too (Date and connection management aside).
    const skip = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);
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

test('OPTIONS on every route: 204 with Allow listing GET and HEAD', async () => {
  const errs = [];
  for (const p of concretePaths()) {
    const r = await req('OPTIONS', p);
    if (r.status !== 204) errs.push(`${p}: ${r.status}`);
    const allow = (r.headers.allow || '').split(',').map((s) => s.trim());
    for (const m of ['GET', 'HEAD']) if (!allow.includes(m)) errs.push(`${p}: Allow "${r.headers.allow}" lacks ${m}`);
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) if (allow.includes(m)) errs.push(`${p}: Allow "${r.headers.allow}" has ${m}`);
    if (r.body.length) errs.push(`${p}: 204 with a body`);
  }
  assert.deepEqual(errs, []);
});

test('POST, PUT, PATCH, DELETE on read routes: 405 problem with Allow', async () => {
  need('seed');
  const errs = [];
  const routes = ['/v1/articles', `/v1/articles/${S.seed.id}`, `/v1/claims/${S.seed.claims[0].id}`, '/v1/endnotes', '/healthz', '/v1'];
  for (const p of routes) {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await req(m, p, m === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' });
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

test('hostile: 2 MiB request bodies are refused (405 or 413), the server stays healthy', async () => {
  const big = Buffer.alloc(2 << 20, 0x61);
  const errs = [];
  for (const [m, p, ok] of [
    ['POST', '/v1/articles', [405, 413]],
    ['PUT', '/v1/claims/1', [405, 413]],
    ['GET', '/v1/articles', [200, 400, 413]],
  ]) {
    const r = await raw(m, p, { headers: { 'content-type': 'text/plain', 'content-length': String(big.length) }, body: big });
    if (!ok.includes(r.status)) errs.push(`${m} ${p}: ${r.status}, want one of ${ok}`);
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

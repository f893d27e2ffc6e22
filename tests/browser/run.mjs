#!/usr/bin/env node
// Real-browser test for essayd: headless Debian Chromium (through
// playwright-core, no browser download) loads tests/browser/page.html from
// one origin on 127.0.0.1 and fetch()es essayd on another.
//
//   node tests/browser/run.mjs       (after `make` and `npm ci` here; or bash tests/browser/run.sh)
//
// Environment: ESSAYD_BIN (default build/essayd), CHROMIUM (default
// /usr/bin/chromium), ESSAYD_BROWSER_TIMEOUT_MS (whole run, default 150 s),
// ESSAYD_KEEP_TMP=1 keeps the temporary directory.
//
// Two essayd servers in turn, both on 127.0.0.1 port 0, on a fresh SQLite
// file holding db/corpus/*.txt:
//   1. default CORS: the page reads the article list, the seed article by
//      slug, its claims (limit=10, following meta.next to null), its
//      endnotes, one claim, a list's Link header, the ETag and X-Request-Id
//      headers, and makes conditional requests itself (If-None-Match: a
//      non-simple header, so Chromium sends a CORS preflight first).
//   2. --cors-origins set to the page's origin: that origin is echoed with
//      Vary: Origin; a page from a third origin is refused (its fetch fails
//      with a TypeError).
// Prints `FAIL name: reason` per failure (with the headers essayd actually
// sent) and, as the very last line, `N passed, N failed`; exits 1 on failure.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installGuards, withTimeout } from '../lib/guards.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.ESSAYD_BIN || 'build/essayd');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CORPUS_DIR = path.join(ROOT, 'db/corpus');
const PAGE_FILE = path.join(HERE, 'page.html');

const OVERALL_TIMEOUT_MS = Number(process.env.ESSAYD_BROWSER_TIMEOUT_MS) || 150_000;
const IMPORT_TIMEOUT_MS = 30_000;
const STARTUP_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;
const LAUNCH_TIMEOUT_MS = 45_000;
const PAGE_TIMEOUT_MS = 45_000;
const PROBE_TIMEOUT_MS = 5_000;

const SEED_SLUG = 'assessing-u-s-china-diplomatic-solution-to-north-korea';
const SEED_TITLE = 'Assessing U.S.-China Diplomatic Solution to North Korea';
const SEED_CLAIMS = 35;
const SEED_ENDNOTES = 7;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------
// Harness: results, the last line, cleanup on every way out.

let passed = 0;
let failed = 0;
let finished = false;
let tmp = null;
let context = null; // Playwright persistent context (the browser)
const servers = new Set(); // running essayd children
const statics = new Set(); // node:http static servers

function oneLine(s) {
  return String(s).replace(/\s*\n\s*/g, ' | ').slice(0, 4000);
}
function pass(name) {
  passed++;
  console.log(`ok   ${name}`);
}
function fail(name, reason) {
  failed++;
  console.log(`FAIL ${name}: ${oneLine(reason)}`);
}

function killAllNow() {
  for (const s of servers) {
    try {
      s.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const s of statics) {
    try {
      s.closeAllConnections?.();
      s.close();
    } catch {
      /* best effort */
    }
  }
  if (context) {
    // The persistent context owns the Chromium process; closing it ends it.
    const c = context;
    context = null;
    c.close().catch(() => {});
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
async function finish() {
  if (finished) return;
  finished = true;
  if (context) {
    const c = context;
    context = null;
    await withTimeout(c.close(), 10_000, 'closing the browser').catch(() => {});
  }
  killAllNow();
  cleanupTmp();
  if (passed + failed === 0) fail('harness', 'no check ran');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

process.on('exit', killAllNow);
installGuards({ fail: fail, finish, deadlineMs: OVERALL_TIMEOUT_MS, what: 'the run' });


class CheckError extends Error {}
function expect(cond, message) {
  if (!cond) throw new CheckError(message);
}
const show = (v) => JSON.stringify(v);

// One named check. `diag` (optional) returns a promise of text describing
// what essayd actually sent; it is appended to the failure reason.
async function check(name, fn, diag) {
  try {
    await fn();
    pass(name);
  } catch (e) {
    let reason = e instanceof CheckError ? e.message : e && e.stack ? e.stack : String(e);
    if (diag) {
      try {
        reason += ` || essayd sent: ${await diag()}`;
      } catch (d) {
        reason += ` || (could not probe essayd: ${d.message})`;
      }
    }
    fail(name, reason);
  }
}

// ---------------------------------------------------------------------------
// essayd: import, serve, stop.

function importCorpus(db) {
  const files = readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(CORPUS_DIR, f));
  if (files.length === 0) throw new Error(`no .txt files in ${CORPUS_DIR}`);
  const r = spawnSync(BIN, ['import', '--db', db, ...files], {
    encoding: 'utf8',
    timeout: IMPORT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (r.error) throw new Error(`${BIN} import: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${BIN} import exited ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
  }
}

function startServer(db, extraArgs = []) {
  const args = ['serve', '--db', db, '--host', '127.0.0.1', '--port', '0', ...extraArgs];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const s = { child, args, stdout: '', stderr: '', exitInfo: null, url: null };
  servers.add(s);
  s.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      s.exitInfo = { code, signal };
      servers.delete(s);
      resolve(s.exitInfo);
    });
  });
  child.stderr.on('data', (d) => {
    s.stderr = (s.stderr + d).slice(-8000); // the access log can be long; keep the tail
  });
  return withTimeout(
    new Promise((resolve, reject) => {
      child.on('error', (e) => reject(new Error(`cannot start ${BIN}: ${e.message}`)));
      child.stdout.on('data', (d) => {
        s.stdout += d;
        const m = s.stdout.match(/listening on (http:\/\/[^\s]+)/);
        if (m && !s.url) {
          s.url = m[1].replace(/\/+$/, '');
          resolve(s);
        }
      });
      s.exited.then((info) =>
        reject(
          new Error(
            `essayd ${args.join(' ')} exited (${info.code ?? info.signal}) before listening: ${s.stdout}${s.stderr}`,
          ),
        ),
      );
    }),
    STARTUP_TIMEOUT_MS,
    'essayd startup',
  ).catch((e) => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
    throw e;
  });
}

async function stopServer(s) {
  if (s.exitInfo) return s.exitInfo;
  s.child.kill('SIGTERM');
  try {
    return await withTimeout(s.exited, SHUTDOWN_TIMEOUT_MS, 'essayd shutdown after SIGTERM');
  } catch (e) {
    s.child.kill('SIGKILL');
    await withTimeout(s.exited, SHUTDOWN_TIMEOUT_MS, 'essayd after SIGKILL').catch(() => {});
    throw e;
  }
}

// A raw request from Node (no CORS rules) to show what essayd really sends.
function probe(url, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`probe ${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
function fmtProbe(method, url, reqHeaders, r) {
  const sent = Object.entries(reqHeaders)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const got = Object.entries(r.headers)
    .filter(([k]) => k !== 'date')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
    .join('; ');
  return `${method} ${new URL(url).pathname}${new URL(url).search}${sent ? ` [${sent}]` : ''} -> ${r.status} {${got}} (${r.bytes} body bytes)`;
}
// diag helpers for check(): what essayd answers to the browser's requests.
function diagGet(url, origin, extra = {}) {
  const headers = { Origin: origin, 'Accept-Encoding': 'gzip', ...extra };
  return async () => fmtProbe('GET', url, headers, await probe(url, { headers }));
}
function diagPreflight(url, origin, requestHeaders = 'if-none-match') {
  const headers = {
    Origin: origin,
    'Access-Control-Request-Method': 'GET',
    'Access-Control-Request-Headers': requestHeaders,
  };
  return async () => fmtProbe('OPTIONS', url, headers, await probe(url, { method: 'OPTIONS', headers }));
}
function both(...diags) {
  return async () => {
    const out = [];
    for (const d of diags) out.push(await d().catch((e) => `(probe failed: ${e.message})`));
    return out.join(' || ');
  };
}

// ---------------------------------------------------------------------------
// The page's origin(s): tiny static servers on other ports of 127.0.0.1.

async function startStatic() {
  const html = readFileSync(PAGE_FILE);
  const srv = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET' && (p === '/' || p === '/page.html')) {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': html.length,
        'Cache-Control': 'no-store',
      });
      res.end(html);
    } else if (p === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    }
  });
  srv.keepAliveTimeout = 1000;
  statics.add(srv);
  await withTimeout(
    new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', resolve);
    }),
    5000,
    'static server listen',
  );
  return { srv, origin: `http://127.0.0.1:${srv.address().port}` };
}

// ---------------------------------------------------------------------------
// The browser.

async function launchBrowser() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed (run npm ci in tests/browser): ${e.message}`);
  }
  const profile = mkdtempSync(path.join(tmp, 'chromium-profile-'));
  context = await withTimeout(
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: LAUNCH_TIMEOUT_MS,
      env: { ...process.env, TZ: 'UTC' },
    }),
    LAUNCH_TIMEOUT_MS + 5000,
    'launching chromium',
  );
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
  const version = context.browser()?.version() ?? '(unknown)';
  return version;
}

// Opens page.html?api=...&mode=... from `origin`; returns the page's results,
// its console errors, and every response Chromium received (with all headers).
async function runPage(origin, api, mode) {
  const page = await context.newPage();
  const consoleErrors = [];
  const responses = []; // { url, status, headers }
  const pending = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url().startsWith(api)) responses.push({ url: r.url(), failed: r.failure()?.errorText ?? 'failed' });
  });
  page.on('response', (r) => {
    if (!r.url().startsWith(api)) return;
    pending.push(
      r
        .allHeaders()
        .then((headers) => responses.push({ url: r.url(), method: r.request().method(), status: r.status(), headers }))
        .catch(() => responses.push({ url: r.url(), method: r.request().method(), status: r.status(), headers: r.headers() })),
    );
  });
  const pageUrl = `${origin}/page.html?api=${encodeURIComponent(api)}&mode=${mode}`;
  try {
    const nav = await page.goto(pageUrl, { waitUntil: 'load' });
    if (!nav || nav.status() !== 200) throw new Error(`loading ${pageUrl}: status ${nav && nav.status()}`);
    await page.waitForFunction(() => window.__done === true, null, { timeout: PAGE_TIMEOUT_MS });
    const results = await page.evaluate(() => window.__results);
    // The <pre id="out"> holds the same JSON, as a person would see it.
    const shown = JSON.parse(await page.locator('#out').textContent());
    await withTimeout(Promise.allSettled(pending), 5000, 'collecting response headers').catch(() => {});
    return { results, shown, consoleErrors, responses, pageUrl };
  } finally {
    await page.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------
// Assertions on what the page received.

const STRONG_ETAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/; // RFC 9110 entity-tag, no W/

function reqOk(req, what) {
  expect(req, `${what}: the page made no request`);
  expect(!req.error, `${what}: fetch(${req.url}) failed in the browser: ${req.error?.name}: ${req.error?.message}`);
  expect(req.status === 200, `${what}: ${req.url} answered ${req.status}, want 200`);
}
function stepOf(results, name) {
  const s = results.steps[name];
  expect(s, `the page recorded no step "${name}"`);
  expect(!s.error, `step "${name}" threw in the page: ${s.error?.name}: ${s.error?.message}`);
  expect(!s.skipped, `step "${name}" skipped: ${s.skipped}`);
  return s;
}
function headerOf(responses, url, name) {
  const r = responses.find((x) => x.url === url && x.headers);
  return r ? r.headers[name] : undefined;
}
function respOf(responses, url) {
  return responses.find((x) => x.url === url && x.headers);
}
function parseLinks(value) {
  // RFC 8288: <uri>; rel="next", <uri>; rel=prev
  const out = [];
  if (!value) return out;
  for (const m of value.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(m[2]);
    out.push({ uri: m[1], rels: rel ? rel[1].trim().toLowerCase().split(/\s+/) : [] });
  }
  return out;
}
const hasToken = (value, token) =>
  typeof value === 'string' &&
  value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .includes(token.toLowerCase());

async function checksDefault(api, pageOrigin, run) {
  const { results: R, shown, consoleErrors, responses } = run;
  const u = (p) => new URL(p, api).href;
  const articleUrl = u(`/v1/articles/${SEED_SLUG}`);
  const diagArticle = diagGet(articleUrl, pageOrigin);
  const diagList = diagGet(u('/v1/articles'), pageOrigin);

  await check('page: ran to the end and shows its results', () => {
    expect(R && R.done, `window.__results.done is not true: ${show(R).slice(0, 500)}`);
    expect(!R.fatal, `the page failed: ${show(R.fatal)}`);
    expect(R.origin === pageOrigin && R.origin !== new URL(api).origin, `page origin ${R.origin}, api ${api}: not cross-origin`);
    expect(shown && shown.done && show(shown.steps) === show(R.steps), '<pre id="out"> does not hold the same results');
  });

  await check('article list: seed title, total', () => {
    const s = stepOf(R, 'list');
    reqOk(s.req, 'GET /v1/articles');
    expect(Array.isArray(s.titles) && s.titles.includes(SEED_TITLE), `titles ${show(s.titles)} lack ${show(SEED_TITLE)}`);
    expect(Number.isInteger(s.total) && s.total >= 1, `meta.total ${s.total}`);
  }, diagList);

  await check('article by slug: title, paragraphs, 35 claims, 7 endnotes', () => {
    const s = stepOf(R, 'article');
    reqOk(s.req, 'GET /v1/articles/{slug}');
    expect(s.title === SEED_TITLE, `title ${show(s.title)}`);
    expect(s.slug === SEED_SLUG, `slug ${show(s.slug)}`);
    expect(s.paragraphs > 0, `paragraphs ${s.paragraphs}`);
    expect(s.claims === SEED_CLAIMS, `claims ${s.claims}, want ${SEED_CLAIMS}`);
    expect(s.endnotes === SEED_ENDNOTES, `endnotes ${s.endnotes}, want ${SEED_ENDNOTES}`);
  }, diagArticle);

  await check('claims: limit=10 pages followed through meta.next count 35', () => {
    const s = stepOf(R, 'claims');
    for (const p of s.pages) reqOk(p.req, `claims page ${p.req.url}`);
    expect(s.endedWithNull, `meta.next never became null after ${s.pages.length} pages`);
    expect(s.ids.length === SEED_CLAIMS, `read ${s.ids.length} claims, want ${SEED_CLAIMS}`);
    expect(s.unique === SEED_CLAIMS, `${s.unique} distinct claim ids, want ${SEED_CLAIMS}`);
    expect(s.pages.length === Math.ceil(SEED_CLAIMS / 10), `${s.pages.length} pages, want ${Math.ceil(SEED_CLAIMS / 10)}`);
    expect(s.pages.every((p) => p.count <= 10 && p.limit === 10), `page sizes ${show(s.pages.map((p) => [p.count, p.limit]))}`);
    expect(s.pages.every((p) => p.total === SEED_CLAIMS), `meta.total ${show(s.pages.map((p) => p.total))}`);
  }, diagGet(u('/v1/articles/1/claims?limit=10'), pageOrigin));

  await check('endnotes: 7, numbered 1..7, [2] published by Reuters', () => {
    const s = stepOf(R, 'endnotes');
    reqOk(s.req, 'GET /v1/articles/{id}/endnotes');
    expect(Array.isArray(s.items) && s.items.length === SEED_ENDNOTES, `endnotes ${s.items && s.items.length}, want ${SEED_ENDNOTES}`);
    expect(s.total === SEED_ENDNOTES, `meta.total ${s.total}`);
    expect(show(s.items.map((e) => e.n)) === show([1, 2, 3, 4, 5, 6, 7]), `n ${show(s.items.map((e) => e.n))}`);
    const e2 = s.items.find((e) => e.n === 2);
    expect(e2 && e2.publisher === 'Reuters', `endnote [2] ${show(e2)}`);
    const all = stepOf(R, 'allEndnotes');
    reqOk(all.req, 'GET /v1/endnotes');
    expect(all.total >= SEED_ENDNOTES && all.count === all.total, `/v1/endnotes total ${all.total}, count ${all.count}`);
  }, diagGet(u('/v1/articles/1/endnotes'), pageOrigin));

  await check('one claim: /v1/claims/{id} citing [2] embeds the Reuters endnote', () => {
    const s = stepOf(R, 'claim');
    reqOk(s.req, 'GET /v1/claims/{id}');
    expect(s.id === s.expectedId, `id ${s.id}, want ${s.expectedId}`);
    expect(s.text === s.expectedText, `text ${show(s.text)} differs from the list's ${show(s.expectedText)}`);
    expect(Array.isArray(s.endnotes) && s.endnotes.includes(2), `endnotes ${show(s.endnotes)}`);
    expect(Array.isArray(s.expandedPublishers) && s.expandedPublishers.includes('Reuters'), `endnotes_expanded publishers ${show(s.expandedPublishers)}`);
  }, diagGet(u('/v1/claims/1'), pageOrigin));

  await check('ETag: readable by the page (exposed) and a quoted strong tag', () => {
    const names = ['list', 'article', 'endnotes', 'claim', 'claimsList'];
    const bad = [];
    for (const n of names) {
      const s = R.steps[n];
      const etag = s && s.req ? s.req.headers.etag : undefined;
      if (typeof etag !== 'string' || !STRONG_ETAG.test(etag)) bad.push(`${n}: ${show(etag)}`);
    }
    expect(bad.length === 0, `ETag not readable or not strong: ${bad.join(', ')}`);
  }, diagArticle);

  await check('ETag: the same for the same unchanged resource', () => {
    const a = stepOf(R, 'article').req.headers.etag;
    const b = stepOf(R, 'etagAgain').req.headers.etag;
    expect(a && a === b, `first ${show(a)}, second ${show(b)}`);
  }, diagArticle);

  await check('Cache-Control: on lists and on the article', () => {
    const list = stepOf(R, 'list').req.headers['cache-control'];
    const art = stepOf(R, 'article').req.headers['cache-control'];
    expect(list && art, `list ${show(list)}, article ${show(art)}`);
  }, both(diagList, diagArticle));

  await check('conditional request from the page: If-None-Match with the ETag -> 304, empty body', () => {
    const s = stepOf(R, 'conditional');
    expect(!s.req.error, `fetch with If-None-Match failed in the browser (CORS preflight or 304 refused?): ${s.req.error?.name}: ${s.req.error?.message}`);
    expect(s.req.status === 304, `status ${s.req.status}, want 304 (sent If-None-Match: ${s.etagSent})`);
    expect(s.req.bodyLength === 0, `304 with a body of ${s.req.bodyLength} characters`);
  }, both(diagPreflight(articleUrl, pageOrigin), diagGet(articleUrl, pageOrigin, { 'If-None-Match': R?.steps?.article?.req?.headers?.etag || '"?"' })));

  await check('conditional request on a list -> 304', () => {
    const s = stepOf(R, 'conditionalList');
    expect(!s.req.error, `fetch failed in the browser: ${s.req.error?.name}: ${s.req.error?.message}`);
    expect(s.req.status === 304, `status ${s.req.status}, want 304 (sent If-None-Match: ${s.etagSent})`);
  }, diagGet(u('/v1/claims?limit=10'), pageOrigin, { 'If-None-Match': R?.steps?.claimsList?.req?.headers?.etag || '"?"' }));

  await check('conditional request with another ETag -> 200 and the full article', () => {
    const s = stepOf(R, 'conditionalMismatch');
    reqOk(s.req, 'If-None-Match: "no-such-etag"');
    expect(s.title === SEED_TITLE, `title ${show(s.title)}`);
  }, both(diagPreflight(articleUrl, pageOrigin), diagGet(articleUrl, pageOrigin, { 'If-None-Match': '"no-such-etag"' })));

  await check('X-Request-Id: on every response, readable by the page', () => {
    const missing = R.requests.filter((q) => !q.error && !q.headers['x-request-id']).map((q) => `${q.status} ${q.url}`);
    const failedReqs = R.requests.filter((q) => q.error).length;
    expect(R.requests.length - failedReqs > 0, 'no request succeeded');
    expect(missing.length === 0, `no readable X-Request-Id on ${missing.length} of ${R.requests.length - failedReqs} responses: ${missing.slice(0, 5).join(', ')}`);
  }, diagList);

  await check("X-Request-Id: the page's own id is echoed (preflighted header)", () => {
    const s = stepOf(R, 'requestId');
    reqOk(s.req, 'GET /v1/articles with X-Request-Id');
    expect(s.req.headers['x-request-id'] === s.sent, `sent ${show(s.sent)}, got ${show(s.req.headers['x-request-id'])}`);
  }, both(diagPreflight(u('/v1/articles'), pageOrigin, 'x-request-id'), diagGet(u('/v1/articles'), pageOrigin, { 'X-Request-Id': 'browser-test-probe' })));

  await check('Link: rel="next" on a list page, pointing where meta.next does', () => {
    const s = stepOf(R, 'claimsList');
    reqOk(s.req, 'GET /v1/claims?limit=10');
    const link = s.req.headers.link;
    expect(link, `no Link header readable (sent? exposed?): ${show(link)}`);
    const next = parseLinks(link).find((l) => l.rels.includes('next'));
    expect(next, `Link ${show(link)} has no rel="next"`);
    expect(s.next, `meta.next is ${show(s.next)}`);
    expect(new URL(next.uri, api).href === new URL(s.next, api).href, `Link next <${next.uri}> vs meta.next ${s.next}`);
    const claims = stepOf(R, 'claims');
    const last = claims.pages[claims.pages.length - 1];
    const lastNext = parseLinks(last.req.headers.link).find((l) => l.rels.includes('next'));
    expect(!lastNext, `the last page still has Link rel="next": ${show(last.req.headers.link)}`);
  }, diagGet(u('/v1/claims?limit=10'), pageOrigin));

  await check('CORS (default): Access-Control-Allow-Origin * and Expose-Headers ETag, Link, X-Request-Id', () => {
    const r = respOf(responses, u('/v1/articles'));
    expect(r, `Chromium saw no response for ${u('/v1/articles')}: ${show(responses.filter((x) => x.failed).slice(0, 3))}`);
    expect(r.headers['access-control-allow-origin'] === '*', `Access-Control-Allow-Origin ${show(r.headers['access-control-allow-origin'])}`);
    const expose = r.headers['access-control-expose-headers'];
    const missing = ['etag', 'link', 'x-request-id'].filter((h) => !hasToken(expose, h));
    expect(missing.length === 0, `Access-Control-Expose-Headers ${show(expose)} lacks ${missing.join(', ')}`);
  }, diagList);

  await check('gzip: Chromium asked for it and the article came gzip-encoded (Vary: Accept-Encoding)', () => {
    const r = respOf(responses, articleUrl);
    expect(r, `Chromium saw no response for ${articleUrl}`);
    expect(r.headers['content-encoding'] === 'gzip', `Content-Encoding ${show(r.headers['content-encoding'])}`);
    expect(hasToken(r.headers.vary, 'accept-encoding'), `Vary ${show(r.headers.vary)}`);
    expect(stepOf(R, 'article').title === SEED_TITLE, 'the page could not read the gzip body');
  }, diagArticle);

  await check('console: no errors (no CORS failures) in the page', () => {
    expect(consoleErrors.length === 0, `${consoleErrors.length} console errors: ${consoleErrors.slice(0, 5).join(' || ')}`);
  }, both(diagPreflight(articleUrl, pageOrigin), diagList));
}

async function checksPreflight(api, pageOrigin) {
  // What Chromium's preflight got, seen from Node (Playwright does not
  // surface preflights); the browser itself proved above whether it passed.
  const url = new URL('/v1/articles', api).href;
  const headers = {
    Origin: pageOrigin,
    'Access-Control-Request-Method': 'GET',
    'Access-Control-Request-Headers': 'if-none-match, x-request-id',
  };
  let r = null;
  await check('preflight: OPTIONS answers 204 with Allow-Methods, Allow-Headers, Max-Age', async () => {
    r = await probe(url, { method: 'OPTIONS', headers });
    const h = r.headers;
    expect(r.status === 204, `status ${r.status}, want 204`);
    const ao = h['access-control-allow-origin'];
    expect(ao === '*' || ao === pageOrigin, `Access-Control-Allow-Origin ${show(ao)}`);
    const methods = ['GET', 'HEAD', 'OPTIONS'].filter((m) => !hasToken(h['access-control-allow-methods'], m));
    expect(methods.length === 0, `Access-Control-Allow-Methods ${show(h['access-control-allow-methods'])} lacks ${methods.join(', ')}`);
    const hdrs = ['if-none-match', 'accept', 'x-request-id'].filter((x) => !hasToken(h['access-control-allow-headers'], x));
    expect(hdrs.length === 0, `Access-Control-Allow-Headers ${show(h['access-control-allow-headers'])} lacks ${hdrs.join(', ')}`);
    expect(/^\d+$/.test(h['access-control-max-age'] || '') && Number(h['access-control-max-age']) > 0, `Access-Control-Max-Age ${show(h['access-control-max-age'])}`);
  }, async () => (r ? fmtProbe('OPTIONS', url, headers, r) : '(no answer)'));
}

async function checksRestricted(api, pageOrigin, otherOrigin, allowedRun, otherRun) {
  const listUrl = new URL('/v1/articles', api).href;
  const diagAllowed = diagGet(listUrl, pageOrigin);
  const diagOther = diagGet(listUrl, otherOrigin);

  await check('--cors-origins: the allowed origin reads the list', () => {
    const R = allowedRun.results;
    expect(R && R.done && !R.fatal, `page did not finish: ${show(R && R.fatal)}`);
    const s = stepOf(R, 'list');
    reqOk(s.req, `GET /v1/articles from ${pageOrigin}`);
    expect(Array.isArray(s.titles) && s.titles.includes(SEED_TITLE), `titles ${show(s.titles)}`);
  }, diagAllowed);

  await check('--cors-origins: the allowed origin is echoed, with Vary: Origin', () => {
    const r = respOf(allowedRun.responses, listUrl);
    expect(r, `Chromium saw no response for ${listUrl}`);
    expect(r.headers['access-control-allow-origin'] === pageOrigin, `Access-Control-Allow-Origin ${show(r.headers['access-control-allow-origin'])}, want ${pageOrigin}`);
    expect(hasToken(r.headers.vary, 'origin'), `Vary ${show(r.headers.vary)}`);
  }, diagAllowed);

  await check('--cors-origins: the allowed origin gets its conditional 304 (preflight passes)', () => {
    const s = stepOf(allowedRun.results, 'conditional');
    expect(!s.req.error, `fetch failed in the browser: ${s.req.error?.name}: ${s.req.error?.message}`);
    expect(s.req.status === 304, `status ${s.req.status}, want 304`);
  }, both(diagPreflight(listUrl, pageOrigin), diagAllowed));

  await check('--cors-origins: the allowed page logs no console errors', () => {
    const e = allowedRun.consoleErrors;
    expect(e.length === 0, `${e.length} console errors: ${e.slice(0, 5).join(' || ')}`);
  }, diagAllowed);

  await check('--cors-origins: another origin is refused (fetch TypeError, CORS error, no Allow-Origin)', async () => {
    const R = otherRun.results;
    expect(R && R.done && !R.fatal, `page did not finish: ${show(R && R.fatal)}`);
    const s = R.steps.list;
    expect(s && s.req, 'the page made no request');
    expect(s.req.error && s.req.error.name === 'TypeError', `fetch from ${otherOrigin} was not refused: status ${s.req.status}, error ${show(s.req.error)}`);
    expect(otherRun.consoleErrors.some((m) => /CORS/i.test(m)), `no CORS error in the console: ${show(otherRun.consoleErrors.slice(0, 3))}`);
    const p = await probe(listUrl, { headers: { Origin: otherOrigin } });
    expect(p.headers['access-control-allow-origin'] === undefined, `Access-Control-Allow-Origin ${show(p.headers['access-control-allow-origin'])} sent to ${otherOrigin}`);
  }, diagOther);
}

// ---------------------------------------------------------------------------

async function main() {
  tmp = mkdtempSync(path.join(tmpdir(), 'essayd-browser-'));
  const db = path.join(tmp, 'essays.db');

  // Setup failures are reported as one failure each and end the run.
  let page1, page2, chromeVersion;
  try {
    importCorpus(db);
    page1 = await startStatic();
    page2 = await startStatic();
    chromeVersion = await launchBrowser();
  } catch (e) {
    // Playwright's launch errors carry the whole command line: keep the start.
    fail('setup', String(e && e.message ? e.message : e).slice(0, 1500));
    return;
  }
  const pwVersion = JSON.parse(readFileSync(path.join(HERE, 'node_modules/playwright-core/package.json'), 'utf8')).version;
  console.log(`# chromium ${chromeVersion} (${CHROMIUM}), playwright-core ${pwVersion}`);
  console.log(`# page origin ${page1.origin}, other origin ${page2.origin}`);

  // 1. default CORS
  let server;
  try {
    server = await startServer(db);
  } catch (e) {
    fail('essayd serve (default CORS)', e.message);
    return;
  }
  console.log(`# essayd ${server.url} (default CORS)`);
  let run;
  try {
    run = await runPage(page1.origin, server.url, 'full');
  } catch (e) {
    fail('page (default CORS)', e.message);
  }
  if (run) await checksDefault(server.url, page1.origin, run);
  await checksPreflight(server.url, page1.origin);
  await check('essayd stops on SIGTERM with exit 0', async () => {
    const info = await stopServer(server);
    expect(info.code === 0, `exit ${show(info)}; stderr tail: ${server.stderr.slice(-500)}`);
  });

  // 2. --cors-origins set to the page's origin
  let server2;
  try {
    server2 = await startServer(db, ['--cors-origins', page1.origin]);
  } catch (e) {
    fail('essayd serve --cors-origins', e.message);
    return;
  }
  console.log(`# essayd ${server2.url} (--cors-origins ${page1.origin})`);
  let allowed, other;
  try {
    allowed = await runPage(page1.origin, server2.url, 'cors');
    other = await runPage(page2.origin, server2.url, 'cors');
  } catch (e) {
    fail('page (--cors-origins)', e.message);
  }
  if (allowed && other) await checksRestricted(server2.url, page1.origin, page2.origin, allowed, other);
  await stopServer(server2).catch((e) => fail('essayd --cors-origins stop', e.message));
}

main()
  .catch((e) => fail('harness', e && e.stack ? e.stack : String(e)))
  .finally(finish);

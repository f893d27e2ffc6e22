// readers.mjs — readers are served, whole and never blocked while a bulk
// import and HTTP writes go on.
//
// A database with 50 essays is served twice: read-only (`serve --quiet`)
// and with writes (`serve --quiet --token-file`). Then `essayd import`
// stores the other ~2950 essays while
//   - 8 keep-alive client loops read from both servers: article lists,
//     articles by id (ids the import has acknowledged, so each must be
//     there), statistic claims, searches, stats and /healthz;
//   - one client POSTs new essays to the writing server (a 503 busy with
//     Retry-After is retried, and counted).
// Checked: no status >= 500, no network error, every 200 parses and is
// whole (an article's counts equal the lengths of its lists; a list page
// is complete for its total), no read sees an older corpus than a read
// that finished before it started, nothing mentions "database is locked"
// or busy, every POST ends in 201, the import exits 0, and afterwards the
// database holds every essay, passes integrity_check, and both servers
// stop cleanly on SIGTERM.
//
//   node tests/durability/readers.mjs
//   READERS_ESSAYS=3000 READERS_CLIENTS=8 ESSAYD_BIN=build-san/essayd node tests/durability/readers.mjs

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import {
  ACK_RE, BIN, TOKEN, WORDS, closed, consistencyProblems, essay, harness, integrityProblems, percentile, prng,
  sleep, sqlite, startServe,
} from './lib.mjs';

const N_ESSAYS = Number(process.env.READERS_ESSAYS || 3000);
const N_FIRST = 50; // imported before the servers start
const CLIENTS = Number(process.env.READERS_CLIENTS || 8);
const N_POSTS = Number(process.env.READERS_POSTS || 60); // at most; sent while the import runs
const MAX_REQUESTS = Number(process.env.READERS_MAX_REQUESTS || 50_000);
const LOAD_CAP_MS = Number(process.env.READERS_CAP_MS || 90_000);
const SEED = Number(process.env.READERS_SEED || 4242);
// No read during the import may take longer. A POST waiting for the
// import's write lock used to hold one of the writing server's pool threads
// for up to 5 s, stalling every read queued on that thread (README.md);
// writes now wait on the writer thread with their connection suspended.
// The bound is generous for sanitizer builds on a shared machine; 0 turns
// the check off.
const MAX_READ_MS = Number(process.env.READERS_MAX_READ_MS ?? 1500);

const H = harness({ deadlineMs: Number(process.env.READERS_DEADLINE_MS || 170_000), what: 'readers.mjs' });
const t0 = Date.now();
const rng = prng(SEED);
H.info(`binary ${BIN}; ${N_ESSAYS} essays, ${CLIENTS} clients, seed ${SEED}`);

// ---- the essays --------------------------------------------------------------

const firstDir = path.join(H.tmp, 'first');
const restDir = path.join(H.tmp, 'rest');
mkdirSync(firstDir);
mkdirSync(restDir);
for (let i = 0; i < N_ESSAYS; i++) {
  const e = essay(SEED, i, 'Reader', { paras: [5, 10], sents: [2, 6] });
  writeFileSync(path.join(i < N_FIRST ? firstDir : restDir, `${e.slug}.txt`), e.text);
}
const posts = Array.from({ length: N_POSTS }, (_, i) => essay(SEED, i, 'Live', { paras: [3, 6] }));
const DB = path.join(H.tmp, 'readers.db');

function readLines(child, onLine) {
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
}

const knownIds = []; // acknowledged: each must be readable from then on
{
  const c = H.spawn(['import', '--db', DB, '--no-progress', firstDir]);
  let err = '';
  c.stderr.on('data', (d) => (err += d));
  readLines(c, (l) => {
    const m = ACK_RE.exec(l);
    if (m) knownIds.push(Number(m[3]));
  });
  const r = await closed(c);
  if (!H.check('first import', r.code === 0 && knownIds.length === N_FIRST, () => `exit ${r.code}/${r.signal}, ${knownIds.length} lines; ${err.slice(0, 500)}`)) H.finish();
}

// ---- the servers ---------------------------------------------------------------

const ro = startServe(H, DB, ['--quiet']);
const rw = startServe(H, DB, ['--quiet', '--token-file', H.tokenFile()]);
try {
  await Promise.all([ro.ready, rw.ready]);
} catch (e) {
  H.fail('serve', e.message);
  H.finish();
}
H.pass();

// ---- the load ------------------------------------------------------------------

const L = {
  requests: 0, duringImport: 0, latencies: [], byServer: { ro: [], rw: [] }, byRoute: {}, errors: 0, status5xx: 0, bad: 0,
  stale: 0, locked: 0, notFound: 0, failures: [],
};
let stop = false;
let importRunning = true;
let importStart = 0;
let importEnd = 0;
let floor = { articles: 0 }; // the largest corpus a finished read has seen

function problem(kind, msg) {
  L.failures.push(`${kind}: ${msg}`);
}

const routes = [
  ['list', 3, () => '/v1/articles?limit=20'],
  ['article', 4, () => `/v1/articles/${knownIds[Math.floor(rng() * knownIds.length)]}`],
  ['claims', 2, () => '/v1/claims?limit=50&statistic=true'],
  ['search', 2, () => `/v1/search?q=${rng.pick(WORDS)}`],
  ['stats', 1, () => '/v1/stats'],
  ['healthz', 1, () => '/healthz'],
];
const weights = routes.reduce((s, r) => s + r[1], 0);
function pickRoute() {
  let x = rng() * weights;
  for (const r of routes) if ((x -= r[1]) < 0) return r;
  return routes[0];
}

// Checks one 200 body; returns a reason, or null when whole.
function whole(kind, j, floorAtStart) {
  switch (kind) {
    case 'list':
      if (!Array.isArray(j.data) || typeof j.meta?.total !== 'number') return 'not {data: [...], meta: {total}}';
      if (j.data.length !== Math.min(20, j.meta.total)) return `${j.data.length} articles on a page of 20 with total ${j.meta.total}`;
      if (j.meta.total < floorAtStart) return `stale: total ${j.meta.total}, but a read that finished before this one began saw ${floorAtStart}`;
      return null;
    case 'article':
      if (!Array.isArray(j.claims) || !Array.isArray(j.paragraphs) || !Array.isArray(j.endnotes)) return 'no claims, paragraphs or endnotes list';
      if (j.claim_count !== j.claims.length) return `claim_count ${j.claim_count}, ${j.claims.length} claims`;
      if (j.paragraph_count !== j.paragraphs.length) return `paragraph_count ${j.paragraph_count}, ${j.paragraphs.length} paragraphs`;
      if (j.endnote_count !== j.endnotes.length) return `endnote_count ${j.endnote_count}, ${j.endnotes.length} endnotes`;
      return null;
    case 'claims':
      if (!Array.isArray(j.data) || typeof j.meta?.total !== 'number') return 'not {data: [...], meta: {total}}';
      if (j.data.length !== Math.min(50, j.meta.total)) return `${j.data.length} claims on a page of 50 with total ${j.meta.total}`;
      if (j.data.some((c) => c.statistic !== true)) return 'a claim with statistic != true';
      return null;
    case 'search':
      if (!Array.isArray(j.data) || typeof j.meta?.total !== 'number') return 'not {data: [...], meta: {total}}';
      if (j.data.length !== Math.min(20, j.meta.total)) return `${j.data.length} hits on a page of 20 with total ${j.meta.total}`;
      return null;
    case 'stats':
      if (typeof j.articles !== 'number' || typeof j.claims !== 'number') return 'no articles or claims count';
      if (j.articles < floorAtStart) return `stale: ${j.articles} articles, but a read that finished before this one began saw ${floorAtStart}`;
      return null;
    case 'healthz':
      return j.status === 'ok' ? null : `status ${JSON.stringify(j.status)}`;
  }
  return null;
}

async function client(n) {
  while (!stop && L.requests < MAX_REQUESTS) {
    const [kind, , make] = pickRoute();
    const server = rng() < 0.75 ? ro : rw;
    const which = server === ro ? 'ro' : 'rw';
    const url = server.base + make();
    const floorAtStart = floor.articles;
    const during = importRunning;
    const t = performance.now();
    let res;
    let text;
    L.requests++;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      text = await res.text();
    } catch (e) {
      L.errors++;
      problem('network error', `${url}: ${e.cause?.code || ''} ${e.message}`);
      continue;
    }
    const ms = performance.now() - t;
    if (during && importRunning) {
      L.duringImport++;
      L.latencies.push(ms);
      L.byServer[which].push(ms);
    }
    const r = (L.byRoute[kind] ||= { n: 0, ms: 0 });
    r.n++;
    r.ms += ms;
    if (/database is locked|busy/i.test(text)) {
      L.locked++;
      problem('locked', `${url}: ${res.status} ${text.slice(0, 200)}`);
    }
    if (res.status >= 500) {
      L.status5xx++;
      problem('5xx', `${url}: ${res.status} ${text.slice(0, 300)}`);
      continue;
    }
    if (res.status !== 200) {
      if (kind === 'article' && res.status === 404) L.notFound++;
      L.bad++;
      problem('status', `${url}: ${res.status} ${text.slice(0, 300)}`);
      continue;
    }
    let j;
    try {
      j = JSON.parse(text);
    } catch (e) {
      L.bad++;
      problem('json', `${url}: ${e.message}: ${text.slice(0, 200)}`);
      continue;
    }
    const why = whole(kind, j, floorAtStart);
    if (why) {
      if (/^stale/.test(why)) L.stale++;
      else L.bad++;
      problem('incomplete', `${url}: ${why}`);
      continue;
    }
    const seen = kind === 'stats' ? j.articles : kind === 'list' ? j.meta.total : 0;
    if (seen > floor.articles) floor = { articles: seen };
  }
}

// One writer: POST each essay; 503 busy → wait Retry-After, send again.
const P = { created: 0, retries: 0, failed: 0, duringImport: 0, latencies: [] };
async function poster() {
  for (const e of posts) {
    if (!importRunning) break;
    for (let attempt = 1; ; attempt++) {
      const t = performance.now();
      let res;
      let text;
      try {
        res = await fetch(`${rw.base}/v1/articles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain; charset=utf-8' },
          body: e.text,
          signal: AbortSignal.timeout(30_000),
        });
        text = await res.text();
      } catch (err) {
        P.failed++;
        problem('POST network error', `${e.slug}: ${err.message}`);
        break;
      }
      P.latencies.push(performance.now() - t);
      if (res.status === 201) {
        P.created++;
        if (importRunning) P.duringImport++;
        try {
          const j = JSON.parse(text);
          knownIds.push(j.id);
          if (j.claim_count !== j.claims.length || j.slug !== e.slug) problem('POST', `${e.slug}: 201 body not whole: ${text.slice(0, 200)}`);
        } catch (err) {
          problem('POST', `${e.slug}: 201 body does not parse: ${err.message}`);
        }
        break;
      }
      if (res.status === 503 && /\/problems\/busy/.test(text) && res.headers.get('retry-after') && attempt < 20) {
        P.retries++;
        await sleep(1000 * Number(res.headers.get('retry-after') || 1));
        continue;
      }
      P.failed++;
      problem('POST', `${e.slug}: ${res.status} ${text.slice(0, 300)} (attempt ${attempt})`);
      break;
    }
    await sleep(20 + Math.floor(rng() * 60));
  }
}

// ---- the import, with the load around it ------------------------------------

const imp = H.spawn(['import', '--db', DB, '--no-progress', restDir]);
importStart = performance.now();
let importErr = '';
let importAcks = 0;
let summary = '';
imp.stderr.on('data', (d) => (importErr += d));
readLines(imp, (l) => {
  const m = ACK_RE.exec(l);
  if (m) {
    importAcks++;
    knownIds.push(Number(m[3])); // stored: readable from now on
  } else summary = l;
});
const importDone = closed(imp).then((r) => {
  importEnd = performance.now();
  importRunning = false;
  return r;
});
const cap = setTimeout(() => {
  stop = true;
}, LOAD_CAP_MS);
const load = Promise.all([...Array.from({ length: CLIENTS }, (_, n) => client(n)), poster()]);
const ir = await Promise.race([importDone, sleep(LOAD_CAP_MS + 30_000).then(() => null)]);
stop = true;
clearTimeout(cap);
await load;

if (!ir) {
  H.fail('import', `still running after ${(LOAD_CAP_MS + 30_000) / 1000} s`);
  H.finish();
}
const importMs = importEnd - importStart;
H.check('import: exit 0', ir.code === 0, () => `exit ${ir.code}/${ir.signal}; ${importErr.slice(0, 500)}`);
H.check('import: every essay acknowledged', importAcks === N_ESSAYS - N_FIRST, () => `${importAcks} lines for ${N_ESSAYS - N_FIRST} essays; ${summary}`);
H.check('import: no stderr', !importErr.trim(), () => importErr.slice(0, 500));
H.check('import: no "database is locked" or busy', !/database is locked|busy/i.test(importErr + summary), () => importErr.slice(0, 500));
H.check('load: ran while the import did', L.duringImport > 0, 'no read finished while the import ran');
H.check('load: no status >= 500', L.status5xx === 0, () => `${L.status5xx}: ${L.failures.filter((f) => f.startsWith('5xx')).slice(0, 3).join('; ')}`);
H.check('load: no network errors', L.errors === 0, () => `${L.errors}: ${L.failures.filter((f) => f.startsWith('network')).slice(0, 3).join('; ')}`);
H.check('load: every 200 parses and is whole, every status 200', L.bad === 0, () => `${L.bad} (${L.notFound} 404s for acknowledged articles): ${L.failures.filter((f) => /^(json|incomplete|status)/.test(f)).slice(0, 3).join('; ')}`);
H.check('load: no stale reads', L.stale === 0, () => `${L.stale}: ${L.failures.filter((f) => f.includes('stale')).slice(0, 3).join('; ')}`);
H.check('load: nothing mentions "database is locked" or busy', L.locked === 0, () => `${L.locked}: ${L.failures.filter((f) => f.startsWith('locked')).slice(0, 3).join('; ')}`);
if (MAX_READ_MS) {
  for (const [k, v] of Object.entries(L.byServer)) {
    const slow = v.filter((ms) => ms > MAX_READ_MS);
    H.check(`load: no read from the ${k === 'ro' ? 'read-only' : 'writing'} server over ${MAX_READ_MS} ms`, slow.length === 0,
      () => `${slow.length} of ${v.length}, the slowest ${Math.max(...slow).toFixed(0)} ms`);
  }
}
H.check('POST: every essay sent got 201 (after retries)', P.failed === 0 && P.created > 0, () => `${P.created} created, ${P.failed} failed: ${L.failures.filter((f) => f.startsWith('POST')).slice(0, 3).join('; ')}`);
H.check('POST: some while the import ran', P.duringImport > 0, 'no POST was answered while the import ran');
// A write waiting for the import's lock must get in between two batches,
// not wait out its busy timeout: SQLite's own busy handler, backing off to
// 100 ms sleeps, was starved (POSTs of 2.7-5.1 s, a few 503s).
H.check('POST: not starved by the import (none over 3 s)', (P.latencies.length ? Math.max(...P.latencies) : 0) < 3000,
  () => `the slowest POST took ${Math.max(...P.latencies).toFixed(0)} ms`);

// ---- afterwards ----------------------------------------------------------------

for (const [name, s] of [['read-only server', ro], ['writing server', rw]]) {
  const err = s.stderr().replace(/^essayd: writes enabled.*\n/m, '');
  H.check(`${name}: stderr quiet`, !/database is locked|busy|AddressSanitizer|runtime error:|error/i.test(err), () => err.slice(0, 500));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  const r = await closed(s.child);
  clearTimeout(timer);
  H.check(`${name}: exits 0 on SIGTERM`, r.code === 0 && r.signal === null, () => `exit ${r.code}/${r.signal}; ${s.stderr().slice(-500)}`);
}
{
  const integ = integrityProblems(DB);
  H.check('database: integrity', integ.length === 0, () => integ.join('; '));
  const cons = consistencyProblems(DB);
  H.check('database: counts, orphans, search index', cons.length === 0, () => cons.join('; '));
  const n = sqlite(DB, 'SELECT count(*) FROM articles', { readonly: true });
  H.check('database: every essay and every POST stored', Number(n.out.trim()) === N_ESSAYS + P.created, () => `${n.out.trim()} articles, want ${N_ESSAYS} + ${P.created}`);
}

const lat = L.latencies.sort((a, b) => a - b);
const serverMs = Object.entries(L.byServer).map(([k, v]) => {
  v.sort((a, b) => a - b);
  return `${k === 'ro' ? 'read-only' : 'writing'} server ${v.length} reads, p50 ${percentile(v, 50).toFixed(1)} ms, p99 ${percentile(v, 99).toFixed(1)} ms, max ${v.at(-1)?.toFixed(1)} ms`;
}).join('; ');
const routeMs = Object.entries(L.byRoute).map(([k, v]) => `${k} ${v.n} (${(v.ms / v.n).toFixed(1)} ms)`).join(', ');
H.info(`import: ${N_ESSAYS - N_FIRST} essays in ${(importMs / 1000).toFixed(2)} s (${Math.round(((N_ESSAYS - N_FIRST) * 1000) / importMs)} essays/s) under load; ${summary}`);
H.info(`reads: ${L.requests} requests, ${L.duringImport} during the import = ${Math.round((L.duringImport * 1000) / importMs)} requests/s; latency during the import p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, max ${lat.at(-1)?.toFixed(1)} ms; ${serverMs}; by route (all reads, mean): ${routeMs}`);
H.info(`POSTs: ${P.created} created (${P.duringImport} while the import ran), ${P.retries} retries after 503 busy, ${P.failed} failed; POST latency p50 ${percentile(P.latencies.sort((a, b) => a - b), 50).toFixed(1)} ms, max ${P.latencies.at(-1)?.toFixed(1)} ms; ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
H.finish();

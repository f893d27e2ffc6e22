// lib.mjs — what crash.mjs and readers.mjs share: a seeded PRNG, a tiny
// essay generator, the sqlite3 command-line tool, child processes that are
// always killed, a temporary directory that is always removed, and the
// "FAIL name: reason" / "N passed, N failed" bookkeeping.
//
// Node built-ins only; the sqlite3 CLI is the one outside tool.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { installGuards } from '../lib/guards.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(ROOT, process.env.ESSAYD_BIN || 'build/essayd');
export const TOKEN = 'durability-' + 'c0ffee'.repeat(6);

// ---- results -------------------------------------------------------------

// The harness: counts, children, the temporary directory, and the one way
// out (finish), which kills every child and removes the directory first.
export function harness({ deadlineMs, what }) {
  const H = { passed: 0, failed: 0, children: new Set(), tmp: null, finished: false };
  H.pass = () => void H.passed++;
  H.fail = (name, reason) => {
    H.failed++;
    console.log(`FAIL ${name}: ${String(reason).replace(/\s+/g, ' ').slice(0, 2000)}`);
  };
  // check(name, cond, reason): one assertion.
  H.check = (name, cond, reason) => {
    if (cond) H.pass();
    else H.fail(name, typeof reason === 'function' ? reason() : reason);
    return !!cond;
  };
  H.info = (s) => console.log(`info: ${s}`);
  H.cleanup = () => {
    for (const c of H.children) {
      try {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      } catch {}
    }
    H.children.clear();
    if (H.tmp && !process.env.DURABILITY_KEEP_TMP) {
      try {
        rmSync(H.tmp, { recursive: true, force: true });
      } catch {}
    }
  };
  H.finish = () => {
    if (H.finished) return;
    H.finished = true;
    H.cleanup();
    console.log(`${H.passed} passed, ${H.failed} failed`);
    process.exit(H.failed ? 1 : 0);
  };
  process.on('exit', () => H.cleanup());
  installGuards({ fail: H.fail, finish: H.finish, deadlineMs, what });
  H.tmp = mkdtempSync(path.join(os.tmpdir(), 'essayd-durability-'));
  if (process.env.DURABILITY_KEEP_TMP) H.info(`keeping ${H.tmp}`);
  // A private copy of the binary: others may rebuild build/essayd while
  // this runs, and a half-written executable is not what is under test.
  H.bin = path.join(H.tmp, 'essayd');
  for (let attempt = 1; ; attempt++) {
    let why = '';
    try {
      copyFileSync(BIN, H.bin);
      chmodSync(H.bin, 0o755);
      const v = spawnSync(H.bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
      if (v.status === 0 && /^essayd /.test(v.stdout)) break;
      why = `--version: exit ${v.status} ${v.error ? v.error.message : ''} ${v.stderr || ''}`;
    } catch (e) {
      why = e.message;
    }
    if (attempt >= 5) {
      H.fail('setup', `cannot run a copy of ${BIN} (build it with make, or set ESSAYD_BIN): ${why}`);
      H.finish();
    }
    spawnSync('sleep', ['2']);
  }
  // spawn, remembered so that every exit path kills it.
  // Sanitizer settings for an ASan+UBSan build (ignored by a plain one),
  // unless the caller chose its own: a leak or an error fails the exit
  // status of every process that is not killed.
  const sanEnv = {
    ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
    UBSAN_OPTIONS: process.env.UBSAN_OPTIONS ?? 'print_stacktrace=1:halt_on_error=1',
    LSAN_OPTIONS: process.env.LSAN_OPTIONS ?? `suppressions=${path.join(ROOT, 'tests', 'lsan.supp')}`,
  };
  H.spawn = (args, opts = {}) => {
    const c = spawn(H.bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts, env: { ...(opts.env || process.env), ...sanEnv } });
    H.children.add(c);
    c.on('exit', () => H.children.delete(c));
    c.closedP = new Promise((resolve) => c.on('close', (code, signal) => resolve({ code, signal })));
    c.on('error', () => {});
    return c;
  };
  H.tokenFile = () => {
    const f = path.join(H.tmp, 'token');
    if (!existsSync(f)) {
      writeFileSync(f, `${TOKEN}\n`);
      chmodSync(f, 0o600);
    }
    return f;
  };
  return H;
}

// ---- a seeded PRNG (mulberry32) -----------------------------------------

export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

// ---- essays ----------------------------------------------------------------

// Plain words only: no abbreviations (they would move sentence ends), and
// never "busy" or "locked", which the readers test looks for in bodies.
export const WORDS = `
harbour river council market winter summer archive bridge treaty village
engineer teacher farmer garden ledger lantern orchard meadow harvest signal
railway station quarry mill canal ferry tower beacon chapel granary
committee report survey budget pension tariff census charter statute verdict
northern southern eastern western ancient modern rural coastal inland upland
careful steady quiet sudden gradual formal public private local regional
measured recorded counted planned delayed revised approved rejected opened closed
water timber copper wool grain salt coal iron glass paper
families workers voters traders builders sailors students readers writers officials
`.trim().split(/\s+/);

const AUTHORS = ['Doe, J.', 'Roe, R.', 'Smith, A.', 'Okafor, N.', 'Lindqvist, E.', 'Moreau, C.'];
const PUBLISHERS = ['Harbour News', 'River Press', 'Council Gazette', 'Archive Quarterly', 'Mill Review'];
const CATEGORIES = ['Durability', 'Harbours', 'Councils', 'Archives'];

function sentence(rng, { min = 6, max = 13 } = {}) {
  const n = rng.int(min, max);
  const w = [];
  for (let k = 0; k < n; k++) w.push(rng.pick(WORDS));
  const r = rng();
  if (r < 0.15) w.splice(rng.int(1, w.length - 1), 0, `${rng.int(2, 95)} percent of the`);
  else if (r < 0.25) w.splice(rng.int(1, w.length - 1), 0, 'must');
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return w.join(' ') + '.';
}

// One essay as text, with its slug. Deterministic in (seed, i, prefix).
// opts: paras [lo, hi], sents [lo, hi], markers (probability of an
// Endnotes section), variant (an int: the same title and Slug, one
// paragraph changed).
export function essay(seed, i, prefix, opts = {}) {
  const { paras = [3, 6], sents = [2, 5], markers = 0.6, variant = 0 } = opts;
  const rng = prng((seed ^ Math.imul(i + 1, 0x9e3779b1) ^ hashStr(prefix)) >>> 0);
  const num = String(i).padStart(4, '0');
  const title = `${prefix} Essay ${num}`;
  const slug = `${prefix.toLowerCase()}-essay-${num}`;
  const np = rng.int(paras[0], paras[1]);
  const withNotes = rng() < markers;
  const paragraphs = [];
  const notes = [];
  for (let p = 0; p < np; p++) {
    const ss = [];
    const ns = rng.int(sents[0], sents[1]);
    for (let s = 0; s < ns; s++) {
      let t = sentence(rng);
      if (withNotes && notes.length < 3 && rng() < 0.35) {
        const n = notes.length + 1;
        t += `[${n}]`;
        notes.push(`[${n}] ${rng.pick(AUTHORS)} (${rng.int(1990, 2024)}). ${cap(rng.pick(WORDS))} ${rng.pick(WORDS)} ${rng.pick(WORDS)}. ${rng.pick(PUBLISHERS)}. https://example.org/${slug}/${n}`);
      }
      ss.push(t);
    }
    paragraphs.push(ss.join(' '));
  }
  if (variant) {
    // The same essay, one paragraph changed: a sentence more at its end.
    const vr = prng(variant * 7919 + i);
    const k = vr.int(0, paragraphs.length - 1);
    paragraphs[k] += ` Revised ${variant} ${sentence(vr).toLowerCase()}`;
  }
  const lines = [title, '', `Slug: ${slug}`, `Author: ${rng.pick(AUTHORS)}`];
  lines.push(`Note: This piece was originally published at ${rng.pick(PUBLISHERS)} on March ${rng.int(1, 28)}, ${rng.int(2000, 2024)}.`);
  lines.push('', paragraphs.join('\n\n'));
  if (notes.length) lines.push('', 'Endnotes:', '', notes.join('\n\n'));
  if (rng() < 0.7) lines.push('', rng.pick(CATEGORIES));
  return { title, slug, text: lines.join('\n') + '\n' };
}

function cap(w) {
  return w[0].toUpperCase() + w.slice(1);
}

function hashStr(s) {
  let h = 2166136261;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
  return h >>> 0;
}

// ---- sqlite3 ---------------------------------------------------------------

// Runs one statement list with the sqlite3 tool; { ok, out, err, rows }.
// json: parse -json output. readonly: open with -readonly.
export function sqlite(db, sql, { json = false, readonly = false, timeout = 60_000 } = {}) {
  const args = ['-bail', ...(json ? ['-json'] : []), ...(readonly ? ['-readonly'] : []), db, sql];
  const r = spawnSync('sqlite3', args, { encoding: 'utf8', timeout, maxBuffer: 512 * 1024 * 1024 });
  const res = { ok: !r.error && r.status === 0, out: r.stdout || '', err: (r.error ? r.error.message + ' ' : '') + (r.stderr || '') };
  if (json && res.ok) {
    try {
      res.rows = res.out.trim() ? JSON.parse(res.out) : [];
    } catch (e) {
      res.ok = false;
      res.err = `sqlite3 -json output does not parse: ${e.message}`;
    }
  }
  return res;
}

// Every article as one canonical JSON string per slug: the title, the
// header fields, the count columns, the paragraphs (kind, text) in order,
// the claims (index, paragraph, text, flags, key, offsets, the marker
// numbers) in order and the endnotes (n, raw) in order. Not the ids, which
// differ between databases. With full, the string itself (canon); else
// only its SHA3-256 (hash), which is much less to move and parse.
// { ok, err, bySlug: Map(slug → {id, sha, hash, canon?}) }; where: a
// condition on articles a (default all).
export function articlesBySlug(db, { full = false, where = '1' } = {}) {
  const q = `
SELECT id, slug, sha, hex(sha3(canon, 256)) AS hash${full ? ', canon' : ''} FROM (
SELECT a.id AS id, a.slug AS slug, a.source_sha256 AS sha, json_object(
  'title', a.title, 'paragraph_count', a.paragraph_count, 'claim_count', a.claim_count,
  'endnote_count', a.endnote_count, 'word_count', a.word_count, 'category', a.category,
  'authors', a.authors, 'note', a.note, 'published', a.published,
  'paragraphs', (SELECT json_group_array(json_array(kind, text)) FROM
                   (SELECT kind, text FROM paragraphs p WHERE p.article_id = a.id ORDER BY idx)),
  'claims', (SELECT json_group_array(json_array(idx, paragraph, text, cited, quote, statistic, normative,
                                                key, "start", "end", cn)) FROM
               (SELECT c.idx, c.paragraph, c.text, c.cited, c.quote, c.statistic, c.normative, c.key,
                       c."start", c."end",
                       (SELECT group_concat(ce.n, ',') FROM (SELECT n FROM claim_endnotes ce
                          WHERE ce.claim_id = c.id ORDER BY pos) ce) AS cn
                FROM claims c WHERE c.article_id = a.id ORDER BY c.idx)),
  'endnotes', (SELECT json_group_array(json_array(n, raw)) FROM
                 (SELECT n, raw FROM endnotes e WHERE e.article_id = a.id ORDER BY n))
) AS canon
FROM articles a WHERE ${where} ORDER BY a.slug)`;
  const r = sqlite(db, q, { json: true, readonly: true });
  if (!r.ok) return { ok: false, err: r.err };
  const bySlug = new Map();
  for (const row of r.rows) bySlug.set(row.slug, { id: row.id, sha: row.sha, hash: row.hash, canon: row.canon });
  return { ok: true, bySlug };
}

// Structural consistency that holds for any database, whatever was
// written: counts agree with rows, no orphans, the FTS5 rows match the
// tables. Returns a list of problems (empty: consistent).
export function consistencyProblems(db) {
  const q = `
WITH s AS MATERIALIZED (
  SELECT article_id AS aid, sum(kind = 'article') AS na, sum(kind = 'document') AS nd,
         sum(kind = 'claim') AS nc, sum(kind = 'endnote') AS ne
  FROM search GROUP BY article_id)
SELECT 'count columns' AS what, count(*) AS n FROM articles a WHERE
    a.paragraph_count <> (SELECT count(*) FROM paragraphs WHERE article_id = a.id) OR
    a.claim_count <> (SELECT count(*) FROM claims WHERE article_id = a.id) OR
    a.endnote_count <> (SELECT count(*) FROM endnotes WHERE article_id = a.id)
UNION ALL SELECT 'orphan paragraphs', count(*) FROM paragraphs WHERE article_id NOT IN (SELECT id FROM articles)
UNION ALL SELECT 'orphan claims', count(*) FROM claims WHERE article_id NOT IN (SELECT id FROM articles)
UNION ALL SELECT 'orphan endnotes', count(*) FROM endnotes WHERE article_id NOT IN (SELECT id FROM articles)
UNION ALL SELECT 'orphan claim_endnotes', count(*) FROM claim_endnotes WHERE claim_id NOT IN (SELECT id FROM claims)
UNION ALL SELECT 'search rows of no article', count(*) FROM search WHERE article_id NOT IN (SELECT id FROM articles)
UNION ALL SELECT 'articles whose search rows do not match (1 article, 1 document, claim_count claims, endnote_count endnotes)', count(*)
  FROM s JOIN articles a ON a.id = s.aid
  WHERE s.na <> 1 OR s.nd <> 1 OR s.nc <> a.claim_count OR s.ne <> a.endnote_count
UNION ALL SELECT 'articles with no search rows', count(*) FROM articles WHERE id NOT IN (SELECT aid FROM s)
UNION ALL SELECT 'claim search rows naming another article''s claim', count(*) FROM search s
  WHERE s.kind = 'claim' AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.id = s.ref AND c.article_id = s.article_id)`;
  const r = sqlite(db, q, { json: true, readonly: true });
  if (!r.ok) return [`sqlite3: ${r.err.trim()}`];
  return r.rows.filter((x) => x.n !== 0).map((x) => `${x.what}: ${x.n}`);
}

// PRAGMA integrity_check (opening read-write, which also recovers a WAL
// left by a killed writer) and the FTS5 integrity-check. Problems, or [].
export function integrityProblems(db) {
  const out = [];
  const r = sqlite(db, 'PRAGMA integrity_check');
  if (!r.ok) out.push(`PRAGMA integrity_check could not run: ${r.err.trim()}`);
  else if (r.out.trim() !== 'ok') out.push(`PRAGMA integrity_check: ${r.out.trim().slice(0, 500)}`);
  const f = sqlite(db, "INSERT INTO search(search) VALUES('integrity-check')");
  if (!f.ok) out.push(`FTS5 integrity-check: ${f.err.trim().slice(0, 500)}`);
  return out;
}

// ---- processes -------------------------------------------------------------

// Resolves with { code, signal } once the child has exited and its pipes
// are drained ('close').
export function closed(child) {
  return child.closedP;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts `essayd serve` and resolves to { child, base, stderr() } once it
// announces its port; rejects if it exits first or after timeoutMs.
export function startServe(H, db, extra = [], { timeoutMs = 20_000, env } = {}) {
  const child = H.spawn(['serve', '--db', db, '--host', '127.0.0.1', '--port', '0', ...extra],
    env ? { env: { ...process.env, ...env } } : {});
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 8_000_000) err = err.slice(-4_000_000);
  });
  const s = { child, base: null, stderr: () => err };
  s.ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`essayd serve did not announce its port within ${timeoutMs} ms; stderr: ${err.slice(-1000)}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^essayd: listening on http:\/\/127\.0\.0\.1:(\d+)\s*$/m.exec(out);
      if (m && !s.base) {
        clearTimeout(timer);
        s.base = `http://127.0.0.1:${m[1]}`;
        resolve(s);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`essayd serve exited (code ${code}, signal ${signal}) before listening; stderr: ${err.slice(-1000)}`));
    });
  });
  s.ready.catch(() => {});
  return s;
}

// The acknowledgement lines of `essayd import`.
export const ACK_RE = /^(imported|replaced|unchanged) (.+) \(id (\d+), slug ([^)\s]+)\)$/;

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

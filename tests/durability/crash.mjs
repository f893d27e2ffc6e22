// crash.mjs — no acknowledged write is lost and nothing is half-written,
// whatever moment essayd is killed at.
//
// One database (CRASH.db) takes a long series of writers, each killed with
// SIGKILL at a random moment: `essayd import` of a slice of the essay files
// (with re-imports, and variants of some essays that replace them), and
// `essayd serve --token-file` taking POSTs from 4 concurrent clients. Every
// acknowledgement is recorded: an `imported|replaced|unchanged ... (id N,
// slug S)` line read from the import's stdout before the kill, a 201 from
// the server. After each kill, with the process dead, the sqlite3 tool
// checks that
//   integrity  PRAGMA integrity_check says ok and the FTS5 integrity-check passes;
//   acked      every acknowledged article is there, with its id, in the state
//              last acknowledged (or one a later, unacknowledged write may have
//              committed); nothing once seen has vanished;
//   whole      every article present equals, field for field, a fresh import
//              of its source (REF.db, or REF2.db for the variants): title,
//              counts, paragraphs, claims, endnotes;
//   index      the count columns agree with the rows, nothing is orphaned, and
//              the search index holds exactly the present articles' rows.
// At the end a clean import of everything must exit 0 and leave CRASH.db
// equal to REF.db.
//
//   node tests/durability/crash.mjs
//   CRASH_KILLS=60 CRASH_SEED=1234 ESSAYD_BIN=build-san/essayd node tests/durability/crash.mjs

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  ACK_RE, BIN, TOKEN, articlesBySlug, closed, consistencyProblems, essay, harness, integrityProblems, prng,
  sleep, sqlite, startServe,
} from './lib.mjs';

const KILLS = Number(process.env.CRASH_KILLS || 60); // SIGKILLs that must land on a running writer
const SEED = Number(process.env.CRASH_SEED || (Date.now() % 1_000_000_007));
const N_ESSAYS = Number(process.env.CRASH_ESSAYS || 1200); // essays for the import victims
const N_POSTS = Number(process.env.CRASH_POSTS || 3000); // (short) essays for the POST victims
// When SIGKILL comes: for a server, 5 to DELAY_MAX ms after it listens
// (or, one time in ten, 0-20 ms after it starts). For an import, either 5
// ms to a little more than it should take (estimated from the imports
// that finished before their kill), so that kills land before, between
// and during its batch commits and in its closing checkpoint; or, one time
// in two when it should outlast the 250 ms batch timer, 0-150 ms after the
// first batch's lines appear, so that many kills land while a later batch
// is being written.
const DELAY_MIN = 5;
const DELAY_MAX = Number(process.env.CRASH_DELAY_MAX || 400);
const CLIENTS = 4; // concurrent POSTs
const DEADLINE_MS = Number(process.env.CRASH_DEADLINE_MS || 170_000);

const H = harness({ deadlineMs: DEADLINE_MS, what: 'crash.mjs' });
const t0 = Date.now();
const rng = prng(SEED);
H.info(`binary ${BIN}; seed ${SEED} (CRASH_SEED=${SEED} repeats the slices, variants and delays); ${KILLS} kills`);

// ---- the essays and their references ---------------------------------------

const dirs = { essays: path.join(H.tmp, 'essays'), variants: path.join(H.tmp, 'variants'), posts: path.join(H.tmp, 'posts') };
for (const d of Object.values(dirs)) mkdirSync(d);
const CORPUS_SEED = 20240601; // the essays do not depend on the schedule's seed
const fileInfo = new Map(); // path → { slug, ver: 'O' | 'V' }
const originals = []; // paths, in slug order
const variantOf = new Map(); // slug → variant path
const posts = []; // { slug, text }
for (let i = 0; i < N_ESSAYS; i++) {
  const e = essay(CORPUS_SEED, i, 'Crash');
  const f = path.join(dirs.essays, `${e.slug}.txt`);
  writeFileSync(f, e.text);
  fileInfo.set(f, { slug: e.slug, ver: 'O' });
  originals.push(f);
  if (i % 4 !== 3) {
    const v = essay(CORPUS_SEED, i, 'Crash', { variant: 1 });
    const vf = path.join(dirs.variants, `${v.slug}.txt`);
    writeFileSync(vf, v.text);
    fileInfo.set(vf, { slug: v.slug, ver: 'V' });
    variantOf.set(v.slug, vf);
  }
}
for (let i = 0; i < N_POSTS; i++) {
  const e = essay(CORPUS_SEED, i, 'Post', { paras: [1, 2], sents: [1, 3] });
  writeFileSync(path.join(dirs.posts, `${e.slug}.txt`), e.text);
  posts.push(e);
}

const REF = path.join(H.tmp, 'REF.db');
const REF2 = path.join(H.tmp, 'REF2.db');
const CRASH = path.join(H.tmp, 'CRASH.db');

async function importAll(db, sources) {
  const c = H.spawn(['import', '--db', db, '--no-progress', ...sources]);
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
  const r = await closed(c);
  clearTimeout(timer);
  return { ...r, out, err };
}

const ref = {};
let msPerFile = 1; // how long an import takes per file: first from REF.db, then from the imports run since
{
  const a = await importAll(REF, [dirs.essays]);
  const m = /\((\d+) essays\/s\)/.exec(a.out);
  if (m) msPerFile = Math.min(20, 1000 / Number(m[1]));
  const a2 = await importAll(REF, [dirs.posts]);
  if (a2.code !== 0) a.code = a2.code, a.signal = a2.signal, a.err += a2.err;
  H.check('reference import', a.code === 0, () => `exit ${a.code}/${a.signal}: ${a.err.slice(0, 500)}`);
  const b = await importAll(REF2, [dirs.variants]);
  H.check('reference import of the variants', b.code === 0, () => `exit ${b.code}/${b.signal}: ${b.err.slice(0, 500)}`);
  const ra = articlesBySlug(REF, { full: true });
  const rb = articlesBySlug(REF2, { full: true });
  if (!ra.ok || !rb.ok) {
    H.fail('reference dump', ra.err || rb.err);
    H.finish();
  }
  ref.O = ra.bySlug;
  ref.V = rb.bySlug;
  H.check('reference holds every essay', ref.O.size === N_ESSAYS + N_POSTS && ref.V.size === variantOf.size,
    () => `REF has ${ref.O.size} articles (want ${N_ESSAYS + N_POSTS}), REF2 ${ref.V.size} (want ${variantOf.size})`);
  for (const [slug, v] of ref.V) {
    if (ref.O.get(slug)?.hash === v.hash) H.fail('reference', `variant of ${slug} equals the original`);
  }
  H.info(`references: ${ref.O.size} essays in REF.db, ${ref.V.size} variants in REF2.db (${Date.now() - t0} ms)`);
}

// ---- what may be in CRASH.db ------------------------------------------------

// possible: slug → Set of states it may be in now ('absent', 'O', 'V').
// A write attempt adds its state; an acknowledgement or an observation
// narrows the set to that one state.
const possible = new Map();
const mustExist = new Map(); // slug → why (an ack, a 409, an observation)
const idOf = new Map(); // slug → its id once known: it never changes
const allowed = (slug) => {
  if (!possible.has(slug)) possible.set(slug, new Set(['absent']));
  return possible.get(slug);
};
const stats = { importKills: 0, serveKills: 0, importDone: 0, importAckedKills: [0, 0, 0], serveNoSchema: 0, acks: { imported: 0, replaced: 0, unchanged: 0 }, posted: 0, conflicts: 0, lostInFlight: 0, checks: 0, checkMs: 0 };

function acknowledge(where, slug, ver, id, what) {
  const prev = idOf.get(slug);
  if (prev !== undefined && prev !== id) H.fail(`${where}: id`, `${what} names id ${id} for ${slug}, which had id ${prev}`);
  idOf.set(slug, id);
  possible.set(slug, new Set([ver]));
  mustExist.set(slug, what);
}

// The acknowledgement lines of an import; returns how many there were.
function importAcks(lines, where) {
  let acks = 0;
  for (const line of lines) {
    const m = ACK_RE.exec(line);
    if (!m) {
      if (!/^\d+ essays from \d+ files: /.test(line)) H.fail(`${where}: output`, `unexpected line ${JSON.stringify(line)}`);
      continue;
    }
    const [, outcome, file, id, slug] = m;
    const info = fileInfo.get(file) || (file.startsWith(dirs.posts) ? { slug: path.basename(file, '.txt'), ver: 'O' } : null);
    if (!info || info.slug !== slug) {
      H.fail(`${where}: output`, `line ${JSON.stringify(line)} names a file or slug it was not given`);
      continue;
    }
    stats.acks[outcome]++;
    acks++;
    acknowledge(where, slug, info.ver, Number(id), `"${line}"`);
  }
  return acks;
}

// ---- victim (a): an import of a slice -------------------------------------

function importSlice() {
  // Half of them large: more than one batch; none that should take much
  // over a second (an ASan build is ten times slower).
  const most = Math.max(50, Math.min(originals.length, Math.floor(1000 / msPerFile)));
  const n = rng() < 0.5 ? rng.int(Math.min(600, most), most) : rng.int(Math.min(50, most), most);
  const start = rng.int(0, Math.max(0, originals.length - n));
  const files = [];
  for (const f of originals.slice(start, start + n)) {
    const { slug } = fileInfo.get(f);
    // Mostly the other version than the one stored: the variant replaces
    // the original, or the original the variant (replaced, not unchanged:
    // more work, so that an import spans several batches).
    const now = possible.get(slug);
    const stored = now && now.size === 1 ? [...now][0] : null;
    const other = stored === 'V' ? 'O' : 'V';
    const ver = variantOf.has(slug) ? (rng() < 0.7 ? other : rng() < 0.5 ? 'O' : 'V') : 'O';
    files.push(ver === 'V' ? variantOf.get(slug) : f);
  }
  return files;
}

async function importVictim(k) {
  const files = importSlice();
  for (const f of files) {
    const { slug, ver } = fileInfo.get(f);
    allowed(slug).add(ver);
  }
  const c = H.spawn(['import', '--db', CRASH, '--no-progress', ...files]);
  let buf = '';
  let err = '';
  const lines = [];
  c.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  c.stderr.on('data', (d) => (err += d));
  // How long it should take (msPerFile: from REF.db, then from when the
  // first lines of the imports appear). A batch holds at most 512 essays
  // or 250 ms, so a longer import commits more than once.
  const expected = 20 + files.length * msPerFile;
  const afterAck = (files.length > 512 || expected > 300) && rng() < 0.6;
  let delay = afterAck ? 0 : rng.int(DELAY_MIN, Math.round(1.1 * expected));
  const started = Date.now();
  if (afterAck) {
    // Kill while the rest is being written: after the first batch's lines,
    // somewhere in the time the rest of the files should take.
    await Promise.race([c.closedP, new Promise((resolve) => {
      const poll = setInterval(() => {
        if (lines.length) clearInterval(poll), resolve();
      }, 1);
      c.closedP.then(() => clearInterval(poll));
    })]);
    if (lines.length && lines.length < files.length) {
      msPerFile = 0.7 * msPerFile + (0.3 * (Date.now() - started)) / lines.length;
      delay = rng.int(0, Math.max(5, Math.round((files.length - lines.length) * msPerFile)));
    }
  }
  await sleep(delay);
  const at = Date.now() - started;
  const killed = c.exitCode === null && c.signalCode === null && c.kill('SIGKILL');
  const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
  const r = await closed(c);
  clearTimeout(timer);
  // Only whole lines count: a line cut by the kill acknowledges nothing.
  const acks = importAcks(lines, `kill ${k} import`);
  const landed = killed && r.signal === 'SIGKILL';
  if (!landed) {
    stats.importDone++;
    if (r.code === 0) msPerFile = 0.7 * msPerFile + (0.3 * (Date.now() - started)) / files.length;
    H.check(`run ${k} import (finished before the kill)`, r.code === 0 && /essays from/.test(lines.at(-1) || ''),
      () => `exit ${r.code}/${r.signal}, last line ${JSON.stringify(lines.at(-1))}, stderr ${err.slice(0, 500)}`);
  } else {
    stats.importKills++;
    stats.importAckedKills[acks === 0 ? 0 : acks === files.length ? 2 : 1]++;
    if (err.trim()) H.fail(`kill ${k} import: stderr`, err.slice(0, 500));
  }
  return { landed, what: `import of ${files.length} files killed after ${at} ms${afterAck ? ` (${delay} ms after the first lines)` : ''}, ${acks} acknowledged` };
}

// ---- victim (b): a server taking POSTs --------------------------------------

let nextPost = 0;
const retryPosts = []; // POSTs whose answer the kill took: sent again first

async function serveVictim(k) {
  const s = startServe(H, CRASH, ['--token-file', H.tokenFile(), '--quiet']);
  const early = rng() < 0.1; // sometimes kill it while it starts
  const delay = early ? rng.int(0, 20) : rng.int(DELAY_MIN, DELAY_MAX);
  if (early) {
    await sleep(delay);
  } else {
    try {
      await s.ready;
    } catch (e) {
      s.child.kill('SIGKILL');
      await closed(s.child);
      const v = sqlite(CRASH, 'PRAGMA user_version', { readonly: true });
      if (Number(v.out.trim()) < 2) {
        // No import has committed the schema yet: serve rightly refuses.
        stats.serveNoSchema++;
        return { landed: false, what: 'serve: no schema yet' };
      }
      H.fail(`kill ${k} serve: start`, e.message);
      return { landed: false, what: 'serve did not start' };
    }
  }
  let stop = false;
  let sent = 0;
  let acked = 0;
  const worker = async () => {
    while (!stop && s.base) {
      // Once every essay is sent, old ones again (409s).
      const e = retryPosts.length ? retryPosts.shift() : posts[nextPost++ % posts.length];
      allowed(e.slug).add('O');
      sent++;
      let r;
      let body;
      try {
        r = await fetch(`${s.base}/v1/articles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain; charset=utf-8' },
          body: e.text,
          signal: AbortSignal.timeout(15_000),
        });
        body = await r.text();
      } catch {
        // The kill took the answer: the essay may or may not be stored.
        retryPosts.push(e);
        return;
      }
      if (r.status === 201) {
        let j;
        try {
          j = JSON.parse(body);
        } catch {
          H.fail(`kill ${k} serve: 201 body`, body.slice(0, 300));
          continue;
        }
        const want = JSON.parse(ref.O.get(e.slug).canon);
        if (j.slug !== e.slug || j.claim_count !== want.claim_count || j.endnote_count !== want.endnote_count ||
            j.paragraph_count !== want.paragraph_count || j.claims?.length !== want.claim_count) {
          H.fail(`kill ${k} serve: 201 body`, `POST of ${e.slug} answered ${body.slice(0, 300)}`);
        }
        stats.posted++;
        acked++;
        acknowledge(`kill ${k} serve`, e.slug, 'O', j.id, `201 to POST ${e.slug}`);
      } else if (r.status === 409) {
        stats.conflicts++;
        mustExist.set(e.slug, `409 to POST ${e.slug}`);
      } else {
        H.fail(`kill ${k} serve: POST`, `POST ${e.slug}: ${r.status} ${body.slice(0, 300)}`);
      }
    }
  };
  let workers = [];
  if (!early) {
    workers = Array.from({ length: CLIENTS }, worker);
    await sleep(delay);
  }
  const killed = s.child.exitCode === null && s.child.signalCode === null && s.child.kill('SIGKILL');
  stop = true;
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
  const r = await closed(s.child);
  clearTimeout(timer);
  await Promise.all(workers);
  const landed = killed && r.signal === 'SIGKILL';
  if (landed) stats.serveKills++;
  else if (Number(sqlite(CRASH, 'PRAGMA user_version', { readonly: true }).out.trim()) < 2) stats.serveNoSchema++;
  else H.fail(`kill ${k} serve`, `the server exited by itself: ${r.code}/${r.signal}; stderr ${s.stderr().slice(-500)}`);
  const errText = s.stderr().replace(/^essayd: writes enabled.*\n/m, '');
  if (/AddressSanitizer|runtime error:|database is locked|commit failed/.test(errText)) H.fail(`kill ${k} serve: stderr`, errText.slice(0, 500));
  return { landed, what: `serve killed ${early ? 'while starting' : 'taking POSTs'} after ${delay} ms: ${sent} sent, ${acked} acknowledged` };
}

// ---- the checks after a kill ------------------------------------------------

function checkAfter(label) {
  const tc = Date.now();
  // Killed before the first import committed its schema: an empty
  // database is right as long as nothing was acknowledged.
  const uv = sqlite(CRASH, 'PRAGMA user_version');
  if (uv.ok && Number(uv.out.trim()) === 0) {
    const ic = sqlite(CRASH, 'PRAGMA integrity_check');
    H.check(`${label}: integrity`, ic.ok && ic.out.trim() === 'ok', () => `${ic.out} ${ic.err}`);
    H.check(`${label}: acknowledged present`, mustExist.size === 0, () => `no schema, but ${mustExist.size} articles were acknowledged`);
    const t = sqlite(CRASH, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'");
    H.check(`${label}: whole`, t.ok && t.out.trim() === '0', () => `user_version 0, yet ${t.out.trim()} schema objects (a half-applied migration?) ${t.err}`);
    stats.checks++;
    stats.checkMs += Date.now() - tc;
    return;
  }
  const integ = integrityProblems(CRASH);
  H.check(`${label}: integrity`, integ.length === 0, () => integ.join('; '));
  const dump = articlesBySlug(CRASH);
  if (!dump.ok) {
    H.fail(`${label}: dump`, dump.err);
    return;
  }
  const lost = [];
  const broken = [];
  for (const [slug, why] of mustExist) {
    const a = dump.bySlug.get(slug);
    if (!a) lost.push(`${slug} (acknowledged by ${why}) is missing`);
  }
  for (const [slug, a] of dump.bySlug) {
    const state = ref.O.get(slug)?.hash === a.hash ? 'O' : ref.V.get(slug)?.hash === a.hash ? 'V' : null;
    if (!state) {
      broken.push(slug);
      continue;
    }
    const may = allowed(slug);
    if (!may.has(state)) {
      lost.push(`${slug} is ${state === 'O' ? 'the original' : 'the variant'}, but may only be ${[...may].join(' or ')} (last acknowledged by ${mustExist.get(slug) || 'nothing'})`);
    }
    if (idOf.has(slug) && idOf.get(slug) !== a.id) lost.push(`${slug} has id ${a.id}, acknowledged with id ${idOf.get(slug)}`);
    // What is seen now is durable: it is the state from here on.
    idOf.set(slug, a.id);
    possible.set(slug, new Set([state]));
    if (!mustExist.has(slug)) mustExist.set(slug, `an earlier check (${label})`);
  }
  H.check(`${label}: acknowledged present`, lost.length === 0, () => `${lost.length} lost: ${lost.slice(0, 5).join('; ')}`);
  H.check(`${label}: whole`, broken.length === 0, () => `${broken.length} articles not whole: ` + broken.slice(0, 3).map((slug) => {
    const got = articlesBySlug(CRASH, { full: true, where: `a.slug = '${slug}'` }).bySlug?.get(slug)?.canon || '?';
    return `${slug} is ${got.slice(0, 400)}; want ${(ref.O.get(slug)?.canon || 'no such reference').slice(0, 400)}`;
  }).join('; '));
  const cons = consistencyProblems(CRASH);
  H.check(`${label}: index`, cons.length === 0, () => cons.join('; '));
  stats.checks++;
  stats.checkMs += Date.now() - tc;
  return dump;
}

// ---- the loop -------------------------------------------------------------

let landed = 0;
let runs = 0;
const MAX_RUNS = KILLS * 3;
while (landed < KILLS && runs < MAX_RUNS) {
  runs++;
  // The first writer is always an import (serve needs a schema); then a
  // random mix, kept within 4 kills of even.
  const d = stats.importKills - stats.serveKills;
  const kind = runs === 1 || d < -4 ? 'import' : d > 4 ? 'serve' : rng() < 0.5 ? 'import' : 'serve';
  const res = kind === 'import' ? await importVictim(runs) : await serveVictim(runs);
  if (process.env.CRASH_VERBOSE) H.info(`run ${runs}: ${res.what}`);
  if (res.landed) {
    landed++;
    checkAfter(`kill ${landed} (run ${runs}, ${kind})`);
  }
}
H.check('kills', landed >= KILLS, `only ${landed} of ${KILLS} kills landed on a running writer in ${runs} runs`);

// ---- a clean run ------------------------------------------------------------

{
  const r = await importAll(CRASH, [dirs.essays, dirs.posts]);
  const summary = r.out.trim().split('\n').at(-1);
  importAcks(r.out.split('\n').filter(Boolean), 'clean import');
  H.check('clean import: exit 0', r.code === 0, () => `exit ${r.code}/${r.signal}: ${r.err.slice(0, 500)}`);
  H.check('clean import: no stderr', r.err.trim() === '', () => r.err.slice(0, 500));
  H.info(`clean import: ${summary}`);
  checkAfter('after the clean import');
  const dump = articlesBySlug(CRASH);
  const diff = [];
  if (dump.ok) {
    for (const [slug, want] of ref.O) {
      const a = dump.bySlug.get(slug);
      if (!a) diff.push(`${slug} missing`);
      else if (a.hash !== want.hash || a.sha !== want.sha) diff.push(`${slug} differs from REF`);
    }
    for (const slug of dump.bySlug.keys()) if (!ref.O.has(slug)) diff.push(`${slug} is not in REF`);
  } else diff.push(dump.err);
  H.check('clean import: CRASH.db equals REF.db', diff.length === 0, () => `${diff.length} differences: ${diff.slice(0, 5).join('; ')}`);
}

H.info(`${landed} kills in ${runs} runs (${stats.importKills} imports, ${stats.serveKills} servers; ${stats.importDone} imports finished before their kill, ` +
  `${stats.serveNoSchema} servers found no schema yet; import kills after none/some/all of the slice was acknowledged: ${stats.importAckedKills.join('/')}); acknowledged import lines: ${stats.acks.imported} imported, ${stats.acks.replaced} replaced, ` +
  `${stats.acks.unchanged} unchanged (the clean import's included); POSTs: ${stats.posted} answered 201, ${stats.conflicts} 409 (resent after a kill took the answer, or after all ${N_POSTS} were sent), ` +
  `${retryPosts.length} answers lost at the end; ${stats.checks} check rounds, ${Math.round(stats.checkMs / Math.max(1, stats.checks))} ms each; ` +
  `${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
H.finish();

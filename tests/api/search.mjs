// search.mjs — API tests of full-text search, facets and corpus statistics
// (issue 4), registered into run.mjs's harness:
//
//   import { registerSearchTests } from './search.mjs';
//   registerSearchTests({ test, req, startServer, stopServer, ... });
//
// They run on a database of their own: db/corpus, tests/fixtures/api/*.txt
// and the search fixtures in tests/fixtures/api/search/ (small essays made
// for ranking, stemming, diacritics, text outside the BMP, filters and a
// re-import), served by a second `essayd serve`. The main database keeps the
// set of articles the other tests count on. Every response still goes through
// openapi-check (req() of run.mjs). Facet counts and statistics are checked
// against direct SQL on that database file with the sqlite3 command-line tool.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';

// ---------------------------------------------------------------------------
// Text helpers (offsets: code points and UTF-16 units).

const cpSlice = (s, a, b) => Array.from(s).slice(a, b).join('');
const cpLength = (s) => Array.from(s).length;
const enc = (s) => encodeURIComponent(s);
// What the index folds: case and diacritics (unicode61 remove_diacritics 2).
const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const tokens = (s) => fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
const sortNum = (a) => [...a].sort((x, y) => x - y);
const slugify = (s) => fold(s).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

// The fixture essays (tests/fixtures/api/search/) by slug.
const SLUG = {
  lighthouse: 'lighthouse-keepers-of-the-harbour', // Maritime History, 2021
  ports: 'ports-tides-and-trade', // Economics, 2022
  stone: 'stone-and-fruit', // Maritime History, 2021
  cafe: 'cafe-society-and-the-zurich-exchange', // Economics, 2023
  crew: 'letters-from-the-crew', // Culture, 2022; changed by the re-import test
  homeless: 'notes-without-a-home', // no Note, no category
  long: 'many-hands-make-long-citations', // an endnote author of 1028 bytes
};

// Simple word tests for the oracles of the list filters: does a folded
// token of the text stand for the query word?
const WORDS = {
  harbour: (t) => t === 'harbour',
  lighthouse: (t) => t === 'lighthouse',
  granite: (t) => t === 'granite',
  cafe: (t) => t === 'cafe',
  zeppelin: (t) => t === 'zeppelin',
  korea: (t) => t === 'korea',
  coastal: (t) => t === 'coastal',
  marsh: (t) => t === 'marsh',
  negotiate: (t) => /^negotiat(e|es|ed|ing|ion|ions)$/.test(t),
};
const hasWord = (text, word) => text != null && tokens(text).some(WORDS[word]);

export function registerSearchTests(h) {
  const { test, req, startServer, stopServer, BIN, FIXTURE_DIR, baseFiles, IMPORT_LINE, tmpDir } = h;
  const SEARCH_DIR = path.join(FIXTURE_DIR, 'search');
  const searchFiles = readdirSync(SEARCH_DIR).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(SEARCH_DIR, f));
  const X = {}; // this file's state: db, server, base, articles, claims, endnotes

  const need = (...keys) => {
    for (const k of keys) if (X[k] === undefined) throw new Error(`skipped: the search setup did not provide ${k}`);
  };
  const get = (p, opts = {}) => req('GET', p, { ...opts, base: X.base });
  async function getJson(p, status = 200) {
    const r = await get(p);
    assert.equal(r.status, status, `GET ${short(p)}: status ${r.status}, want ${status}: ${r.text.slice(0, 300)}`);
    return r.json;
  }
  const short = (p) => (p.length > 140 ? `${p.slice(0, 120)}…(${p.length} chars)` : p);

  // Follows meta.next to the end, checking every page's meta.
  async function walk(first) {
    const rows = [];
    const seen = new Set();
    let next = first;
    let total = null;
    let pages = 0;
    while (next !== null) {
      assert.ok(++pages <= 1000, `walk ${first}: more than 1000 pages`);
      const j = await getJson(next);
      if (total === null) total = j.meta.total;
      assert.equal(j.meta.total, total, `walk ${first}: meta.total changed at ${next}`);
      rows.push(...j.data);
      if (j.meta.next !== null) {
        assert.ok(j.data.length > 0, `walk ${first}: an empty page at ${next} has a next link`);
        assert.equal(j.meta.next.split('?')[0], first.split('?')[0], `walk ${first}: next ${j.meta.next} leaves the route`);
        assert.ok(!seen.has(j.meta.next), `walk ${first}: next link ${j.meta.next} repeats`);
        seen.add(j.meta.next);
      }
      next = j.meta.next;
    }
    assert.equal(rows.length, total, `walk ${first}: ${rows.length} rows for meta.total ${total}`);
    return { rows, total };
  }
  const hitKey = (x) => `${x.type}:${x.id}`;
  const searchAll = async (qs) => (await walk(`/v1/search?${qs}&limit=500`)).rows;

  async function expectInvalid(p, name, reason) {
    const r = await get(p);
    assert.equal(r.status, 400, `GET ${short(p)}: ${r.status}, want 400: ${r.text.slice(0, 200)}`);
    assert.match(r.contentType, /^application\/problem\+json\b/, `GET ${short(p)}: Content-Type`);
    const j = r.json;
    assert.equal(j.type, '/problems/invalid-parameter', `GET ${short(p)}: type`);
    const named = (j.invalid_params || []).find((x) => x.name === name);
    assert.ok(named, `GET ${short(p)}: invalid_params ${JSON.stringify(j.invalid_params)} does not name ${name}`);
    if (reason) assert.match(named.reason, reason, `GET ${short(p)}: reason for ${name}`);
    return j;
  }

  // Direct SQL on the suite's search database, with the sqlite3 tool.
  function sql(query, { write = false } = {}) {
    const args = ['-bail', '-json', ...(write ? [] : ['-readonly']), X.db, query];
    const r = spawnSync('sqlite3', args, { encoding: 'utf8', timeout: 15_000 });
    if (r.error) throw new Error(`sqlite3 (the command-line tool, Debian package sqlite3) could not run: ${r.error.message}`);
    assert.equal(r.status, 0, `sqlite3 ${query}: exit ${r.status}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : [];
  }
  const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;
  const ftsWord = (w) => lit(`"${w}"`); // one word as an FTS5 string

  function runImport(files) {
    const r = spawnSync(BIN, ['import', '--db', X.db, ...files], { encoding: 'utf8', timeout: 30_000 });
    if (r.error) throw r.error;
    const lines = {};
    for (const line of r.stdout.split('\n')) {
      const m = IMPORT_LINE.exec(line.trim());
      if (m) lines[path.basename(m[2])] = { action: m[1], id: Number(m[3]), slug: m[4] };
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines };
  }

  async function loadCorpus() {
    const list = (await walk('/v1/articles?limit=500')).rows;
    X.articles = {};
    X.articlesById = new Map();
    for (const s of list) {
      const a = await getJson(`/v1/articles/${s.id}`);
      X.articles[a.slug] = a;
      X.articlesById.set(a.id, a);
    }
    X.claims = Object.values(X.articles).flatMap((a) => a.claims).sort((x, y) => x.id - y.id);
    X.endnotes = Object.values(X.articles).flatMap((a) => a.endnotes).sort((x, y) => x.id - y.id);
    X.claimsById = new Map(X.claims.map((c) => [c.id, c]));
    X.endnotesById = new Map(X.endnotes.map((e) => [e.id, e]));
  }
  const art = (key) => {
    need('articles');
    const a = X.articles[SLUG[key] || key];
    assert.ok(a, `no article ${SLUG[key] || key}`);
    return a;
  };
  const claimWith = (text) => {
    const c = X.claims.find((x) => x.text.includes(text));
    assert.ok(c, `no claim containing ${JSON.stringify(text)}`);
    return c;
  };

  // -------------------------------------------------------------------------
  // Setup.

  test('search setup: the corpus, the API fixtures and the search fixtures in a second database, served', async () => {
    assert.ok(searchFiles.length >= 6, `expected the search fixtures in ${SEARCH_DIR}`);
    X.db = path.join(tmpDir(), 'search.db');
    X.files = [...baseFiles, ...searchFiles];
    const r = runImport(X.files);
    assert.equal(r.status, 0, `import exited ${r.status}: ${r.stderr}`);
    for (const f of X.files) assert.equal(r.lines[path.basename(f)]?.action, 'imported', `${path.basename(f)}: ${r.stdout}`);
    X.server = await startServer(['--quiet'], { db: X.db });
    X.base = X.server.base;
    await loadCorpus();
    for (const slug of Object.values(SLUG)) assert.ok(X.articles[slug], `fixture ${slug} is not served`);
  });

  test('search fixtures: the essays are what the ranking tests assume', async () => {
    need('articles');
    assert.equal(art('lighthouse').category_slug, 'maritime-history');
    assert.equal(art('ports').category_slug, 'economics');
    assert.equal(art('homeless').category, null);
    // The phrase test: two claims of eight words each, each word once; the
    // one with the words apart comes first (a tie in bm25 would favour it).
    const apart = claimWith('granite wall');
    const together = claimWith('granite orchard');
    assert.equal(tokens(apart.text).length, 8);
    assert.equal(tokens(together.text).length, 8);
    assert.ok(apart.id < together.id && apart.article_id === together.article_id, 'the scattered claim comes first');
    // "lighthouse": in one title, and in one claim of another article.
    assert.ok(/lighthouse/i.test(art('lighthouse').title));
    assert.equal(X.claims.filter((c) => hasWord(c.text, 'lighthouse')).map((c) => c.article_id).join(), String(art('ports').id));
    assert.ok(!X.endnotes.some((e) => /lighthouse/i.test(`${e.title} ${e.author} ${e.publisher}`)), 'lighthouse in an endnote');
    // Stemming and diacritics: no literal "negotiate", "café" and "cafe" both.
    assert.ok(!X.claims.some((c) => /\bnegotiate\b/i.test(c.text)));
    assert.ok(X.claims.some((c) => /\bnegotiations\b/.test(c.text)));
    const claimWords = X.claims.flatMap((c) => c.text.split(/[^\p{L}\p{N}]+/u));
    assert.ok(claimWords.includes('café') && claimWords.includes('cafe'), 'a claim with café and one with cafe');
  });

  // -------------------------------------------------------------------------
  // Ranking, stemming, diacritics.

  test('search ranking: a title hit ranks above a body hit for the same word', async () => {
    need('articles');
    const hits = await searchAll('q=lighthouse');
    assert.deepEqual(hits.map(hitKey), [`article:${art('lighthouse').id}`, `claim:${claimWith('old lighthouse').id}`], 'q=lighthouse');
    assert.ok(hits[0].score > hits[1].score, `scores ${hits[0].score} vs ${hits[1].score}`);
    const cafe = await searchAll('q=cafe');
    assert.equal(hitKey(cafe[0]), `article:${art('cafe').id}`, `q=cafe: the title "Café Society ..." first: ${JSON.stringify(cafe.map(hitKey))}`);
    assert.ok(cafe.slice(1).every((x) => x.type === 'claim' && x.score < cafe[0].score), 'q=cafe: body hits after the title hit');
  });

  test('search ranking: a phrase outranks the same words scattered (q=granite orchard)', async () => {
    need('articles');
    const together = claimWith('granite orchard');
    const apart = claimWith('granite wall');
    const hits = await searchAll(`q=${enc('granite orchard')}`);
    assert.deepEqual(sortNum(hits.map((x) => x.id)), sortNum([together.id, apart.id]), 'both claims match the two words');
    assert.equal(hits[0].id, together.id,
      `the claim with "granite orchard" must rank first; got ${JSON.stringify(hits.map((x) => ({ id: x.id, snippet: x.snippet, score: x.score })))}`);
    assert.ok(hits[0].score > hits[1].score, `the phrase's score ${hits[0].score} must exceed the scattered words' ${hits[1].score}`);
  });

  test('search: "exact phrase" finds the words together only', async () => {
    need('articles');
    const hits = await searchAll(`q=${enc('"granite orchard"')}`);
    assert.deepEqual(hits.map(hitKey), [`claim:${claimWith('granite orchard').id}`]);
    const m = hits[0].marks;
    assert.deepEqual(m.map((x) => cpSlice(hits[0].snippet, x.start, x.end)), ['granite orchard'], 'the phrase is one mark');
    const none = await searchAll(`q=${enc('"orchard granite"')}`);
    assert.deepEqual(none, [], 'the words in the other order');
  });

  test('search: stemming — negotiate finds negotiations (and negotiating)', async () => {
    need('articles');
    const hits = await searchAll('q=negotiate');
    const want = X.claims.filter((c) => hasWord(c.text, 'negotiate')).map((c) => c.id);
    assert.ok(want.includes(claimWith('Trade negotiations').id));
    assert.deepEqual(sortNum(hits.filter((x) => x.type === 'claim').map((x) => x.id)), sortNum(want), 'claims with a form of negotiate');
    const marked = hits.flatMap((x) => x.marks.map((m) => cpSlice(x.snippet, m.start, m.end).toLowerCase()));
    assert.ok(marked.includes('negotiations'), `marks: ${JSON.stringify(marked)}`);
    const claims = await walk('/v1/claims?q=negotiate&limit=500');
    assert.deepEqual(claims.rows.map((c) => c.id), sortNum(want), '/v1/claims?q=negotiate');
  });

  // The language says prefix* finds words beginning with the prefix. The
  // index holds Porter stems, so a prefix longer than a word's stem
  // ("negotiati" vs the stem "negoti" of "negotiations") must still find it.
  test('search: prefix* finds every word that begins with the prefix', async () => {
    need('articles');
    const cases = [
      ['lighth*', 'lighthouse'],
      ['granit*', 'granite'],
      ['zepp*', 'zeppelin'],
      ['kor*', 'korea'],
      ['negot*', 'negotiations'],
      ['negotiati*', 'negotiations'],
      ['diplomati*', 'diplomatic'],
      ['capabilit*', 'capabilities'],
      ['administrati*', 'administration'],
    ];
    const errs = [];
    for (const [q, word] of cases) {
      const hits = await searchAll(`q=${enc(q)}`);
      const marked = hits.flatMap((x) => x.marks.map((m) => fold(cpSlice(x.snippet, m.start, m.end))));
      if (!marked.includes(word)) errs.push(`q=${q}: ${hits.length} hits, none marking "${word}" (marks ${JSON.stringify([...new Set(marked)].slice(0, 6))})`);
      for (const m of marked) if (!m.startsWith(q.slice(0, -1).slice(0, 4))) errs.push(`q=${q}: marks "${m}"`);
    }
    assert.deepEqual(errs, []);
  });

  test('search: diacritics are folded — cafe finds café, CAFÉ finds cafe, zurich finds Zürich', async () => {
    need('articles');
    const plain = await searchAll('q=cafe');
    const accented = await searchAll(`q=${enc('café')}`);
    const upper = await searchAll(`q=${enc('CAFÉ')}`);
    const want = [`article:${art('cafe').id}`, `claim:${claimWith('A café').id}`, `claim:${claimWith('in a cafe').id}`].sort();
    assert.deepEqual(plain.map(hitKey).sort(), want, 'q=cafe');
    assert.deepEqual(accented.map(hitKey), plain.map(hitKey), 'q=café');
    assert.deepEqual(upper.map(hitKey), plain.map(hitKey), 'q=CAFÉ');
    const marked = plain.flatMap((x) => x.marks.map((m) => cpSlice(x.snippet, m.start, m.end)));
    assert.ok(marked.includes('café') && marked.includes('cafe') && marked.includes('Café'), `marks ${JSON.stringify(marked)}`);
    const z = await searchAll('q=zurich');
    assert.deepEqual(z.map(hitKey), [`article:${art('cafe').id}`], 'q=zurich');
    assert.equal(cpSlice(z[0].snippet, z[0].marks[0].start, z[0].marks[0].end), 'Zürich');
  });

  // -------------------------------------------------------------------------
  // Snippets and marks.

  const MARK_CASES = [
    ['lighthouse', (m) => m === 'lighthouse'],
    ['harbour', (m) => m === 'harbour'],
    ['negotiate', (m) => m.startsWith('negotiat')],
    ['cafe', (m) => m === 'cafe'],
    ['zurich', (m) => m === 'zurich'],
    ['"granite orchard"', (m) => m === 'granite orchard'],
    // Plain words are also asked for as a phrase (the phrase boost), so
    // where they stand together the mark is the phrase.
    ['granite orchard', (m) => m === 'granite' || m === 'orchard' || m === 'granite orchard'],
    ['harbour OR lighthouse', (m) => m === 'harbour' || m === 'lighthouse'],
    ['𠮷野家', (m) => m === '𠮷野家'],
    ['𝒜lgebra', (m) => m === '𝒜lgebra'],
    ['quietly', (m) => m === 'quietly'],
    ['korea', (m) => m === 'korea'],
    ['diplomacy', (m) => m === 'diplomacy'],
    ['emoji', (m) => m === 'emoji'],
    ['globes', (m) => m === 'globes'],
    ['marsh', (m) => m === 'marsh'],
    ['coastal', (m) => m === 'coastal'],
  ];

  // The text a hit's snippet is cut from: a claim's text, an article's
  // title, an endnote's title or its author and publisher.
  function hitSources(x) {
    if (x.type === 'claim') return [X.claimsById.get(x.id)?.text];
    if (x.type === 'article') return [X.articlesById.get(x.id)?.title];
    const e = X.endnotesById.get(x.id);
    return e ? [e.title, `${e.author ?? ''} ${e.publisher ?? ''}`] : [];
  }

  test('search snippets: contain the matched words; every mark slices them out in code points and in UTF-16', async () => {
    need('articles');
    const errs = [];
    let nonBmpBefore = 0;
    let nonBmpInside = 0;
    for (const [q, ok] of MARK_CASES) {
      const hits = await searchAll(`q=${enc(q)}`);
      if (hits.length === 0) errs.push(`q=${q}: no hits`);
      for (const x of hits) {
        const what = `q=${q} ${x.type} ${x.id}`;
        if (x.marks.length === 0) errs.push(`${what}: no marks in ${JSON.stringify(x.snippet)}`);
        const body = x.snippet.replace(/^…/, '').replace(/…$/, '');
        if (!hitSources(x).some((s) => s && s.includes(body))) errs.push(`${what}: snippet ${JSON.stringify(x.snippet)} is not cut from the hit's text`);
        let prev = 0;
        for (const m of x.marks) {
          const cp = cpSlice(x.snippet, m.start, m.end);
          const u16 = x.snippet.slice(m.start_utf16, m.end_utf16);
          if (!(m.start < m.end && m.start >= prev && m.end <= cpLength(x.snippet))) errs.push(`${what}: mark ${JSON.stringify(m)} out of order or range`);
          prev = m.end;
          if (cp !== u16) errs.push(`${what}: code points give ${JSON.stringify(cp)}, UTF-16 ${JSON.stringify(u16)}`);
          if (!ok(fold(cp))) errs.push(`${what}: mark ${JSON.stringify(m)} is ${JSON.stringify(cp)} in ${JSON.stringify(x.snippet)}`);
          // The UTF-16 offsets are the code points before the mark, counted in UTF-16.
          if (m.start_utf16 !== Array.from(x.snippet).slice(0, m.start).join('').length) errs.push(`${what}: start_utf16 ${m.start_utf16}`);
          if (m.start_utf16 !== m.start) nonBmpBefore++;
          if (m.end_utf16 - m.start_utf16 !== m.end - m.start) nonBmpInside++;
        }
      }
    }
    assert.ok(nonBmpBefore > 0, 'no mark after text outside the BMP');
    assert.ok(nonBmpInside > 0, 'no mark holding text outside the BMP');
    assert.deepEqual(errs, []);
  });

  test('search snippets: text outside the BMP — exact offsets for 🚀 ☄️ 🌍 quietly and 𝒜lgebra', async () => {
    need('articles');
    const [q] = await searchAll('q=quietly');
    assert.equal(q.snippet, 'Rockets 🚀 and comets ☄️ streak past 🌍 quietly.');
    assert.deepEqual(q.marks, [{ start: 38, end: 45, start_utf16: 40, end_utf16: 47 }]);
    const [a] = await searchAll(`q=${enc('𝒜lgebra')}`);
    assert.equal(a.snippet, 'The 𝒜lgebra of interest rates is 𝒜lgebra all the same.');
    assert.deepEqual(a.marks, [
      { start: 4, end: 11, start_utf16: 4, end_utf16: 12 },
      { start: 33, end: 40, start_utf16: 34, end_utf16: 42 },
    ]);
  });

  test('search hits: each names a real article, claim or endnote, and the article it belongs to', async () => {
    need('articles');
    const errs = [];
    for (const q of ['harbour', 'korea', 'diplomacy OR bridges', 'cafe']) {
      for (const x of await searchAll(`q=${enc(q)}`)) {
        const a = X.articlesById.get(x.article.id);
        if (!a) {
          errs.push(`q=${q} ${hitKey(x)}: no article ${x.article.id}`);
          continue;
        }
        if (x.article.slug !== a.slug || x.article.title !== a.title) errs.push(`q=${q} ${hitKey(x)}: article ${JSON.stringify(x.article)}`);
        const owner = x.type === 'article' ? x.id : (x.type === 'claim' ? X.claimsById : X.endnotesById).get(x.id)?.article_id;
        if (owner !== a.id) errs.push(`q=${q} ${hitKey(x)}: belongs to ${owner}, hit says ${a.id}`);
        if (typeof x.score !== 'number' || !Number.isFinite(x.score) || x.score <= 0) errs.push(`q=${q} ${hitKey(x)}: score ${x.score}`);
      }
    }
    const c = (await searchAll('q=harbour&type=claim'))[0];
    const one = await getJson(`/v1/claims/${c.id}`);
    assert.ok(hasWord(one.text, 'harbour'), `claim ${c.id}: ${one.text}`);
    assert.deepEqual(errs, []);
  });

  // -------------------------------------------------------------------------
  // Paging and exports.

  test('search paging: limit=1, 2, 3 visit every hit once, best first, ties included; exports agree', async () => {
    need('articles');
    const errs = [];
    const show = (rows) => JSON.stringify(rows.map(hitKey));
    for (const q of ['harbour', 'granite orchard', 'harbour OR korea']) {
      const all = await getJson(`/v1/search?q=${enc(q)}&limit=500`);
      assert.equal(all.meta.next, null);
      const keys = all.data.map(hitKey);
      assert.equal(new Set(keys).size, keys.length, `q=${q}: a hit twice`);
      assert.equal(all.meta.total, all.data.length, `q=${q}: meta.total`);
      for (let i = 1; i < all.data.length; i++) assert.ok(all.data[i - 1].score >= all.data[i].score, `q=${q}: not best first at ${i}`);
      for (const limit of [1, 2, 3]) {
        // Follow meta.next by hand, so that a lost or repeated hit is
        // reported with the pages rather than stopping the walk.
        const rows = [];
        let next = `/v1/search?q=${enc(q)}&limit=${limit}`;
        for (let pages = 0; next !== null && pages < 200; pages++) {
          const j = await getJson(next);
          if (j.meta.total !== all.meta.total) errs.push(`q=${q} limit=${limit}: meta.total ${j.meta.total} at ${next}`);
          rows.push(...j.data);
          next = j.meta.next;
        }
        if (show(rows) !== show(all.data)) {
          const got = new Set(rows.map(hitKey));
          const lost = all.data.filter((x) => !got.has(hitKey(x))).map((x) => `${hitKey(x)} (score ${x.score}, tied: ${all.data.filter((y) => y.score === x.score).length > 1})`);
          errs.push(`GET /v1/search?q=${q}&limit=${limit}, following meta.next: ${rows.length} hits for meta.total ${all.meta.total}; lost ${lost.join(', ') || 'none'}; order ${show(rows)}`);
        }
      }
      const nd = await get(`/v1/search?q=${enc(q)}&format=ndjson`);
      assert.equal(nd.status, 200);
      assert.deepEqual(nd.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), all.data, `q=${q}: NDJSON export`);
      const csv = await get(`/v1/search?q=${enc(q)}&format=csv`);
      assert.equal(csv.status, 200);
      const recs = parseCsv(csv.text, { record_delimiter: '\r\n' });
      assert.deepEqual(recs[0], ['type', 'id', 'article', 'snippet', 'marks', 'score'], 'CSV header');
      assert.deepEqual(recs.slice(1).map((r) => [r[0], Number(r[1]), JSON.parse(r[2]), r[3], Number(r[5])]),
        all.data.map((x) => [x.type, x.id, x.article, x.snippet, x.score]), `q=${q}: CSV export`);
      const capped = await get(`/v1/search?q=${enc(q)}&format=ndjson&limit=2`);
      assert.equal(capped.text.split('\n').filter(Boolean).length, Math.min(2, all.data.length), 'an export capped by limit');
    }
    // An export started from a page's cursor continues where the page ended.
    const all = await getJson('/v1/search?q=harbour&limit=500');
    for (const n of [1, 4]) {
      const page = await getJson(`/v1/search?q=harbour&limit=${n}`);
      const cursor = new URL(page.meta.next, 'http://x').searchParams.get('cursor');
      const rest = await get(`/v1/search?q=harbour&format=ndjson&cursor=${cursor}`);
      const rows = rest.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (show(rows) !== show(all.data.slice(n))) errs.push(`export from the cursor after ${n} hits: ${show(rows)}, want ${show(all.data.slice(n))}`);
    }
    assert.deepEqual(errs, []);
  });

  test('search: fields=, type=, limit=, format= and a missing q', async () => {
    need('articles');
    const j = await getJson('/v1/search?q=harbour&fields=type,id,score&limit=3');
    assert.ok(j.data.every((x) => JSON.stringify(Object.keys(x)) === '["type","id","score"]'), JSON.stringify(j.data));
    const full = await getJson('/v1/search?q=harbour&limit=3');
    assert.deepEqual(j.data, full.data.map(({ type, id, score }) => ({ type, id, score })));
    assert.ok(j.meta.next.includes('fields='), 'next keeps fields=');
    const csv = await get('/v1/search?q=harbour&fields=score,id&format=csv');
    assert.equal(csv.text.split('\r\n')[0], 'score,id', 'CSV columns in the order given');
    await expectInvalid('/v1/search', 'q', /required/);
    await expectInvalid('/v1/search?type=claim', 'q', /required/);
    await expectInvalid('/v1/search?q=harbour&fields=nope', 'fields', /nope/);
    await expectInvalid('/v1/search?q=harbour&type=paragraph', 'type');
    await expectInvalid('/v1/search?q=harbour&type=', 'type');
    await expectInvalid('/v1/search?q=harbour&limit=0', 'limit');
    await expectInvalid('/v1/search?q=harbour&limit=501', 'limit');
    await expectInvalid('/v1/search?q=harbour&format=csl', 'format');
    await expectInvalid('/v1/search?q=harbour&sort=score', 'sort');
    await expectInvalid('/v1/search?q=harbour&q=korea', 'q');
    await expectInvalid('/v1/search?q=harbour&category=', 'category');
    await expectInvalid('/v1/search?q=harbour&article=', 'article');
    const ndj = await get('/v1/search?q=harbour', { headers: { accept: 'application/x-ndjson' } });
    assert.match(ndj.contentType, /^application\/x-ndjson/);
    const nope = await get('/v1/search?q=harbour', { headers: { accept: 'image/png' } });
    assert.equal(nope.status, 406);
  });

  test('search cursors: foreign, forged and stale cursors are a 400 or a page, never a 5xx', async () => {
    need('articles');
    const before = (await getJson('/v1/search?q=harbour')).meta.total;
    const cursorOf = (next) => new URL(next, 'http://x').searchParams.get('cursor');
    const other = cursorOf((await getJson('/v1/search?q=korea&limit=1')).meta.next);
    const claims = cursorOf((await getJson('/v1/claims?limit=1')).meta.next);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = [
      other,
      claims,
      b64({ s: 'rank', k: 'abc', id: 1 }),
      b64({ s: 'rank', k: '1e999', id: 1 }),
      b64({ s: 'rank', k: '-1e999', id: 9007199254740991 }),
      b64({ s: 'rank', k: 'nan', id: -1 }),
      b64({ s: 'rank', k: '', id: 0 }),
      b64({ s: 'rank', k: "'; DROP TABLE search; --", id: 1 }),
      b64({ s: 'rank', k: 5, id: 1 }),
      b64({ s: 'rank', id: 1 }),
      b64({ s: 'id', id: 1 }),
      b64([1, 2]),
      'x'.repeat(5000),
    ];
    const errs = [];
    for (const c of forged) {
      const r = await get(`/v1/search?q=harbour&limit=2&cursor=${c}`);
      if (r.status === 400) {
        if (!r.json.invalid_params.some((x) => x.name === 'cursor')) errs.push(`cursor ${c}: 400 not naming cursor`);
      } else if (r.status !== 200) errs.push(`cursor ${c}: ${r.status}`);
    }
    assert.equal(errs.length, 0, errs.join('; '));
    await expectInvalid(`/v1/search?q=harbour&cursor=${claims}`, 'cursor');
    assert.equal((await getJson('/v1/search?q=harbour')).meta.total, before, 'the index after forged cursors');
  });

  // -------------------------------------------------------------------------
  // Filters.

  test('search filters: every combination of type, article (id, slug, unknown) and category (name, slug, unknown)', async () => {
    need('articles');
    const lh = art('lighthouse');
    const ports = art('ports');
    const types = [null, 'article', 'claim', 'endnote'];
    const articles = [null, [String(lh.id), lh.id], [ports.slug, ports.id], ['no-such-article', -1], ['999999', -1]];
    const categories = [null, ['Maritime History', 'maritime-history'], ['economics', 'economics'], ['No Such Category', 'no-such-category']];
    const errs = [];
    let nonEmpty = 0;
    for (const q of ['harbour', 'harbour OR korea OR cafe']) {
      const full = await searchAll(`q=${enc(q)}`);
      for (const t of types) {
        for (const a of articles) {
          for (const c of categories) {
            const qs = [`q=${enc(q)}`, t && `type=${t}`, a && `article=${enc(a[0])}`, c && `category=${enc(c[0])}`].filter(Boolean).join('&');
            const want = full.filter((x) => (!t || x.type === t) && (!a || x.article.id === a[1]) &&
              (!c || X.articlesById.get(x.article.id).category_slug === c[1]));
            const got = await searchAll(qs);
            if (want.length) nonEmpty++;
            const pick = (rows) => rows.map((x) => `${hitKey(x)}@${x.score}`);
            if (JSON.stringify(pick(got)) !== JSON.stringify(pick(want))) errs.push(`${qs}: got ${JSON.stringify(pick(got))}, want ${JSON.stringify(pick(want))}`);
          }
        }
      }
    }
    assert.ok(nonEmpty > 40, `only ${nonEmpty} combinations have hits`);
    assert.deepEqual(errs.slice(0, 5), [], `${errs.length} combinations differ`);
  });

  test('q on /v1/claims and /v1/articles/{a}/claims combines with cited, statistic, domain, publisher, article', async () => {
    need('claims');
    const domainsOf = (c) => c.endnote_ids.filter((x) => x !== null).map((id) => X.endnotesById.get(id));
    const errs = [];
    let checked = 0;
    for (const word of ['harbour', 'negotiate', 'korea']) {
      const matching = X.claims.filter((c) => hasWord(c.text, word));
      const hits = (await searchAll(`q=${word}&type=claim`)).map((x) => x.id);
      if (JSON.stringify(sortNum(hits)) !== JSON.stringify(matching.map((c) => c.id))) errs.push(`q=${word}: /v1/search type=claim ${JSON.stringify(sortNum(hits))}, want ${JSON.stringify(matching.map((c) => c.id))}`);
      for (const cited of [null, true, false]) {
        for (const stat of [null, true, false]) {
          for (const domain of [null, 'maritime-archive.org', 'portnews.co.uk', 'bbc.com']) {
            const qs = [`q=${word}`, cited !== null && `cited=${cited}`, stat !== null && `statistic=${stat}`, domain && `domain=${domain}`].filter(Boolean).join('&');
            const want = matching.filter((c) => (cited === null || c.cited === cited) && (stat === null || c.statistic === stat) &&
              (!domain || domainsOf(c).some((e) => e.domain === domain))).map((c) => c.id);
            const got = await walk(`/v1/claims?${qs}&limit=3`);
            checked++;
            if (JSON.stringify(got.rows.map((c) => c.id)) !== JSON.stringify(want)) errs.push(`/v1/claims?${qs}: ${JSON.stringify(got.rows.map((c) => c.id))}, want ${JSON.stringify(want)}`);
          }
        }
      }
    }
    const harbour = X.claims.filter((c) => hasWord(c.text, 'harbour'));
    const lh = art('lighthouse');
    const more = [
      [`/v1/claims?q=harbour&publisher=${enc('Coastal Press')}`, harbour.filter((c) => domainsOf(c).some((e) => e.publisher === 'Coastal Press'))],
      [`/v1/claims?q=harbour&article=${lh.slug}`, harbour.filter((c) => c.article_id === lh.id)],
      [`/v1/claims?q=harbour&article=${lh.id}&statistic=true`, harbour.filter((c) => c.article_id === lh.id && c.statistic)],
      [`/v1/claims?q=harbour&normative=false&quote=false`, harbour.filter((c) => !c.normative && !c.quote)],
      [`/v1/claims?q=harbour&expand=endnotes`, harbour],
      [`/v1/articles/${lh.slug}/claims?q=harbour`, harbour.filter((c) => c.article_id === lh.id)],
      [`/v1/articles/${lh.id}/claims?q=harbour&cited=true`, harbour.filter((c) => c.article_id === lh.id && c.cited)],
      [`/v1/articles/${lh.id}/claims?q=korea`, []],
      [`/v1/claims?q=${enc('harbour -lighthouse -keepers')}`, harbour.filter((c) => !/lighthouse|keepers/i.test(c.text))],
      [`/v1/claims?q=${enc('"harbour wall"')}`, [claimWith('harbour wall')]],
    ];
    for (const [p, want] of more) {
      const got = await walk(`${p}&limit=2`);
      checked++;
      if (JSON.stringify(got.rows.map((c) => c.id)) !== JSON.stringify(want.map((c) => c.id))) errs.push(`${p}: ${JSON.stringify(got.rows.map((c) => c.id))}, want ${JSON.stringify(want.map((c) => c.id))}`);
    }
    const ex = await getJson('/v1/claims?q=harbour&expand=endnotes&cited=true&limit=500');
    assert.ok(ex.data.every((c) => Array.isArray(c.endnotes_expanded) && c.endnotes_expanded.length > 0), 'expand=endnotes with q');
    assert.ok(checked > 100);
    assert.deepEqual(errs, []);
  });

  test('q on /v1/endnotes and /v1/articles/{a}/endnotes combines with domain, publisher, year, n, article; citations too', async () => {
    need('endnotes');
    const text = (e) => `${e.title ?? ''} ${e.author ?? ''} ${e.publisher ?? ''}`;
    const errs = [];
    for (const word of ['harbour', 'coastal', 'marsh', 'korea']) {
      const matching = X.endnotes.filter((e) => hasWord(text(e), word));
      if (matching.length === 0) errs.push(`q=${word}: the fixtures have no such endnote`);
      const hits = (await searchAll(`q=${word}&type=endnote`)).map((x) => x.id);
      if (JSON.stringify(sortNum(hits)) !== JSON.stringify(matching.map((e) => e.id))) errs.push(`q=${word}: /v1/search type=endnote ${JSON.stringify(sortNum(hits))}`);
      for (const domain of [null, 'maritime-archive.org', 'portnews.co.uk', 'bbc.com', 'nope.example']) {
        for (const publisher of [null, 'Coastal Press', 'Port News']) {
          for (const year of [null, '2021', '2019']) {
            const qs = [`q=${word}`, domain && `domain=${domain}`, publisher && `publisher=${enc(publisher)}`, year && `year=${year}`].filter(Boolean).join('&');
            const want = matching.filter((e) => (!domain || e.domain === domain) && (!publisher || e.publisher === publisher) &&
              (!year || (e.date || '').startsWith(year))).map((e) => e.id);
            const got = await walk(`/v1/endnotes?${qs}&limit=2`);
            if (JSON.stringify(got.rows.map((e) => e.id)) !== JSON.stringify(want)) errs.push(`/v1/endnotes?${qs}: ${JSON.stringify(got.rows.map((e) => e.id))}, want ${JSON.stringify(want)}`);
          }
        }
      }
    }
    const lh = art('lighthouse');
    const harbour = X.endnotes.filter((e) => hasWord(text(e), 'harbour'));
    const more = [
      [`/v1/endnotes?q=harbour&article=${lh.slug}`, harbour.filter((e) => e.article_id === lh.id)],
      [`/v1/endnotes?q=harbour&n=3`, harbour.filter((e) => e.n === 3)],
      [`/v1/articles/${lh.slug}/endnotes?q=harbour`, harbour.filter((e) => e.article_id === lh.id)],
      [`/v1/articles/${lh.id}/endnotes?q=${enc('harbour -fees')}`, harbour.filter((e) => e.article_id === lh.id && !/fees/.test(e.title))],
      [`/v1/endnotes?q=${enc('"sea data institute"')}`, X.endnotes.filter((e) => e.publisher === 'Sea Data Institute')],
    ];
    for (const [p, want] of more) {
      const got = await walk(`${p}&limit=2`);
      if (JSON.stringify(got.rows.map((e) => e.id)) !== JSON.stringify(want.map((e) => e.id))) errs.push(`${p}: ${JSON.stringify(got.rows.map((e) => e.id))}, want ${JSON.stringify(want.map((e) => e.id))}`);
    }
    const csl = await get(`/v1/articles/${lh.id}/endnotes?q=harbour&format=csl`);
    assert.equal(csl.status, 200);
    assert.deepEqual(csl.json.map((i) => i.id), harbour.filter((e) => e.article_id === lh.id).sort((a, b) => a.n - b.n).map((e) => `essayd-endnote-${e.id}`), 'CSL-JSON with q');
    assert.deepEqual(errs, []);
  });

  test('q on /v1/articles combines with category, year, venue and sort', async () => {
    need('articles');
    const matches = (a, word) => hasWord(a.title, word) || a.paragraphs.some((p) => hasWord(p.text, word));
    const arts = Object.values(X.articles);
    const errs = [];
    let nonEmpty = 0;
    for (const word of ['harbour', 'lighthouse', 'granite', 'cafe', 'zeppelin', 'korea', 'negotiate']) {
      for (const cat of [null, 'Maritime History', 'economics', 'national-security-intelligence']) {
        for (const year of [null, '2021', '2022', '2018']) {
          const qs = [`q=${word}`, cat && `category=${enc(cat)}`, year && `year=${year}`].filter(Boolean).join('&');
          const want = arts.filter((a) => matches(a, word) && (!cat || a.category_slug === slugify(cat)) &&
            (!year || (a.published || '').startsWith(year))).map((a) => a.id);
          const got = await walk(`/v1/articles?${qs}&sort=title&limit=2`);
          if (want.length) nonEmpty++;
          if (JSON.stringify(sortNum(got.rows.map((a) => a.id))) !== JSON.stringify(sortNum(want))) errs.push(`/v1/articles?${qs}: ${JSON.stringify(got.rows.map((a) => a.slug))}, want ${JSON.stringify(want.map((id) => X.articlesById.get(id).slug))}`);
          const titles = got.rows.map((a) => a.title);
          if (JSON.stringify(titles) !== JSON.stringify([...titles].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)))) errs.push(`/v1/articles?${qs}&sort=title: not by title`);
        }
      }
    }
    const v = await getJson(`/v1/articles?q=harbour&venue=${enc('Harbour Review')}&limit=500`);
    assert.deepEqual(sortNum(v.data.map((a) => a.id)), sortNum([art('lighthouse').id, art('stone').id]), 'q with venue');
    assert.ok(nonEmpty >= 20, `only ${nonEmpty} combinations match`);
    assert.deepEqual(errs, []);
  });

  // "Plain words (all must match)": on /v1/articles the thing that matches
  // is an article, so words in different paragraphs (or in the title and a
  // paragraph) of one essay must find it.
  test('q on /v1/articles: every word must occur in the article, not all in one paragraph', async () => {
    need('articles');
    const lh = art('lighthouse');
    const errs = [];
    for (const q of ['keepers negotiations', 'lighthouse generations', 'romanticise lamps']) {
      const j = await getJson(`/v1/articles?q=${enc(q)}`);
      if (!j.data.some((a) => a.id === lh.id)) errs.push(`GET /v1/articles?q=${q}: ${JSON.stringify(j.data.map((a) => a.slug))}, want ${lh.slug} (its title and paragraphs hold every word)`);
    }
    assert.deepEqual(errs, []);
  });

  // -------------------------------------------------------------------------
  // Hostile input: always a 200 or a 400 naming q, never a 5xx; FTS5 syntax is
  // searched for as words, never interpreted.

  const words = (n) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
  // [label, q as sent (percent-encoded), expectation]: 200, 400 with a
  // reason, or 'either'; `same` names a q whose hits these must equal,
  // `total` the number of hits.
  const HOSTILE = [
    ['unbalanced quote', enc('"harbour'), { status: 200, same: 'harbour' }],
    ['quote at the end', enc('harbour"'), { status: 200, same: 'harbour' }],
    ['lone *', enc('*'), { status: 400, reason: /has no words/ }],
    ['** and ***', enc('** ***'), { status: 400, reason: /has no words/ }],
    ['AND AND', enc('AND AND'), { status: 'either' }],
    ['x AND y (AND is a word)', enc('lighthouse AND harbour'), { status: 200, total: 0 }],
    ['x NOT y (NOT is a word)', enc('lighthouse NOT keepers'), { status: 200, total: 0 }],
    ['FTS5 column filter title:x', enc('title:lighthouse'), { status: 200, total: 0 }],
    ['FTS5 column filter body:x', enc('body:harbour'), { status: 200, total: 0 }],
    ['FTS5 column set {title body}:x', enc('{title body}:harbour'), { status: 200, total: 0 }],
    ['FTS5 kind:x on an UNINDEXED column', enc('kind:claim'), { status: 200, total: 0 }],
    ['NEAR(a b)', enc('NEAR(granite orchard)'), { status: 200, total: 0 }],
    ['NEAR(a b, 5)', enc('NEAR(granite orchard, 5)'), { status: 200, total: 0 }],
    ['^x (initial token)', enc('^lighthouse'), { status: 200, same: 'lighthouse' }],
    ['parentheses', enc('(lighthouse)'), { status: 200, same: 'lighthouse' }],
    ['unbalanced parentheses', enc('((( harbour'), { status: 200, same: 'harbour' }],
    ['only parentheses', enc('(((('), { status: 400, reason: /has no words/ }],
    ['prefix in the middle', enc('har*bour'), { status: 200, total: 0 }],
    ['leading *', enc('*harbour'), { status: 200, same: 'harbour' }],
    ['control character %01', '%01', { status: 400, reason: /control characters/ }],
    ['control character inside a word', 'harbour%07bell', { status: 400, reason: /control characters/ }],
    ['escape sequence', '%1B%5B31mharbour', { status: 400, reason: /control characters/ }],
    ['DEL', 'harbour%7F', { status: 400, reason: /control characters/ }],
    ['CR LF', 'harbour%0D%0Alighthouse', { status: 400, reason: /control characters/ }],
    ['tab separates words', 'lighthouse%09harbour', { status: 200, total: 2 }],
    ['10 KB', enc('harbour '.repeat(1280)), { status: 400, reason: /longer than 1000 bytes/ }],
    ['1001 bytes', 'a'.repeat(1001), { status: 400, reason: /longer than 1000 bytes/ }],
    ['1000 bytes, one word', 'a'.repeat(1000), { status: 200, total: 0 }],
    ['1000 bytes of é', enc('é'.repeat(500)), { status: 200, total: 0 }],
    ['emoji only', enc('😀🚀 🌍'), { status: 400, reason: /has no words/ }],
    ['emoji with a word', enc('🚀quietly'), { status: 200, same: 'quietly' }],
    ['only excluded words', enc('-harbour -lighthouse'), { status: 400, reason: /excludes words but has none to find/ }],
    ['only an excluded phrase', enc('-"harbour wall"'), { status: 400, reason: /excludes words/ }],
    ['a word and itself excluded', enc('harbour -harbour'), { status: 200, total: 0 }],
    ['40 terms', enc(words(40)), { status: 400, reason: /more than 32 terms/ }],
    ['33 terms', enc(words(33)), { status: 400, reason: /more than 32 terms/ }],
    ['32 terms', enc(words(32)), { status: 200, total: 0 }],
    ['32 prefix terms', enc(Array.from({ length: 32 }, (_, i) => `p${i}*`).join(' ')), { status: 200 }],
    ['OR at the start', enc('OR harbour'), { status: 200, same: 'harbour' }],
    ['OR at the end', enc('harbour OR'), { status: 200, same: 'harbour' }],
    ['OR alone', enc('OR'), { status: 400, reason: /has no words/ }],
    ['OR OR OR', enc('OR OR OR'), { status: 400, reason: /has no words/ }],
    ['OR before an excluded word', enc('lighthouse OR -keepers'), { status: 200, total: 1 }],
    ['lower-case or is a word', enc('lighthouse or harbour'), { status: 200, total: 0 }],
    ['SQL quote and semicolon', enc("harbour'; DROP TABLE search; --"), { status: 200 }],
    ["' OR 1=1 --", enc("' OR 1=1 --"), { status: 'either' }],
    ['SQL comment', enc('harbour /* x */'), { status: 200 }],
    ['backslashes', enc('\\harbour\\'), { status: 200, same: 'harbour' }],
    ['only backslashes', enc('\\\\ \\'), { status: 400, reason: /has no words/ }],
    ['NUL %00', '%00', { status: 400, reason: /NUL/ }],
    ['NUL after a word', 'harbour%00', { status: 400, reason: /NUL/ }],
    ['invalid UTF-8 %ff', '%ff', { status: 400, reason: /UTF-8/ }],
    ['truncated UTF-8', 'harbour%c3', { status: 400, reason: /UTF-8/ }],
    ['overlong UTF-8', '%c0%af', { status: 400, reason: /UTF-8/ }],
    ['UTF-16 surrogate in UTF-8', '%ed%a0%80', { status: 400, reason: /UTF-8/ }],
    ['empty', '', { status: 400, reason: /must not be empty/ }],
    ['empty phrase', enc('""'), { status: 400, reason: /has no words/ }],
    ['three quotes', enc('"""'), { status: 400, reason: /has no words/ }],
    ['empty phrase and a word', enc('"" harbour'), { status: 200, same: 'harbour' }],
    ['quotes inside a word', enc('har"bour'), { status: 'either' }],
    ['lone -', enc('-'), { status: 400, reason: /has no words/ }],
    ['double minus', enc('--harbour'), { status: 400, reason: /excludes words/ }],
    ['trailing -', enc('harbour -'), { status: 200, same: 'harbour' }],
    ['+ and &', enc('+harbour &&'), { status: 200, same: 'harbour' }],
    ['white space only (ideographic space)', enc('\u3000 \u2003'), { status: 400, reason: /has no words/ }],
    ['zero-width space', enc('\u200B'), { status: 400, reason: /has no words/ }],
    ['right-to-left override', enc('\u202Eharbour'), { status: 'either' }],
    ['combining mark alone', enc('\u0301'), { status: 'either' }],
    ['variation selector alone', enc('\uFE0F'), { status: 'either' }],
    ['noncharacter U+FFFF', enc('\uFFFF'), { status: 'either' }],
    ['private use character', enc('\uE000'), { status: 'either' }],
    ['percent signs', enc('100% harbour%'), { status: 200 }],
    ['a colon alone', enc(':'), { status: 400, reason: /has no words/ }],
  ];

  test(`search: ${HOSTILE.length} hostile q values each answer 200 or a 400 naming q, as expected, on every endpoint with q`, async () => {
    need('articles');
    const lh = art('lighthouse');
    const before = (await getJson('/v1/search?q=harbour')).meta.total;
    const errs = [];
    const hitsOf = async (q) => (await searchAll(`q=${enc(q)}`)).map(hitKey);
    for (const [label, qv, want] of HOSTILE) {
      const p = `/v1/search?q=${qv}&limit=500`;
      let r;
      try {
        r = await get(p);
      } catch (e) {
        errs.push(`${label}: ${e.message}`);
        continue;
      }
      if (r.status === 400) {
        const named = (r.json.invalid_params || []).find((x) => x.name === 'q');
        if (!named) errs.push(`${label}: 400 not naming q: ${r.text.slice(0, 200)}`);
        else if (want.reason && !want.reason.test(named.reason)) errs.push(`${label}: reason "${named.reason}", want ${want.reason}`);
      } else if (r.status !== 200) {
        errs.push(`${label}: status ${r.status}`);
        continue;
      }
      if (want.status !== 'either' && r.status !== want.status) {
        errs.push(`${label} (q=${short(qv)}): ${r.status}, want ${want.status}: ${r.text.slice(0, 160)}`);
        continue;
      }
      if (r.status === 200) {
        if (want.total !== undefined && r.json.meta.total !== want.total) errs.push(`${label}: ${r.json.meta.total} hits, want ${want.total}: ${JSON.stringify(r.json.data.map(hitKey))}`);
        if (want.same && JSON.stringify(r.json.data.map(hitKey).sort()) !== JSON.stringify((await hitsOf(want.same)).sort())) errs.push(`${label}: hits differ from q=${want.same}`);
      }
      // Every other endpoint with q compiles it alike.
      for (const other of [`/v1/claims?q=${qv}`, `/v1/endnotes?q=${qv}`, `/v1/articles?q=${qv}`, `/v1/facets?q=${qv}`,
        `/v1/articles/${lh.id}/claims?q=${qv}`, `/v1/articles/${lh.slug}/endnotes?q=${qv}&format=csl`]) {
        let o;
        try {
          o = await get(other);
        } catch (e) {
          errs.push(`${label}: ${e.message}`);
          continue;
        }
        if (o.status !== r.status) errs.push(`${label}: GET ${short(other)} → ${o.status}, /v1/search → ${r.status}`);
        else if (o.status === 400 && !(o.json.invalid_params || []).some((x) => x.name === 'q')) errs.push(`${label}: GET ${short(other)}: 400 not naming q`);
      }
    }
    // q given twice is a 400 too; and the server is still whole.
    await expectInvalid('/v1/search?q=harbour&q=korea', 'q', /more than once/);
    assert.equal((await getJson('/healthz')).status, 'ok');
    assert.equal((await getJson('/v1/search?q=harbour')).meta.total, before, 'q=harbour after the hostile table');
    assert.equal(sql("SELECT count(*) AS n FROM sqlite_master WHERE name = 'search'")[0].n, 1, 'the search table is still there');
    assert.deepEqual(errs, []);
  });

  // An endnote's author and publisher are indexed together. A very long
  // author list must neither push the publisher out of the index nor leave a
  // cut UTF-8 sequence that breaks the snippet.
  test('search: an endnote with a 1 KB author list — its last author word and its publisher are found, no 5xx', async () => {
    need('articles');
    const e = art('long').endnotes[0];
    assert.ok(Buffer.byteLength(e.author) > 1000 && e.publisher === 'Palimpsest Verlag', `fixture endnote: ${e.author.length} ${e.publisher}`);
    const errs = [];
    for (const [q, word] of [['quixotic', 'Quixotic'], ['palimpsest', 'Palimpsest'], ['"palimpsest verlag"', 'Palimpsest Verlag']]) {
      const r = await get(`/v1/search?q=${enc(q)}`).catch((err) => ({ status: 'error', text: err.message }));
      if (r.status !== 200) {
        errs.push(`GET /v1/search?q=${q}: ${r.status}: ${r.text.slice(0, 200)}`);
        continue;
      }
      const hit = r.json.data.find((x) => x.type === 'endnote' && x.id === e.id);
      if (!hit) errs.push(`GET /v1/search?q=${q}: the endnote ${e.id} is not found (${r.json.meta.total} hits)`);
      else if (!hit.marks.some((m) => cpSlice(hit.snippet, m.start, m.end) === word)) errs.push(`q=${q}: marks ${JSON.stringify(hit.marks)} in ${JSON.stringify(hit.snippet)}`);
      const en = await get(`/v1/endnotes?q=${enc(q)}`).catch((err) => ({ status: 'error', text: err.message }));
      if (en.status !== 200 || !en.json.data.some((x) => x.id === e.id)) errs.push(`GET /v1/endnotes?q=${q}: ${en.status} ${en.text.slice(0, 120)}`);
    }
    assert.deepEqual(errs, []);
  });

  // -------------------------------------------------------------------------
  // Facets and statistics against direct SQL.

  // The facets the server should give for these filters, read straight from
  // the database file.
  function facetsBySql({ q, category, year, article } = {}) {
    const conds = [];
    if (category) conds.push(`a.category_slug = ${lit(slugify(category))}`);
    if (year) conds.push(`substr(a.published, 1, 4) = ${lit(year)}`);
    if (article) conds.push(/^[0-9]+$/.test(article) ? `a.id = ${Number(article)}` : `a.id = (SELECT id FROM articles WHERE slug = ${lit(article)})`);
    const where = (extra) => ['1', ...conds, ...(q ? [extra] : [])].join(' AND ');
    const qa = `a.id IN (SELECT article_id FROM search WHERE search MATCH ${ftsWord(q)} AND kind IN ('article', 'document'))`;
    const qe = `e.id IN (SELECT ref FROM search WHERE search MATCH ${ftsWord(q)} AND kind = 'endnote')`;
    const qc = `c.id IN (SELECT ref FROM search WHERE search MATCH ${ftsWord(q)} AND kind = 'claim')`;
    const E = 'endnotes e JOIN articles a ON a.id = e.article_id';
    const flags = sql(`SELECT count(*) AS claims, coalesce(sum(c.cited), 0) AS cited, coalesce(sum(c.quote), 0) AS quote,
      coalesce(sum(c.statistic), 0) AS statistic, coalesce(sum(c.normative), 0) AS normative,
      coalesce(sum(c.statistic AND NOT c.cited), 0) AS uncited_statistic
      FROM claims c JOIN articles a ON a.id = c.article_id WHERE ${where(qc)}`)[0];
    return {
      categories: sql(`SELECT a.category AS value, count(*) AS count, a.category_slug AS slug FROM articles a WHERE ${where(qa)} GROUP BY a.category_slug`),
      years: sql(`SELECT substr(a.published, 1, 4) AS value, count(*) AS count FROM articles a WHERE ${where(qa)} GROUP BY 1`),
      endnote_domains: sql(`SELECT e.domain AS value, count(*) AS count FROM ${E} WHERE ${where(qe)} GROUP BY 1`),
      endnote_publishers: sql(`SELECT e.publisher AS value, count(*) AS count FROM ${E} WHERE ${where(qe)} GROUP BY 1`),
      endnote_years: sql(`SELECT substr(e.date, 1, 4) AS value, count(*) AS count FROM ${E} WHERE ${where(qe)} GROUP BY 1`),
      claim_flags: flags,
    };
  }
  const byValue = (rows) => [...rows].sort((x, y) => String(x.value).localeCompare(String(y.value)));
  const cmpNullLast = (x, y) => (x === null ? 1 : y === null ? -1 : x < y ? 1 : x > y ? -1 : 0);

  const FACET_FILTERS = [
    {},
    { q: 'harbour' },
    { q: 'korea' },
    { q: 'coastal' },
    { q: 'zeppelin' },
    { category: 'Maritime History' },
    { category: 'economics', q: 'harbour' },
    { category: 'national-security-intelligence' },
    { category: 'No Such Category' },
    { year: '2021' },
    { year: '2022', q: 'harbour' },
    { year: '1999' },
    { article: SLUG.lighthouse },
    { article: SLUG.ports, q: 'harbour' },
    { q: 'lighthouse', year: '2021', category: 'maritime-history' },
    { article: 'no-such-article' },
  ];

  test(`facets: counts equal direct SQL counts on the database file, for ${FACET_FILTERS.length} filter sets`, async () => {
    need('articles');
    const errs = [];
    for (const f of FACET_FILTERS) {
      const qs = Object.entries(f).map(([k, v]) => `${k}=${enc(v)}`).join('&');
      const p = `/v1/facets${qs ? `?${qs}` : ''}`;
      const got = await getJson(p);
      const want = facetsBySql(f);
      for (const k of ['categories', 'years', 'endnote_domains', 'endnote_publishers', 'endnote_years']) {
        if (JSON.stringify(byValue(got[k])) !== JSON.stringify(byValue(want[k]))) errs.push(`${p} ${k}: ${JSON.stringify(byValue(got[k]))}, SQL ${JSON.stringify(byValue(want[k]))}`);
      }
      if (JSON.stringify(got.claim_flags) !== JSON.stringify(want.claim_flags)) errs.push(`${p} claim_flags: ${JSON.stringify(got.claim_flags)}, SQL ${JSON.stringify(want.claim_flags)}`);
      // The documented orders.
      for (const k of ['categories', 'endnote_domains', 'endnote_publishers']) {
        for (let i = 1; i < got[k].length; i++) if (got[k][i - 1].count < got[k][i].count) errs.push(`${p} ${k}: not most first`);
      }
      for (const k of ['years', 'endnote_years']) {
        const vals = got[k].map((x) => x.value);
        if (JSON.stringify(vals) !== JSON.stringify([...vals].sort(cmpNullLast))) errs.push(`${p} ${k}: ${JSON.stringify(vals)} not latest first, null last`);
      }
    }
    assert.deepEqual(errs, []);
  });

  test('facets: each count is the total of the list it stands for (with the same q and filters)', async () => {
    need('articles');
    const errs = [];
    const total = async (p) => (await getJson(p)).meta.total;
    for (const f of [{}, { q: 'harbour' }, { q: 'harbour', category: 'maritime-history' }, { year: '2022' }]) {
      const qs = Object.entries(f).map(([k, v]) => `${k}=${enc(v)}`).join('&');
      const amp = qs ? `&${qs}` : '';
      const fa = await getJson(`/v1/facets?${qs}`);
      // Claims and endnotes filter by article, not by category or year; only
      // compare them when those are not given.
      for (const c of fa.categories) {
        if (c.slug === null) continue;
        const n = await total(`/v1/articles?category=${c.slug}${f.q ? `&q=${f.q}` : ''}${f.year ? `&year=${f.year}` : ''}`);
        if (n !== c.count) errs.push(`facets?${qs} category ${c.slug}: ${c.count}, /v1/articles says ${n}`);
      }
      for (const y of fa.years) {
        if (y.value === null) continue;
        const n = await total(`/v1/articles?year=${y.value}${f.q ? `&q=${f.q}` : ''}${f.category ? `&category=${f.category}` : ''}`);
        if (n !== y.count) errs.push(`facets?${qs} year ${y.value}: ${y.count}, /v1/articles says ${n}`);
      }
      if (f.category || f.year) continue;
      const qq = f.q ? `q=${f.q}&` : '';
      for (const d of fa.endnote_domains) {
        if (d.value === null) continue;
        const n = await total(`/v1/endnotes?${qq}domain=${enc(d.value)}`);
        if (n !== d.count) errs.push(`facets?${qs} domain ${d.value}: ${d.count}, /v1/endnotes says ${n}`);
      }
      for (const d of fa.endnote_publishers) {
        if (d.value === null) continue;
        const n = await total(`/v1/endnotes?${qq}publisher=${enc(d.value)}`);
        if (n !== d.count) errs.push(`facets?${qs} publisher ${d.value}: ${d.count}, /v1/endnotes says ${n}`);
      }
      for (const d of fa.endnote_years) {
        if (d.value === null) continue;
        const n = await total(`/v1/endnotes?${qq}year=${d.value}`);
        if (n !== d.count) errs.push(`facets?${qs} endnote year ${d.value}: ${d.count}, /v1/endnotes says ${n}`);
      }
      const cf = fa.claim_flags;
      const checks = [['claims', ''], ['cited', 'cited=true'], ['quote', 'quote=true'], ['statistic', 'statistic=true'],
        ['normative', 'normative=true'], ['uncited_statistic', 'statistic=true&cited=false']];
      for (const [k, filter] of checks) {
        const n = await total(`/v1/claims?${qq}${filter}`);
        if (n !== cf[k]) errs.push(`facets?${qs} claim_flags.${k}: ${cf[k]}, /v1/claims says ${n}`);
      }
    }
    await expectInvalid('/v1/facets?q=*', 'q', /has no words/);
    await expectInvalid('/v1/facets?year=21', 'year');
    await expectInvalid('/v1/facets?limit=5', 'limit');
    await expectInvalid('/v1/facets?format=csv', 'format');
    await expectInvalid('/v1/facets?category=', 'category');
    assert.deepEqual(errs, []);
  });

  test('stats: totals equal direct SQL counts on the database file and the lists\' totals', async () => {
    need('articles');
    const s = await getJson('/v1/stats');
    const one = (q) => Object.values(sql(q)[0])[0];
    const want = {
      articles: one('SELECT count(*) FROM articles'),
      paragraphs: one('SELECT count(*) FROM paragraphs'),
      claims: one('SELECT count(*) FROM claims'),
      endnotes: one('SELECT count(*) FROM endnotes'),
      words: one('SELECT coalesce(sum(word_count), 0) FROM articles'),
      cited_claims: one('SELECT count(*) FROM claims WHERE cited'),
      statistics: one('SELECT count(*) FROM claims WHERE statistic'),
      uncited_statistics: one('SELECT count(*) FROM claims WHERE statistic AND NOT cited'),
    };
    const { cited_share, most_cited_domains, ...counts } = s;
    assert.deepEqual(counts, want, 'counts');
    assert.ok(Math.abs(cited_share - want.cited_claims / want.claims) < 1e-12, `cited_share ${cited_share}`);
    const top = sql(`SELECT e.domain AS value, count(DISTINCT ce.claim_id) AS count FROM claim_endnotes ce
      JOIN endnotes e ON e.id = ce.endnote_id WHERE e.domain IS NOT NULL GROUP BY e.domain`).sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : 1));
    assert.deepEqual(most_cited_domains, top.slice(0, 10), 'most_cited_domains');
    // The same totals through the API.
    const arts = Object.values(X.articles);
    assert.equal(s.articles, arts.length);
    assert.equal(s.paragraphs, arts.reduce((n, a) => n + a.paragraphs.length, 0));
    assert.equal(s.words, arts.reduce((n, a) => n + a.word_count, 0));
    assert.equal(s.claims, (await getJson('/v1/claims?limit=1')).meta.total);
    assert.equal(s.endnotes, (await getJson('/v1/endnotes?limit=1')).meta.total);
    assert.equal(s.cited_claims, (await getJson('/v1/claims?cited=true&limit=1')).meta.total);
    assert.equal(s.uncited_statistics, (await getJson('/v1/claims?statistic=true&cited=false&limit=1')).meta.total);
    const f = await getJson('/v1/facets');
    assert.equal(f.claim_flags.claims, s.claims);
    assert.equal(f.claim_flags.uncited_statistic, s.uncited_statistics);
    await expectInvalid('/v1/stats?q=harbour', 'q');
    await expectInvalid('/v1/stats?pretty=maybe', 'pretty');
  });

  // -------------------------------------------------------------------------
  // The index follows a re-import, while the server runs.

  const indexRows = (articleId) => sql(`SELECT kind, count(*) AS n FROM search WHERE article_id = ${articleId} GROUP BY kind ORDER BY kind`);
  const wantRows = (a) => [
    { kind: 'article', n: 1 }, { kind: 'claim', n: a.claims.length }, { kind: 'document', n: 1 },
    { kind: 'endnote', n: a.endnotes.length },
  ].filter((r) => r.n > 0);
  function orphans() {
    return sql(`SELECT kind, ref, article_id FROM search WHERE
      (kind IN ('article', 'document') AND (ref <> article_id OR ref NOT IN (SELECT id FROM articles))) OR
      (kind = 'claim' AND ref NOT IN (SELECT id FROM claims WHERE article_id = search.article_id)) OR
      (kind = 'endnote' AND ref NOT IN (SELECT id FROM endnotes WHERE article_id = search.article_id)) OR
      kind NOT IN ('article', 'document', 'claim', 'endnote')`);
  }

  test('search index after an unchanged re-import: nothing changes', async () => {
    need('articles');
    const rows = sql('SELECT count(*) AS n FROM search')[0].n;
    const before = await getJson('/v1/search?q=harbour&limit=500');
    const r = runImport(X.files);
    assert.equal(r.status, 0, r.stderr);
    for (const f of X.files) assert.equal(r.lines[path.basename(f)]?.action, 'unchanged', `${path.basename(f)}: ${r.stdout}`);
    assert.equal(sql('SELECT count(*) AS n FROM search')[0].n, rows, 'rows in the index');
    assert.deepEqual(await getJson('/v1/search?q=harbour&limit=500'), before);
    const counted = sql('SELECT 2 * (SELECT count(*) FROM articles) + (SELECT count(*) FROM claims) + (SELECT count(*) FROM endnotes) AS n')[0].n;
    assert.equal(rows, counted, 'two index rows per article (title; whole text), one per claim and endnote');
    assert.deepEqual(orphans(), [], 'index rows pointing nowhere');
  });

  test('search index after re-importing a changed essay: a removed word is gone, a new word is found, nothing is stale', async () => {
    need('articles');
    const crew = art('crew');
    const file = path.join(SEARCH_DIR, 's5-zeppelin.txt');
    const src = readFileSync(file, 'utf8');
    const changed = src
      .replace('A zeppelin drifted over the harbour at dawn.', 'A dirigible drifted over the harbour at dawn.')
      .replace('Crowds gathered to watch it pass.', 'Crowds gathered to watch it pass. A quokka watched from the pier.')
      .replace('The last zeppelin flight', 'The last airship flight')
      .replaceAll('skyreview.net/zeppelin', 'skyreview.net/airship');
    assert.ok(!/zeppelin/i.test(changed) && changed !== src, 'the test\'s edit of the fixture');
    const total = async (p) => (await getJson(p)).meta.total;
    // Before: zeppelin is found in a claim, an endnote, the article; the new words are not.
    assert.deepEqual((await searchAll('q=zeppelin')).map((x) => x.type).sort(), ['claim', 'endnote']);
    for (const w of ['dirigible', 'quokka', 'airship']) assert.equal(await total(`/v1/search?q=${w}`), 0, `q=${w} before`);
    const harbourHere = await searchAll(`q=harbour&article=${crew.slug}`);
    const crowds = await searchAll('q=crowds');
    const etag = (await get('/v1/search?q=zeppelin')).headers.etag;

    const tmpFile = path.join(tmpDir(), 's5-zeppelin.txt');
    writeFileSync(tmpFile, changed);
    const r = runImport([tmpFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.lines['s5-zeppelin.txt'] && [r.lines['s5-zeppelin.txt'].action, r.lines['s5-zeppelin.txt'].id], ['replaced', crew.id], r.stdout);

    const errs = [];
    const expectTotal = async (p, n) => {
      const t = await total(p);
      if (t !== n) errs.push(`GET ${p}: total ${t}, want ${n}`);
    };
    // The removed word, everywhere q works.
    await expectTotal('/v1/search?q=zeppelin', 0);
    await expectTotal('/v1/claims?q=zeppelin', 0);
    await expectTotal('/v1/endnotes?q=zeppelin', 0);
    await expectTotal('/v1/articles?q=zeppelin', 0);
    await expectTotal(`/v1/articles/${crew.id}/claims?q=zeppelin`, 0);
    const fz = await getJson('/v1/facets?q=zeppelin');
    if (fz.claim_flags.claims !== 0 || fz.endnote_domains.length !== 0 || fz.categories.length !== 0) errs.push(`facets?q=zeppelin: ${JSON.stringify(fz)}`);
    if ((await get('/v1/search?q=zeppelin')).headers.etag === etag) errs.push('the ETag of q=zeppelin did not change');
    // The new words, with the new ids.
    const now = await getJson(`/v1/articles/${crew.id}`);
    const dirigible = await searchAll('q=dirigible');
    const newClaim = now.claims.find((c) => c.text.includes('dirigible'));
    if (JSON.stringify(dirigible.map(hitKey)) !== JSON.stringify([`claim:${newClaim?.id}`])) errs.push(`q=dirigible: ${JSON.stringify(dirigible.map(hitKey))}, want claim ${newClaim?.id}`);
    const quokka = await searchAll('q=quokka');
    const quokkaClaim = now.claims.find((c) => c.text.includes('quokka'));
    if (JSON.stringify(quokka.map(hitKey)) !== JSON.stringify([`claim:${quokkaClaim?.id}`])) errs.push(`q=quokka: ${JSON.stringify(quokka.map(hitKey))}`);
    const airship = await searchAll('q=airship');
    if (JSON.stringify(airship.map(hitKey)) !== JSON.stringify([`endnote:${now.endnotes.find((e) => e.n === 1).id}`])) errs.push(`q=airship: ${JSON.stringify(airship.map(hitKey))}`);
    await expectTotal('/v1/claims?q=quokka', 1);
    await expectTotal('/v1/endnotes?q=airship', 1);
    await expectTotal('/v1/articles?q=quokka', 1);
    // Words that stayed are found once, not twice.
    const harbourAfter = await searchAll(`q=harbour&article=${crew.slug}`);
    if (harbourAfter.length !== harbourHere.length) errs.push(`q=harbour&article=${crew.slug}: ${harbourAfter.length} hits, before ${harbourHere.length}`);
    if ((await searchAll('q=crowds')).length !== crowds.length) errs.push('q=crowds: the count changed');
    for (const x of [...harbourAfter, ...dirigible, ...quokka]) {
      const ok = x.type === 'claim' ? now.claims.some((c) => c.id === x.id) : now.endnotes.some((e) => e.id === x.id);
      if (!ok) errs.push(`${hitKey(x)}: not a claim or endnote of the article any more (a stale index row)`);
    }
    const rows = indexRows(crew.id);
    if (JSON.stringify(rows) !== JSON.stringify(wantRows(now))) errs.push(`index rows of the article: ${JSON.stringify(rows)}, want ${JSON.stringify(wantRows(now))}`);
    const orph = orphans();
    if (orph.length) errs.push(`index rows pointing nowhere: ${JSON.stringify(orph.slice(0, 5))}`);
    const integrity = spawnSync('sqlite3', [X.db, "INSERT INTO search(search) VALUES('integrity-check')"], { encoding: 'utf8', timeout: 15_000 });
    if (integrity.status !== 0) errs.push(`FTS5 integrity-check: ${integrity.stderr}`);

    // And back: the original file restores the original index.
    const back = runImport([file]);
    assert.equal(back.lines['s5-zeppelin.txt']?.action, 'replaced', back.stdout);
    await expectTotal('/v1/search?q=zeppelin', 2);
    await expectTotal('/v1/search?q=quokka', 0);
    await expectTotal('/v1/search?q=dirigible', 0);
    await loadCorpus();
    assert.deepEqual(errs, []);
  });

  test('search server: stops cleanly on SIGTERM, nothing from the sanitizers', async () => {
    need('server');
    await stopServer(X.server);
  });
}

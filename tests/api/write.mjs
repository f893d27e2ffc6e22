// write.mjs — API tests of publishing over HTTP (issue 5): POST, PUT and
// DELETE on /v1/articles, the bearer token, If-Match, the body limits and
// every error a client can cause, registered into run.mjs's harness:
//
//   import { registerWriteTests } from './write.mjs';
//   registerWriteTests({ test, req, raw, startServer, stopServer, ... });
//
// They run on a database of their own (the seed essay, imported with the
// CLI), served by `essayd serve --token-file` with a small --max-body, and
// by a second, read-only server on the same file. Every response goes
// through openapi-check (req() and raw() of run.mjs). After each refused
// write the database is compared with the sqlite3 tool: a refused write
// changes nothing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const TOKEN = 'c0ffee'.repeat(8) + 'essayd-test-token';
const MAX_BODY = 65536;

// An essay in the text format; `tag` makes its words unique.
function essayText(title, tag, { slug, extra = '' } = {}) {
  return [
    title,
    '',
    ...(slug ? [`Slug: ${slug}`] : []),
    'Author: Ada Writer',
    'Category: Test Essays',
    'Note: This piece was originally published at Test Quarterly on March 3, 2024.',
    '',
    `The ${tag} report found that 40 percent of ports had closed.[1] Officials must act before winter.`,
    '',
    `“We will not wait for the ${tag} storm to pass,” the minister said.[2]`,
    ...(extra ? ['', extra] : []),
    '',
    'Endnotes:',
    '',
    `[1] Doe, J. (2023, May 2). The ${tag} report. Harbour News. Retrieved from https://news.example.co.uk/${tag}`,
    '[2] Roe, R. (2024). Storm season. Weather Weekly. https://weather.example.com/storm',
    '',
  ].join('\n');
}

export function registerWriteTests(h) {
  const { test, req, raw, startServer, stopServer, BIN, CORPUS_FILES, tmpDir } = h;
  const W = {}; // this file's state: db, server, base, roServer, roBase
  const need = (...keys) => {
    for (const k of keys) if (W[k] === undefined) throw new Error(`skipped: the write setup did not provide ${k}`);
  };
  const auth = { authorization: `Bearer ${TOKEN}` };
  const TEXT = { 'content-type': 'text/plain; charset=utf-8' };
  const JSONCT = { 'content-type': 'application/json' };
  const send = (method, p, { headers = {}, body, base = W.base } = {}) => req(method, p, { headers, body, base });

  function sql(query) {
    const r = spawnSync('sqlite3', ['-bail', '-json', '-readonly', W.db, query], { encoding: 'utf8', timeout: 15_000 });
    if (r.error) throw new Error(`sqlite3 could not run: ${r.error.message}`);
    assert.equal(r.status, 0, `sqlite3 ${query}: exit ${r.status}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : [];
  }
  // What a refused write must leave alone: every row that matters.
  function fingerprint() {
    return JSON.stringify(
      sql(`SELECT (SELECT value FROM meta WHERE key = 'generation') AS g,
                  (SELECT group_concat(id || ':' || slug || ':' || version, ',') FROM articles) AS a,
                  (SELECT count(*) FROM claims) AS c, (SELECT count(*) FROM endnotes) AS e,
                  (SELECT count(*) FROM search) AS s`),
    );
  }
  function problem(r, status, type, what) {
    assert.equal(r.status, status, `${what}: ${r.status}, want ${status}: ${r.text.slice(0, 300)}`);
    assert.match(r.contentType, /^application\/problem\+json\b/, `${what}: Content-Type ${r.contentType}`);
    const j = r.json;
    assert.equal(j.type, type, `${what}: type ${j.type}, want ${type}`);
    assert.equal(j.status, status, `${what}: status member`);
    assert.equal(r.headers['cache-control'], 'no-store', `${what}: Cache-Control ${r.headers['cache-control']}`);
    return j;
  }
  const versionOf = (etag) => /^(?:W\/)?"([^"-]+)/.exec(etag || '')?.[1];

  // A request over a raw socket, for Expect: 100-continue (fetch cannot
  // send it): the headers go out, the body only after a 100.
  function expectContinue(p, headers, body) {
    const { hostname, port } = new URL(W.base);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: hostname, port: Number(port) });
      let data = '';
      let sentBody = false;
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`POST ${p} with Expect: 100-continue timed out; got ${JSON.stringify(data.slice(0, 200))}`));
      }, 10_000);
      sock.on('connect', () => {
        sock.write([`POST ${p} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close', 'Expect: 100-continue',
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n'));
      });
      sock.on('data', (c) => {
        data += c.toString('latin1');
        if (!sentBody && /^HTTP\/1\.1 100/.test(data)) {
          sentBody = true;
          data = data.replace(/^HTTP\/1\.1 100[^\r]*\r\n\r\n/, '');
          sock.write(body);
        }
      });
      sock.on('error', () => {});
      sock.on('close', () => {
        clearTimeout(timer);
        const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
        resolve({ status: m ? Number(m[1]) : 0, text: data, sentBody });
      });
    });
  }

  test('write setup: a database with the seed, a token file, a writing and a read-only server', async () => {
    const tmp = tmpDir();
    assert.ok(tmp, 'no temporary directory');
    W.db = path.join(tmp, 'write.db');
    const r = spawnSync(BIN, ['import', '--db', W.db, ...CORPUS_FILES], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `import: ${r.stderr}`);
    W.tokenFile = path.join(tmp, 'token');
    writeFileSync(W.tokenFile, `${TOKEN}\n`);
    chmodSync(W.tokenFile, 0o600);
    W.server = await startServer(['--token-file', W.tokenFile, '--max-body', String(MAX_BODY)], { db: W.db });
    W.base = W.server.base;
    W.roServer = await startServer([], { db: W.db });
    W.roBase = W.roServer.base;
    W.seed = sql('SELECT id, slug FROM articles ORDER BY id LIMIT 1')[0];
  });

  test('write: a token file that is missing, empty or too short stops serve with exit 1', async () => {
    need('db');
    const tmp = tmpDir();
    writeFileSync(path.join(tmp, 'short'), 'abc\n');
    writeFileSync(path.join(tmp, 'empty'), '');
    writeFileSync(path.join(tmp, 'spaces'), 'has spaces in the token value\n');
    for (const f of ['missing', 'short', 'empty', 'spaces']) {
      const r = spawnSync(BIN, ['serve', '--db', W.db, '--port', '0', '--token-file', path.join(tmp, f)], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 1, `--token-file ${f}: exit ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stderr, /token-file/, `--token-file ${f}: stderr names the option: ${r.stderr}`);
    }
  });

  test('write: the token is never accepted on the command line or as a plain option value', async () => {
    need('db');
    const r = spawnSync(BIN, ['serve', '--db', W.db, '--port', '0', '--token', TOKEN], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, `--token: exit ${r.status}`);
  });

  test('write: a read-only server answers 403 writes-disabled to POST, PUT and DELETE, even with a token', async () => {
    need('roBase', 'seed');
    const before = fingerprint();
    for (const [m, p, body] of [
      ['POST', '/v1/articles', essayText('Read Only Attempt', 'rdonly')],
      ['PUT', `/v1/articles/${W.seed.id}`, essayText('Read Only Attempt', 'rdonly')],
      ['DELETE', `/v1/articles/${W.seed.id}`, undefined],
    ]) {
      for (const headers of [{}, auth]) {
        const r = await send(m, p, { base: W.roBase, headers: { ...TEXT, ...headers }, body });
        const j = problem(r, 403, '/problems/writes-disabled', `${m} ${p} on the read-only server`);
        assert.match(j.detail, /--token-file/, 'the detail says how to enable writes');
      }
    }
    assert.equal(fingerprint(), before, 'a refused write changed the database');
  });

  test('write: no token → 401 with WWW-Authenticate: Bearer; a wrong one → 401 invalid_token; nothing changes', async () => {
    need('base', 'seed');
    const before = fingerprint();
    const body = essayText('Unauthorised Essay', 'unauth');
    const cases = [
      [{}, /^Bearer realm="essayd"$/],
      [{ authorization: `Bearer ${TOKEN}x` }, /error="invalid_token"/],
      [{ authorization: `Bearer ${TOKEN.slice(0, -1)}` }, /error="invalid_token"/],
      [{ authorization: 'Bearer ' }, /error="invalid_token"/],
      [{ authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` }, /error="invalid_token"/],
      [{ authorization: TOKEN }, /error="invalid_token"/],
    ];
    for (const [headers, challenge] of cases) {
      for (const [m, p] of [['POST', '/v1/articles'], ['PUT', `/v1/articles/${W.seed.id}`], ['DELETE', `/v1/articles/${W.seed.id}`]]) {
        const r = await send(m, p, { headers: { ...TEXT, ...headers }, body: m === 'DELETE' ? undefined : body });
        problem(r, 401, '/problems/unauthorized', `${m} ${p} ${JSON.stringify(headers)}`);
        assert.match(r.headers['www-authenticate'] || '', challenge, `${m} ${p} ${JSON.stringify(headers)}: WWW-Authenticate`);
      }
    }
    // "bearer" is case-insensitive (RFC 7235 auth-scheme).
    const ok = await send('PUT', `/v1/articles/${W.seed.slug}`, { headers: { ...TEXT, authorization: `bearer ${TOKEN}`, 'if-match': '"0.0"' }, body });
    assert.equal(ok.status, 412, `lower-case scheme: ${ok.status} ${ok.text.slice(0, 200)}`);
    assert.equal(fingerprint(), before, 'a refused write changed the database');
  });

  test('write: POST text/plain → 201 with Location, ETag and the article; GET sees it', async () => {
    need('base');
    const r = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth }, body: essayText('Harbours in Winter', 'gossamer') });
    assert.equal(r.status, 201, `POST: ${r.status} ${r.text.slice(0, 300)}`);
    const a = r.json;
    assert.equal(r.headers.location, `/v1/articles/${a.id}`, 'Location');
    assert.equal(versionOf(r.headers.etag), `${a.id}.1`, `ETag ${r.headers.etag}`);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(a.slug, 'harbours-in-winter');
    assert.deepEqual(a.authors, ['Ada Writer']);
    assert.equal(a.category, 'Test Essays');
    assert.equal(a.venue, 'Test Quarterly');
    assert.equal(a.published, '2024-03-03');
    assert.equal(a.paragraphs.length, 2);
    assert.equal(a.endnotes.length, 2);
    assert.ok(a.claims.length >= 3, `${a.claims.length} claims`);
    assert.ok(a.claims.some((c) => c.statistic && c.cited), 'a cited statistic');
    assert.ok(a.claims.some((c) => c.normative), 'a normative claim');
    assert.equal(a.endnotes[0].domain, 'example.co.uk');
    const g = await send('GET', r.headers.location);
    assert.equal(g.status, 200);
    assert.equal(versionOf(g.headers.etag), versionOf(r.headers.etag), 'GET and POST name the same version');
    assert.deepEqual(g.json, a, 'GET returns what POST answered');
    const s = await send('GET', '/v1/search?q=gossamer');
    assert.ok(s.json.data.some((x) => x.article && x.article.id === a.id), 'the new article is searchable at once');
    W.text = a;
  });

  test('write: POST application/json → 201; the same essay as text and as JSON gives the same claims', async () => {
    need('text');
    const body = {
      title: 'Harbours in Winter, Again',
      authors: ['Ada Writer'],
      category: 'Test Essays',
      note: 'This piece was originally published at Test Quarterly on March 3, 2024.',
      paragraphs: W.text.paragraphs.map((p) => p.text),
      endnotes: W.text.endnotes.map((e) => ({ n: e.n, raw: e.raw })),
    };
    const r = await send('POST', '/v1/articles', { headers: { ...JSONCT, ...auth }, body: JSON.stringify(body) });
    assert.equal(r.status, 201, `POST JSON: ${r.status} ${r.text.slice(0, 300)}`);
    const a = r.json;
    assert.equal(a.slug, 'harbours-in-winter-again');
    const strip = (c) => ({ ...c, id: 0, key: '', article_id: 0, endnote_ids: c.endnote_ids.map((x) => x !== null) });
    assert.deepEqual(a.claims.map(strip), W.text.claims.map(strip), 'claims of the JSON and the text essay');
    assert.deepEqual(a.paragraphs, W.text.paragraphs);
    // Endnotes given as plain strings are numbered by position.
    const r2 = await send('POST', '/v1/articles', {
      headers: { ...JSONCT, ...auth },
      body: JSON.stringify({ ...body, title: 'Numbered By Position', endnotes: body.endnotes.map((e) => e.raw) }),
    });
    assert.equal(r2.status, 201, r2.text.slice(0, 300));
    assert.deepEqual(r2.json.endnotes.map((e) => [e.n, e.raw]), W.text.endnotes.map((e) => [e.n, e.raw]));
    W.json = a;
  });

  test('write: POST of an existing slug → 409 naming the existing article; nothing changes', async () => {
    need('text');
    const before = fingerprint();
    const r = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth }, body: essayText('Harbours in Winter', 'other words') });
    const j = problem(r, 409, '/problems/conflict', 'POST of an existing title');
    assert.equal(r.headers.location, `/v1/articles/${W.text.id}`, 'Location names the existing article');
    assert.equal(j.location, `/v1/articles/${W.text.id}`);
    assert.equal(j.article_id, W.text.id);
    assert.equal(j.slug, W.text.slug);
    const r2 = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth }, body: essayText('A New Title', 'x', { slug: W.text.slug }) });
    problem(r2, 409, '/problems/conflict', 'POST with an explicit Slug: that exists');
    assert.equal(fingerprint(), before);
  });

  test('write: PUT with the current If-Match replaces (same id, version + 1); a stale one → 412 with the current ETag', async () => {
    need('text');
    const p = `/v1/articles/${W.text.id}`;
    const g = await send('GET', p);
    const etag = g.headers.etag;
    const body = essayText('Harbours in Winter', 'gossamer', { extra: 'A third paragraph arrives with new words about lanterns.' });
    const r = await send('PUT', p, { headers: { ...TEXT, ...auth, 'if-match': etag }, body });
    assert.equal(r.status, 200, `PUT: ${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(r.json.id, W.text.id, 'the id survives');
    assert.equal(r.json.slug, W.text.slug, 'the slug survives');
    assert.equal(r.json.version, W.text.version + 1, 'version + 1');
    assert.equal(r.json.paragraphs.length, 3);
    assert.equal(versionOf(r.headers.etag), `${W.text.id}.${W.text.version + 1}`);
    const after = await send('GET', p);
    // The GET above was rendered into the response cache; the write must
    // have made it unreachable.
    assert.equal(after.json.paragraphs.length, 3, 'GET sees the new version (not a cached copy)');
    assert.notEqual(after.headers.etag, g.headers.etag, 'a new ETag after the write');
    assert.equal(after.headers['cache-control'], 'no-cache', 'a writable server makes readers revalidate');
    // The old ETag is now stale: 412, and nothing changes.
    const before = fingerprint();
    const s = await send('PUT', p, { headers: { ...TEXT, ...auth, 'if-match': etag }, body: essayText('Harbours in Winter', 'stale') });
    const j = problem(s, 412, '/problems/precondition-failed', 'PUT with a stale If-Match');
    assert.equal(versionOf(j.current_etag), `${W.text.id}.${W.text.version + 1}`, `current_etag ${j.current_etag}`);
    const d = await send('DELETE', p, { headers: { ...auth, 'if-match': etag } });
    problem(d, 412, '/problems/precondition-failed', 'DELETE with a stale If-Match');
    assert.equal(fingerprint(), before);
    // Every spelling of the current version matches: gz, weak, variant, bare, lists, *.
    const v = `${W.text.id}.${W.text.version + 1}`;
    for (const im of [`"${v}-gz"`, `W/"${v}-id.ab12cd34"`, `"${v}"`, `"1.1-id", "${v}-id"`, '*']) {
      const ok = await send('PUT', p, { headers: { ...TEXT, ...auth, 'if-match': im }, body });
      assert.equal(ok.status, 200, `If-Match ${im}: ${ok.status} ${ok.text.slice(0, 200)}`);
      assert.equal(ok.json.version, W.text.version + 1, `If-Match ${im}: an identical PUT leaves the version`);
    }
    assert.equal(fingerprint(), before, 'identical PUTs changed nothing');
    W.text = after.json;
  });

  test('write: GET → edit → PUT as JSON works (read-only members are ignored)', async () => {
    need('text');
    const p = `/v1/articles/${W.text.slug}`;
    const g = await send('GET', p);
    const a = g.json;
    a.paragraphs[2].text = 'A third paragraph, edited through the JSON the server itself sent.';
    const r = await send('PUT', p, { headers: { ...JSONCT, ...auth, 'if-match': g.headers.etag }, body: JSON.stringify(a) });
    assert.equal(r.status, 200, `PUT JSON: ${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(r.json.paragraphs[2].text, a.paragraphs[2].text);
    assert.equal(r.json.version, a.version + 1);
    assert.deepEqual(r.json.authors, a.authors);
    assert.equal(r.json.category, a.category);
    assert.equal(r.json.note, a.note);
    W.text = r.json;
  });

  test('write: PUT to a new slug creates (201); to an unknown id or invalid slug → 404; renaming → 422; If-None-Match: * → 412', async () => {
    need('text');
    const before = fingerprint();
    const bad = [
      ['/v1/articles/999999', 404, '/problems/not-found'],
      ['/v1/articles/Not_A_Slug', 404, '/problems/not-found'],
      [`/v1/articles/${W.text.slug}`, 422, '/problems/invalid-essay', { slug: 'another-slug' }],
    ];
    for (const [p, status, type, o] of bad) {
      const r = await send('PUT', p, { headers: { ...TEXT, ...auth }, body: essayText('Put Target', 'puttarget', o || {}) });
      problem(r, status, type, `PUT ${p}`);
    }
    const star = await send('PUT', `/v1/articles/${W.text.slug}`, { headers: { ...TEXT, ...auth, 'if-none-match': '*' }, body: essayText('Harbours in Winter', 'x') });
    problem(star, 412, '/problems/precondition-failed', 'PUT If-None-Match: * on an existing article');
    const im = await send('PUT', '/v1/articles/created-by-put', { headers: { ...TEXT, ...auth, 'if-match': '*' }, body: essayText('Created By Put', 'cbp') });
    problem(im, 412, '/problems/precondition-failed', 'PUT If-Match: * on a missing article');
    assert.equal(fingerprint(), before);
    const r = await send('PUT', '/v1/articles/created-by-put', { headers: { ...TEXT, ...auth }, body: essayText('Some Other Title', 'cbp') });
    assert.equal(r.status, 201, `PUT to a new slug: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.json.slug, 'created-by-put', 'the article takes the slug of the URL');
    assert.equal(r.headers.location, `/v1/articles/${r.json.id}`);
    W.created = r.json;
  });

  test('write: DELETE → 204, and the article, its claims, endnotes and search rows are gone; again → 404', async () => {
    need('created');
    const id = W.created.id;
    const g = await send('GET', `/v1/articles/${id}`);
    const r = await send('DELETE', `/v1/articles/${id}`, { headers: { ...auth, 'if-match': g.headers.etag } });
    assert.equal(r.status, 204, `DELETE: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.body.length, 0);
    assert.equal((await send('GET', `/v1/articles/${id}`)).status, 404);
    const left = sql(`SELECT (SELECT count(*) FROM claims WHERE article_id = ${id}) AS c,
                             (SELECT count(*) FROM endnotes WHERE article_id = ${id}) AS e,
                             (SELECT count(*) FROM paragraphs WHERE article_id = ${id}) AS p,
                             (SELECT count(*) FROM search WHERE article_id = ${id}) AS s,
                             (SELECT count(*) FROM claim_endnotes WHERE claim_id NOT IN (SELECT id FROM claims)) AS ce`)[0];
    assert.deepEqual(left, { c: 0, e: 0, p: 0, s: 0, ce: 0 }, 'rows left behind');
    const s = await send('GET', '/v1/search?q=cbp');
    assert.equal(s.json.data.length, 0, 'search still finds the deleted article');
    const again = await send('DELETE', `/v1/articles/${id}`, { headers: auth });
    problem(again, 404, '/problems/not-found', 'DELETE again');
    const byslug = await send('DELETE', `/v1/articles/${W.json.slug}`, { headers: auth });
    assert.equal(byslug.status, 204, 'DELETE by slug');
  });

  test('write: bodies over --max-body → 413 (at once with Expect: 100-continue); nothing changes', async () => {
    need('base');
    const before = fingerprint();
    const big = essayText('Too Big', 'big', { extra: 'word '.repeat(MAX_BODY / 4) });
    const r = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth }, body: big });
    problem(r, 413, '/problems/payload-too-large', 'POST over the limit');
    const e = await expectContinue('/v1/articles', { ...TEXT, ...auth, 'Content-Length': String(Buffer.byteLength(big)) }, big);
    assert.equal(e.status, 413, `Expect: 100-continue over the limit: ${e.status} ${e.text.slice(0, 200)}`);
    assert.equal(e.sentBody, false, 'the server said 100 Continue to a body it was going to refuse');
    // Within the limit, Expect: 100-continue gets its 100 and the write goes through.
    const small = essayText('Continued Essay', 'continued');
    const ok = await expectContinue('/v1/articles', { ...TEXT, ...auth, 'Content-Length': String(Buffer.byteLength(small)) }, small);
    assert.equal(ok.status, 201, `Expect: 100-continue within the limit: ${ok.status} ${ok.text.slice(0, 200)}`);
    assert.equal(ok.sentBody, true);
    const del = await send('DELETE', '/v1/articles/continued-essay', { headers: auth });
    assert.equal(del.status, 204);
    // Back to where we were, but for the generation the two writes bumped.
    const strip = (f) => f.replace(/"g":\d+/, '');
    assert.equal(strip(fingerprint()), strip(before));
  });

  // Sends a chunked POST of `total` bytes in 16 KiB chunks over a raw socket;
  // resolves to the status the server answered (0: none) and whether it cut
  // the connection before the body was all sent.
  function chunkedPost(p, total) {
    const { hostname, port } = new URL(W.base);
    return new Promise((resolve) => {
      const sock = net.connect({ host: hostname, port: Number(port) });
      let data = '';
      let sent = 0;
      let cut = false;
      const timer = setTimeout(() => sock.destroy(), 15_000);
      const chunk = Buffer.alloc(16384, 'a');
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          const ok = sock.write(`${chunk.length.toString(16)}\r\n`) && sock.write(chunk) && sock.write('\r\n');
          if (!ok) return sock.once('drain', pump);
        }
        sock.write('0\r\n\r\n');
      };
      sock.on('connect', () => {
        sock.write([`POST ${p} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close', 'Transfer-Encoding: chunked',
          'Content-Type: text/plain; charset=utf-8', `Authorization: ${auth.authorization}`, '', ''].join('\r\n'));
        pump();
      });
      sock.on('data', (c) => (data += c.toString('latin1')));
      sock.on('error', () => (cut = true));
      sock.on('close', () => {
        clearTimeout(timer);
        const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
        resolve({ status: m ? Number(m[1]) : 0, text: data, cut: cut || sent < total });
      });
    });
  }

  test('write: a chunked body over --max-body → 413 once read; far over it, the connection is cut; nothing changes', async () => {
    need('base');
    const before = fingerprint();
    // Twice the limit: read and dropped, then the 413 the client can see.
    const over = await chunkedPost('/v1/articles', 2 * MAX_BODY);
    assert.equal(over.status, 413, `chunked, 2x the limit: ${over.text.slice(0, 200)}`);
    assert.match(over.text, /\/problems\/payload-too-large/);
    // Far over (512x, 32 MiB: more than the kernel's socket buffers hold,
    // so the client can only finish if the server reads it all): the
    // server stops reading at 8x and closes.
    const far = await chunkedPost('/v1/articles', 512 * MAX_BODY);
    assert.ok(far.status === 413 || far.status === 0, `chunked, 512x the limit: ${far.status} ${far.text.slice(0, 200)}`);
    assert.ok(far.cut, 'the server read the whole 32 MiB body');
    // The server is fine and nothing changed.
    assert.equal((await send('GET', '/healthz')).status, 200);
    assert.equal(fingerprint(), before);
  });

  test('write: wrong or missing Content-Type → 415 with Accept-Post; nothing changes', async () => {
    need('base');
    const before = fingerprint();
    const body = essayText('Typed Essay', 'typed');
    for (const ct of [undefined, 'application/xml', 'text/html', 'text/plain; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const headers = { ...auth };
      if (ct) headers['content-type'] = ct;
      const r = await raw('POST', '/v1/articles', { base: W.base, headers, body });
      problem(r, 415, '/problems/unsupported-media-type', `Content-Type ${ct}`);
      assert.match(r.headers['accept-post'] || '', /application\/json/, `Content-Type ${ct}: Accept-Post`);
    }
    for (const ct of ['TEXT/PLAIN', 'text/plain;charset="UTF-8"', 'application/json; charset=utf-8']) {
      const r = await send('POST', '/v1/articles?pretty=1', { headers: { ...auth, 'content-type': ct }, body: ct.includes('json') ? '{}' : '' });
      assert.notEqual(r.status, 415, `Content-Type ${ct} is acceptable`);
    }
    assert.equal(fingerprint(), before);
  });

  test('write: malformed JSON, duplicate keys and deep nesting → 400 invalid-json; nothing changes', async () => {
    need('base');
    const before = fingerprint();
    const cases = [
      ['{"title": "x", ', /line 1/],
      ['{"title": "A", "title": "B", "paragraphs": ["p"]}', /duplicate/i],
      ['[' .repeat(100) + ']'.repeat(100), /deeper than 32/],
      [`{"title": "x", "paragraphs": ${'['.repeat(40)}${']'.repeat(40)}}`, /deeper than 32/],
      ['not json at all', /JSON/],
    ];
    for (const [body, detail] of cases) {
      const r = await send('POST', '/v1/articles', { headers: { ...JSONCT, ...auth }, body });
      const j = problem(r, 400, '/problems/invalid-json', `body ${body.slice(0, 40)}`);
      assert.match(j.detail, detail, `body ${body.slice(0, 40)}: detail`);
    }
    assert.equal(fingerprint(), before);
  });

  test('write: essays of the wrong shape → 422 invalid-essay naming the member or the line; nothing changes', async () => {
    need('base');
    const before = fingerprint();
    const good = { title: 'Shape Test', paragraphs: ['One sentence here.'] };
    const json = [
      [{}, /title/],
      [{ paragraphs: ['x'] }, /title/],
      [{ title: 'No paragraphs' }, /paragraphs/],
      [{ ...good, title: 42 }, /title/],
      [{ ...good, paragraphs: [] }, /paragraphs/],
      [{ ...good, paragraphs: [1] }, /paragraphs\[0\]/],
      [{ ...good, paragraphs: ['ok', { txt: 'x' }] }, /paragraphs\[1\]/],
      [{ ...good, authors: 'Ada' }, /authors/],
      [{ ...good, authors: ['Ada', 7] }, /authors\[1\]/],
      [{ ...good, endnotes: [{ n: 0, raw: 'x' }] }, /endnotes\[0\]/],
      [{ ...good, endnotes: [{ n: 1, raw: 'x' }, { n: 1, raw: 'y' }] }, /endnotes\[1\]/],
      [{ ...good, endnotes: [{ n: 1.5, raw: 'x' }] }, /endnotes\[0\]/],
      [{ ...good, favourite_colour: 'blue' }, /favourite_colour/],
      [{ ...good, paragraphs: ['two\n\nparagraphs'] }, /paragraphs\[0\]/],
      [{ ...good, title: 'a\nb' }, /title/],
      [{ ...good, slug: 'Not A Slug' }, /slug/],
      [{ ...good, paragraphs: ['Endnotes:'] }, /paragraphs\[0\]/],
      [[good], /object/],
      ['just a string', /object/],
    ];
    for (const [body, detail] of json) {
      const r = await send('POST', '/v1/articles', { headers: { ...JSONCT, ...auth }, body: JSON.stringify(body) });
      const j = problem(r, 422, '/problems/invalid-essay', `JSON ${JSON.stringify(body).slice(0, 60)}`);
      assert.match(j.detail, detail, `JSON ${JSON.stringify(body).slice(0, 60)}: detail ${j.detail}`);
      assert.equal(typeof j.reason, 'string');
    }
    const text = [
      ['', 1, /empty/],
      ['Title only\n', 1, /no body/],
      ['A Title\n\nSlug: Bad Slug\n\nA paragraph.\n', 3, /Slug/],
      ['A Title\n\nAuthor:\n\nA paragraph.\n', 3, /Author/],
      ['A Title\n\nBody with a NUL \u0000 byte.\n', 3, /NUL/],
      ['A Title\n\nBody.\n\nEndnotes:\n\n[1] One.\n[1] Two.\n', 8, /twice/],
    ];
    for (const [body, line, detail] of text) {
      const r = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth }, body });
      const j = problem(r, 422, '/problems/invalid-essay', `text ${JSON.stringify(body).slice(0, 40)}`);
      assert.equal(j.line, line, `text ${JSON.stringify(body).slice(0, 40)}: line ${j.line}, want ${line}`);
      assert.match(j.detail, new RegExp(`^request body:${line}: `), `detail ${j.detail}`);
      assert.match(j.reason, detail, `reason ${j.reason}`);
    }
    const latin1 = Buffer.from('A Title\n\nCaf\xe9 society.\n', 'latin1');
    const r = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth }, body: latin1 });
    assert.match(problem(r, 422, '/problems/invalid-essay', 'Latin-1 text').detail, /UTF-8/);
    assert.equal(fingerprint(), before);
  });

  test('write: unknown query parameters on a write → 400; nothing changes', async () => {
    need('base');
    const before = fingerprint();
    const r = await send('POST', '/v1/articles?dry_run=1', { headers: { ...TEXT, ...auth }, body: essayText('Query Essay', 'query') });
    const j = problem(r, 400, '/problems/invalid-parameter', 'POST ?dry_run=1');
    assert.equal(j.invalid_params[0].name, 'dry_run');
    assert.equal(fingerprint(), before);
  });

  test('write: CORS preflight allows the write methods and headers; Location is exposed', async () => {
    need('text');
    const r = await send('OPTIONS', `/v1/articles/${W.text.id}`, {
      headers: { origin: 'http://editor.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, if-match, content-type' },
    });
    assert.equal(r.status, 204);
    for (const m of ['PUT', 'DELETE']) assert.match(r.headers['access-control-allow-methods'], new RegExp(`\\b${m}\\b`));
    for (const hd of ['Authorization', 'If-Match', 'Content-Type']) assert.match(r.headers['access-control-allow-headers'], new RegExp(hd, 'i'));
    const p = await send('OPTIONS', '/v1/articles', { headers: { origin: 'http://editor.example', 'access-control-request-method': 'POST' } });
    assert.match(p.headers['access-control-allow-methods'], /\bPOST\b/);
    const c = await send('POST', '/v1/articles', { headers: { ...TEXT, ...auth, origin: 'http://editor.example' }, body: essayText('Cross Origin Essay', 'xorigin') });
    assert.equal(c.status, 201);
    assert.match(c.headers['access-control-expose-headers'], /\bLocation\b/);
    assert.equal(c.headers['access-control-allow-origin'], '*');
  });

  test('write: Cache-Control is no-cache on a writable server, max-age on a read-only one', async () => {
    need('base', 'roBase', 'text');
    for (const p of ['/v1/articles', `/v1/articles/${W.text.id}`, '/v1/claims?limit=1']) {
      const w = await send('GET', p);
      assert.equal(w.headers['cache-control'], 'no-cache', `${p} on the writable server`);
      const r = await send('GET', p, { base: W.roBase });
      assert.match(r.headers['cache-control'], /^public, max-age=\d+/, `${p} on the read-only server`);
    }
  });

  test('write: readers during 40 replacements see the old or the new article, never a mix, never an error', async () => {
    need('text');
    const p = `/v1/articles/${W.text.id}`;
    const versions = [
      essayText('Harbours in Winter', 'alpha', { extra: 'The alpha version has this paragraph.' }),
      essayText('Harbours in Winter', 'beta'),
    ];
    const paragraphCounts = new Set([3, 2]);
    // Start from a known version, so every read is alpha or beta.
    const first = await send('PUT', p, { headers: { ...TEXT, ...auth }, body: versions[1] });
    assert.equal(first.status, 200, first.text.slice(0, 200));
    let done = false;
    let reads = 0;
    const errors = [];
    const reader = async () => {
      while (!done) {
        const r = await send('GET', p, { base: W.roBase });
        reads++;
        if (r.status !== 200) {
          errors.push(`GET ${r.status}`);
          continue;
        }
        const a = r.json;
        const tag = /The (\w+) report/.exec(a.paragraphs[0].text)?.[1];
        const consistent =
          paragraphCounts.has(a.paragraphs.length) &&
          a.paragraph_count === a.paragraphs.length &&
          a.claim_count === a.claims.length &&
          a.claims.every((c) => a.paragraphs[c.paragraph].text.includes(c.text)) &&
          a.endnotes.every((e) => !e.raw.includes('report') || e.raw.includes(tag)) &&
          (tag === 'alpha') === (a.paragraphs.length === 3);
        if (!consistent) errors.push(`a mixed article: ${tag} with ${a.paragraphs.length} paragraphs`);
      }
    };
    const readers = [reader(), reader(), reader()];
    for (let k = 0; k < 40; k++) {
      const r = await send('PUT', p, { headers: { ...TEXT, ...auth }, body: versions[k % 2] });
      if (r.status !== 200) errors.push(`PUT ${r.status} ${r.text.slice(0, 100)}`);
    }
    done = true;
    await Promise.all(readers);
    assert.deepEqual(errors.slice(0, 5), [], `${errors.length} errors in ${reads} reads`);
    assert.ok(reads >= 40, `only ${reads} reads ran alongside the writes`);
  });

  test('write: servers stop cleanly (SIGTERM, exit 0, sanitizers silent)', async () => {
    need('server', 'roServer');
    await stopServer(W.server);
    await stopServer(W.roServer);
  });
}

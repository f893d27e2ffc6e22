#!/usr/bin/env python3
"""report.py DIR NOTES RESULTS: writes RESULTS from scratch, the hand-written NOTES first, then
the results bench/run.sh collected in DIR; prints the generated part too.

DIR holds meta.txt (key=value lines), scenarios.tsv (name, description), runs.tsv (name, conns,
run, the "key=value ..." line of bench/wrk_report.lua's done(); nginx runs are named ref:NAME),
commands.tsv (name, conns, first wrk command line) and cache.tsv (name, conns, counters
"hits misses" before and after the runs)."""
import os, statistics, sys

def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]

def ms(us):
    v = us / 1000
    return f"{v:.3f} ms" if v < 1 else f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms"

def rate(x):
    return f"{x:,.0f}"

class Results:
    def __init__(self, d):
        self.dir = d
        with open(os.path.join(d, "meta.txt")) as f:
            self.meta = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        self.scenarios = read_tsv(os.path.join(d, "scenarios.tsv"))
        self.runs = {}
        for name, c, run, fields in read_tsv(os.path.join(d, "runs.tsv")):
            kv = {k: float(v) for k, v in (f.split("=") for f in fields.split())}
            self.runs.setdefault((name, int(c)), []).append(kv)
        self.commands = read_tsv(os.path.join(d, "commands.tsv"))
        self.cache = {(n, int(c)): (b, a) for n, c, b, a in read_tsv(os.path.join(d, "cache.tsv"))}

    def median(self, name, c, key):
        runs = self.runs.get((name, c))
        return statistics.median(r[key] for r in runs) if runs else None

    def errors(self, name, c):
        keys = ("status", "connect", "read", "write", "timeout")
        runs = self.runs.get((name, c), [])
        return sum(r[k] for r in runs for k in keys) + sum(1 for r in runs if r["requests"] == 0)

    def hit_rate(self, name, c):
        if (name, c) not in self.cache:
            return None
        (h0, m0), (h1, m1) = (map(float, x.split()) for x in self.cache[(name, c)])
        hits, misses = h1 - h0, m1 - m0
        return hits / (hits + misses) if hits + misses else None

    def ratio(self, name, c, key="rps"):
        e, n = self.median(name, c, key), self.median(f"ref:{name}", c, key)
        return e / n if e is not None and n else None

def conns_label(c):
    return "wrk -t2 -c64: 64 connections" if c > 1 else "wrk -t1 -c1: 1 connection"

def load_table(r, c):
    out = [f"### {conns_label(c).split(': ')[1].capitalize()} (`{conns_label(c).split(':')[0]}`, keep-alive)", "",
           "| scenario | req/s (median) | p50 | p99 | ratio to nginx req/s | hit rate | nginx next to it: req/s, p50 | errors |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    # ref:revalidate is nginx answering 304s to another client (bench/revalidate.mjs): not the article.
    refs = [x for (n, cc), xs in r.runs.items() if n.startswith("ref:") and n != "ref:revalidate" and cc == c
            for x in xs]
    if refs:
        out.append(f"| nginx, the article file (the reference: median of all {len(refs)} wrk runs) | "
                   f"{rate(statistics.median(x['rps'] for x in refs))} | "
                   f"{ms(statistics.median(x['p50_us'] for x in refs))} | "
                   f"{ms(statistics.median(x['p99_us'] for x in refs))} | 1 | | | "
                   f"{sum(x[k] for x in refs for k in ('status', 'connect', 'read', 'write', 'timeout')):.0f} |")
    for name, desc in r.scenarios:
        if (name, c) not in r.runs:
            if f"skipped_{name}" in r.meta:
                out.append(f"| `{name}`: {desc} | {r.meta[f'skipped_{name}']} | | | | | | |")
            continue
        hr = r.hit_rate(name, c)
        ratio = r.ratio(name, c)
        out.append(f"| `{name}`: {desc} | {rate(r.median(name, c, 'rps'))} | {ms(r.median(name, c, 'p50_us'))} | "
                   f"{ms(r.median(name, c, 'p99_us'))} | {ratio:.2f} | {'–' if hr is None else f'{hr:.1%}'} | "
                   f"{rate(r.median(f'ref:{name}', c, 'rps'))}, {ms(r.median(f'ref:{name}', c, 'p50_us'))} | "
                   f"{r.errors(name, c):.0f} |")
    return out

def targets(r):
    m = r.meta
    rows = []

    def row(what, measured, ok):
        rows.append(f"| {what} | {measured} | {'n/a' if ok is None else 'met' if ok else '**missed**'} |")

    for name, label in [("article-id", "random ids"), ("article-fixed", "the id nginx serves, same bytes")]:
        x = r.ratio(name, 64)
        row(f"single article ({label}), 64 connections: req/s ≥ 0.8 × nginx",
            "not run" if x is None else
            f"{rate(r.median(name, 64, 'rps'))} req/s = {x:.2f} × nginx ({rate(r.median('ref:' + name, 64, 'rps'))})",
            None if x is None else x >= 0.8)
    for name, label in [("article-id", "random ids"), ("article-fixed", "the id nginx serves")]:
        x = r.ratio(name, 1, "p50_us")
        row(f"single article ({label}), 1 connection: p50 ≤ 2 × nginx p50",
            "not run" if x is None else
            f"{ms(r.median(name, 1, 'p50_us'))} = {x:.2f} × nginx ({ms(r.median('ref:' + name, 1, 'p50_us'))})",
            None if x is None else x <= 2)
    for name, label in [("list", "a list page"), ("list-deep", "a deep cursor page"), ("claims", "a claims filter")]:
        x = r.ratio(name, 64)
        row(f"{label}, 64 connections: req/s ≥ 0.5 × nginx (article file)",
            "not run" if x is None else
            f"{rate(r.median(name, 64, 'rps'))} req/s = {x:.2f} × nginx ({rate(r.median('ref:' + name, 64, 'rps'))})",
            None if x is None else x >= 0.5)
    first = "search-common-nocache" if (("search-common-nocache", 1) in r.runs) else "search-common"
    p50 = r.median(first, 1, "p50_us")
    if first == "search-common-nocache":
        how = "cache off (`--cache-mb 0`): every query computed"
    else:
        hr = r.hit_rate(first, 1)
        how = ("no response cache in this build" if hr is None
               else f"cache on, hit rate {hr:.1%}: no run with the cache off in this build")
    row("search, a common word, first query: p50 < 40 ms (1 connection, random common words)",
        "not run" if p50 is None else f"{ms(p50)} (`{first}`; {how})", None if p50 is None else p50 < 40000)
    p50 = r.median("search-repeated", 1, "p50_us")
    row(f"search, a common word repeated: p50 < 1 ms (1 connection, always `{m.get('word_repeated')}`)",
        "not run" if p50 is None else ms(p50), None if p50 is None else p50 < 1000)
    # Datasette 0.65's best full-text search throughput in issue 6: 135 requests/s.
    sc = r.median("search-common", 64, "rps")
    snc = r.median("search-common-nocache", 64, "rps")
    row("search, a common word, 64 connections: req/s ≥ 20 × Datasette's best (135 req/s) = 2,700",
        "not run" if sc is None else
        f"{rate(sc)} req/s (random common words, cache on, hit rate "
        f"{(r.hit_rate('search-common', 64) or 0):.1%})"
        + ("" if snc is None else f"; every query ranked anew (`--cache-mb 0`): {rate(snc)} req/s = "
           f"{snc / 135:.2f} × Datasette's best"),
        None if sc is None else sc >= 2700)
    kb = float(m["vmhwm_kb"]) if m.get("vmhwm_kb") else None
    row("peak RSS of the server over the whole benchmark (VmHWM) < 64 MiB",
        "unknown" if kb is None else f"{kb / 1024:.1f} MiB", None if kb is None else kb < 64 * 1024)
    s = float(m["startup_ms"])
    row("start-up to the first answer < 100 ms (median of 5)", f"{s:.1f} ms", s < 100)
    i = float(m["import_rate"])
    fts = (f"; SQLite alone, only building the search index of the same rows: "
           f"{float(m['import_fts_rate']):,.0f} essays/s") if m.get("import_fts_rate") else ""
    row("import ≥ 2,000 essays/s (median of the runs)", f"{i:,.0f} essays/s{fts}", i >= 2000)
    return ["| target (issue 6) | measured | |", "| --- | --- | --- |"] + rows

def generated(r):
    m = r.meta
    out = ["## Results of the last run", "",
           f"Generated by `make bench` (bench/run.sh) from {m['started']} to {m['finished']}: "
           f"{int(m['essays']):,} essays; wrk runs of {m['wrk_seconds']} s, {m['runs']} of each scenario and "
           f"connection count (medians reported), each scenario right after one {m['ref_seconds']} s run of nginx "
           f"serving the same article bytes at the same connection count (the reference its ratios are "
           f"against). Code: `{m['v_git']}`.", "",
           f"- Machine: {m['machine_nproc']} cores, {m['machine_cpu']}, {m['machine_mem']} memory, "
           f"{m['machine_kernel']}; shared with other work, so absolute numbers are noisy: compare the "
           f"ratios to the nginx run next to each scenario.",
           f"- Versions: {m['v_essayd']}, {m['v_nginx']}, {m['v_wrk']}, SQLite {m['v_sqlite3']}, "
           f"libmicrohttpd {m['v_microhttpd']}.", ""]
    if int(m.get("failures", "0")):
        out += [f"**{m['failures']} wrk runs had errors** (non-2xx/3xx answers or socket errors): see the "
                "errors column; make bench exited with status 1.", ""]
    out += ["### Targets", ""] + targets(r) + [""]
    out += load_table(r, 64) + [""] + load_table(r, 1) + [""]
    cache = ("counted from `essayd_cache_hits_total` / `essayd_cache_misses_total` in `/metrics`, the "
             "difference across each scenario's runs" if m.get("cache_metrics") == "yes"
             else "cache: not available in this build (no `essayd_cache_hits_total` in `/metrics`)")
    off = ("the `-nocache` scenarios ran against a second server started with `--cache-mb 0`"
           + (f" (its peak RSS {float(m['vmhwm_nocache_kb']) / 1024:.1f} MiB)" if m.get("vmhwm_nocache_kb") else "")
           if m.get("cache_off") == "yes" else
           "no run with the cache off: `essayd serve --help` lists no `--cache-mb` in this build")
    out += [f"Hit rate: {cache}; {off}. The 304 scenario sends the ETag `{m['etag']}`; the article nginx "
            f"serves is `{m['article']}` ({int(m['article_bytes']):,} bytes, sha256 `{m['article_sha256'][:16]}…`, "
            f"checked equal before the runs).", "",
            f"Search words (bench/pick_words.py, from the FTS5 index with `fts5vocab`): rare: "
            f"{m['words_rare']}; common: {m['words_common']}; repeated: `{m['word_repeated']}` "
            f"({int(m['word_repeated_rows']):,} rows).", ""]
    out += ["### Import, start-up, memory", "", "```",
            f"import: build/essayd import --db DB CORPUS_DIR ({int(m['essays']):,} files), a fresh database each run",
            f"import runs: {m['import_runs']}",
            f"import median {m['import_median_s']} s: {m['import_rate']} essays/s",
            f"reference: VACUUM INTO of the resulting database {m['import_ref_s']} s; "
            f"import / reference = {m['import_ratio']}x",
            *([f"reference: SQLite alone building the search index of the same rows in one statement "
               f"{m['import_fts_s']} s ({m['import_fts_rate']} essays/s)"] if m.get("import_fts_s") else []),
            f"rows: {m['import_rows']}",
            f"start-up (spawn of essayd serve to the first 200 on /healthz, polled every 2 ms; median of 5): "
            f"{m['startup_ms']} ms (listening line after {m['listening_ms']} ms)",
            f"peak RSS (VmHWM of the server at the end of the runs): "
            + (f"{float(m['vmhwm_kb']) / 1024:.1f} MiB" if m.get("vmhwm_kb") else "unknown"),
            "```", ""]
    out += ["### Commands", "",
            "Each wrk command as run the first time (`$TMP`: the run's temporary directory; `wrk_random.lua` "
            "takes the run number as its seed, 1 here). Lua: `bench/wrk_report.lua` (the static request and "
            "a `done()` printing the median, p99, requests and errors), `bench/wrk_random.lua` (each request "
            "a path drawn at random from a file, one path a line).", "", "```"]
    seen = set()
    for name, c, cmd in r.commands:
        cmd = cmd.replace(r.dir, "$TMP")
        key = ("nginx", c) if name.startswith("ref:") else (name, c)
        if key not in seen:
            seen.add(key)
            out.append(f"{'nginx' if name.startswith('ref:') else name:22s} {cmd}")
    out += ["```", "",
            "nginx: Debian's, `nginx -p $TMP/nginx -c $TMP/nginx/nginx.conf -e $TMP/nginx/error.log "
            "-g 'daemon off; pid $TMP/nginx/nginx.pid;'` with `bench/nginx.conf.in` (worker_processes auto, "
            "access_log off, sendfile on, keepalive_requests 1000000, default_type application/json).", "",
            "### Every run", "", "| scenario | connections | req/s | p50 | p99 |", "| --- | ---: | --- | --- | --- |"]
    for (name, c), xs in r.runs.items():
        out.append(f"| {name} | {c} | {', '.join(rate(x['rps']) for x in xs)} | "
                   f"{', '.join(ms(x['p50_us']) for x in xs)} | {', '.join(ms(x['p99_us']) for x in xs)} |")
    return out

def main():
    d, notes_path, results_path = sys.argv[1:4]
    text = "\n".join(generated(Results(d))) + "\n"
    with open(notes_path) as f:
        notes = f.read().rstrip("\n")
    with open(results_path, "w") as f:
        f.write(notes + "\n\n<!-- Everything below is written by bench/run.sh (make bench) at the end of each "
                "run; edit bench/NOTES.md, not this file. -->\n\n" + text)
    print()
    print(text, end="")

main()

#!/usr/bin/env python3
"""search_latency.py PORT WORDS N: times N searches for random words from the
WORDS file over one keep-alive connection to 127.0.0.1:PORT, and the same
number of GET /healthz as the reference measured in the same run. Prints
medians, 95th percentiles and the ratio of medians."""
import http.client, random, statistics, sys, time, urllib.parse

port, words_file, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
words = open(words_file).read().split()
rnd = random.Random(7)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

def timed(path):
    t = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path}: {r.status} {body[:200]!r}")
    return (time.perf_counter() - t) * 1000

def summary(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]

ref, search, two = [], [], []
for i in range(n):
    ref.append(timed("/healthz"))
    q = urllib.parse.quote(rnd.choice(words))
    search.append(timed(f"/v1/search?q={q}&limit=20"))
    q2 = urllib.parse.quote(rnd.choice(words) + " " + rnd.choice(words))
    two.append(timed(f"/v1/search?q={q2}&limit=20"))
for name, xs in [("GET /healthz (reference)", ref), ("GET /v1/search one word", search),
                 ("GET /v1/search two words", two)]:
    med, p95 = summary(xs)
    print(f"{name:32s} median {med:7.3f} ms  p95 {p95:7.3f} ms  ratio to reference {med / summary(ref)[0]:6.1f}x")

#!/usr/bin/env python3
"""pick_words.py DB CORPUS_DIR OUT_DIR: the search words of the benchmark, picked from the FTS5
index by how many rows hold them (fts5vocab, a temporary table: the database is only read).

Writes OUT_DIR/search-rare.txt and OUT_DIR/search-common.txt (one /v1/search?q=WORD path a line,
for bench/wrk_random.lua) and prints key=value lines describing the sets:
  rare    the RARE (500) words in the fewest rows
  common  the COMMON (100) words in the most rows
  repeated  the most common word of all, for the scenario that asks for the same word every time
Only words of five letters or more that occur as written in the corpus are taken (the index holds
porter stems: "govern" is a word, "thi" is not), so every query is a word a reader could type.
"""
import os, re, subprocess, sys

RARE, COMMON = 500, 100

def vocabulary(db):
    """{term: rows holding it in their text} of the FTS5 table 'search' (summed over its columns,
    the 'kind' column left out: every claim row holds the word "claim" there)."""
    sql = ("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search, 'col');"
           "SELECT term, sum(doc) FROM temp.v WHERE col <> 'kind' GROUP BY term;")
    out = subprocess.run(["sqlite3", "-readonly", "-separator", "\t", db, sql],
                         check=True, capture_output=True, text=True).stdout
    return {t: int(d) for t, d in (line.split("\t") for line in out.splitlines())}

def written_words(corpus):
    words = set()
    for name in sorted(os.listdir(corpus)):
        if name.endswith(".txt"):
            with open(os.path.join(corpus, name), encoding="utf-8") as f:
                words.update(re.findall(r"[a-z]{5,}", f.read().lower()))
    return words

def main():
    db, corpus, out = sys.argv[1:4]
    vocab = vocabulary(db)
    words = sorted((vocab[w], w) for w in written_words(corpus) if w in vocab)
    if len(words) < 2:
        raise SystemExit("pick_words.py: too few words in the index")
    k = min(RARE, len(words) // 2)
    rare, common = words[:k], words[::-1][:min(COMMON, len(words) - k)]
    for name, ws in [("rare", rare), ("common", common)]:
        with open(os.path.join(out, f"search-{name}.txt"), "w") as f:
            f.writelines(f"/v1/search?q={w}\n" for _, w in ws)
        print(f"words_{name}={len(ws)} words, in {min(ws)[0]}-{max(ws)[0]} rows of the index "
              f"(e.g. {', '.join(w for _, w in ws[:5])})")
    print(f"word_repeated={common[0][1]}")
    print(f"word_repeated_rows={common[0][0]}")

main()

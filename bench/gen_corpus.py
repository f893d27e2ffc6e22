#!/usr/bin/env python3
"""gen_corpus.py N DIR: writes N synthetic essays in the essay format to DIR.

Sentences are drawn (with a fixed seed) from the bundled Federalist papers,
so the vocabulary and sentence lengths are real; each essay gets a title,
a Note, 6-14 paragraphs, markers and an Endnotes section, and a category.
"""
import os, random, re, sys

def sentences(root):
    out = []
    for name in sorted(os.listdir(root)):
        if not name.endswith(".txt"):
            continue
        text = open(os.path.join(root, name), encoding="utf-8").read()
        body = text.split("\nEndnotes:")[0]
        for para in body.split("\n\n")[2:]:
            para = " ".join(para.split())
            out += [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z])", para) if 40 < len(s) < 400]
    return out

def main():
    n, dest = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(42)
    pool = sentences(os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "federalist"))
    words = sorted({w.lower() for s in pool for w in re.findall(r"[A-Za-z]{5,}", s)})
    cats = ["Security", "Economy", "Law", "History", "Diplomacy", "Energy", "Health", "Trade"]
    pubs = ["Reuters", "Bloomberg", "Newsweek", "Foreign Affairs", "New York Times", "BBC News"]
    os.makedirs(dest, exist_ok=True)
    for i in range(n):
        title = " ".join(rnd.choice(words).capitalize() for _ in range(5)) + f" {i}"
        paras, notes = [], []
        for _ in range(rnd.randint(6, 14)):
            ss = rnd.sample(pool, rnd.randint(2, 6))
            if rnd.random() < 0.3:
                k = len(notes) + 1
                ss[-1] = ss[-1] + f"[{k}]"
                notes.append(f"[{k}] Author, A. ({rnd.randint(1, 28)} March {rnd.randint(1990, 2024)}). "
                             f"{rnd.choice(words).capitalize()} {rnd.choice(words)}. {rnd.choice(pubs)}. "
                             f"Retrieved May 1, 2024, from [x](https://www.example{rnd.randint(1, 50)}.com/a/{i}/{k})")
            paras.append(" ".join(ss))
        with open(os.path.join(dest, f"essay-{i:05d}.txt"), "w", encoding="utf-8") as f:
            f.write(f"{title}\n\nNote: This piece was originally published at Bench Weekly on "
                    f"January {rnd.randint(1, 28)}, {rnd.randint(2000, 2024)}.\n\n")
            f.write("\n\n".join(paras))
            if notes:
                f.write("\n\nEndnotes:\n\n" + "\n\n".join(notes))
            f.write(f"\n\n{rnd.choice(cats)}\n")
    with open(os.path.join(dest, "WORDS"), "w") as f:
        f.write("\n".join(rnd.sample(words, 500)))

main()

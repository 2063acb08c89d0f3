#!/usr/bin/python3
"""SQLite FTS5 BM25 on a caption-retrieval protocol (scripts/caption-protocol.sh output),
as ../shared/data/README.md describes the baseline: porter unicode61 tokenizer, the
query's alphanumeric words OR-ed, ranked by bm25(). Prints R@1, R@5, R@10 and MRR.

usage: bench/bm25_baseline.py PROTOCOL_DIR   (holding catalogue.tsv and queries.tsv)
"""
import re
import sqlite3
import sys


def main(folder):
    db = sqlite3.connect(":memory:")
    db.execute('CREATE VIRTUAL TABLE c USING fts5(uri UNINDEXED, caption, tokenize="porter unicode61")')
    with open(f"{folder}/catalogue.tsv", encoding="utf-8") as f:
        db.executemany("INSERT INTO c VALUES (?, ?)", (line.rstrip("\n").split("\t", 1) for line in f))
    at1 = at5 = at10 = 0
    rr = 0.0
    n = 0
    with open(f"{folder}/queries.tsv", encoding="utf-8") as f:
        for line in f:
            expected, query = line.rstrip("\n").split("\t", 1)
            words = re.findall(r"[A-Za-z0-9]+", query)
            n += 1
            if not words:
                continue
            match = " OR ".join(f'"{w}"' for w in words)
            ranked = [r[0] for r in db.execute(
                "SELECT uri FROM c WHERE c MATCH ? ORDER BY bm25(c) LIMIT 100", (match,))]
            if expected in ranked:
                rank = ranked.index(expected) + 1
                at1 += rank <= 1
                at5 += rank <= 5
                at10 += rank <= 10
                rr += 1 / rank
    print(f"{n} queries (SQLite {sqlite3.sqlite_version} FTS5 BM25)")
    print(f"R@1 {at1 / n:.3f}  R@5 {at5 / n:.3f}  R@10 {at10 / n:.3f}  MRR {rr / n:.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

"""What a search costs through the Python binding, against the same search through the C++
API, in one process on one catalogue: all of Flickr8k's captions (8,092 images, 40,460
captions, the built-in model).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [CAPTIONS.tsv] [ROUNDS]

For each query kind (a vector, a text: the text's time includes embedding it), k 10, each
of 20 Flickr8k test captions is searched N times from a Python loop and N times by a C++
loop over the same catalogue object (picdex._picdex._search_loop); rounds alternate and
the median per-call difference is the binding's overhead.
"""
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

import picdex
from picdex import _picdex

here = Path(__file__).resolve().parent
captions_file = Path(sys.argv[1] if len(sys.argv) > 1 else here.parent.parent / "shared/data/flickr8k/captions.tsv")
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
CALLS = 500
K = 10

rows = list(csv.reader(open(captions_file, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
images = {}
for image, _, caption in rows:
    images.setdefault(image, []).append(caption)

with tempfile.TemporaryDirectory() as work, picdex.Catalogue.create(Path(work) / "f8k.pdx") as catalogue:
    start = time.perf_counter()
    catalogue.put_many(images.items())
    print(f"catalogue: {len(catalogue)} images, {catalogue.stats().captions} captions, "
          f"built in {time.perf_counter() - start:.1f} s ({catalogue.embedder})")
    texts = [captions[1] for captions in list(images.values())[-20:]]
    queries = {"vector": [catalogue.embed(t) for t in texts], "text": texts}

    for kind, qs in queries.items():
        python_us, cpp_us = [], []
        for _ in range(rounds):
            for q in qs:
                begin = time.perf_counter()
                for _ in range(CALLS):
                    catalogue.search(q, K)
                python_us.append((time.perf_counter() - begin) / CALLS * 1e6)
                cpp_us.append(_picdex._search_loop(catalogue, q, K, CALLS) / CALLS * 1e6)
        overhead = [p - c for p, c in zip(python_us, cpp_us)]
        print(f"{kind:6s} search, k {K}: Python {statistics.median(python_us):7.1f} us, "
              f"C++ {statistics.median(cpp_us):7.1f} us a call; binding overhead "
              f"{statistics.median(overhead):5.1f} us a call (median of {len(overhead)}; "
              f"ratio Python/C++ {statistics.median(python_us) / statistics.median(cpp_us):.3f})")

    # The GIL is released while searching: two Python threads (on this machine's two
    # cores) against one thread doing the same searches, as searches a second.
    import threading

    def searches(n):
        for i in range(n):
            catalogue.search(queries["vector"][i % len(texts)], K)

    total = 4000
    begin = time.perf_counter()
    searches(total)
    one = total / (time.perf_counter() - begin)
    threads = [threading.Thread(target=searches, args=(total // 2,)) for _ in range(2)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    two = total / (time.perf_counter() - begin)
    print(f"vector searches a second: one thread {one:.0f}, two threads {two:.0f} "
          f"(x{two / one:.2f})")

"""Threads share one catalogue (the GIL is released), and other processes read while Python
writes."""
import json
import subprocess
import sys
import threading

import picdex
from conftest import sample_images

QUERIES = ["a dog", "a cat on a sofa", "children in the snow", "music on a stage",
           "a bicycle", "the sea at sunset", "food on a table", "a bird in a tree"]


def test_four_threads_search_one_catalogue_at_once(tmp_path):
    with picdex.Catalogue.create(tmp_path / "c.pdx") as catalogue:
        catalogue.put_many(sample_images())
        expected = {q: [(h.uri, h.score) for h in catalogue.search(q, 5)] for q in QUERIES}
        failures, barrier = [], threading.Barrier(4)

        def search(offset):
            barrier.wait()
            for round in range(50):
                q = QUERIES[(offset + round) % len(QUERIES)]
                got = [(h.uri, h.score) for h in catalogue.search(q, 5)]
                if got != expected[q]:
                    failures.append((q, got))

        threads = [threading.Thread(target=search, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []


def test_searches_and_writes_from_threads_while_another_thread_closes(tmp_path):
    catalogue = picdex.Catalogue.create(tmp_path / "c.pdx")
    catalogue.put_many(sample_images())
    errors, started = [], threading.Event()

    def work(i):
        started.set()
        try:
            for n in range(200):
                catalogue.search("a dog", 3)
                catalogue.put(f"t{i}-{n}.jpg", f"thread {i} caption {n}")
        except picdex.Error as e:
            errors.append(str(e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    started.wait()
    catalogue.close()  # waits for running calls; later ones fail cleanly
    for t in threads:
        t.join()
    assert all("closed" in e for e in errors)
    with picdex.Catalogue.open(tmp_path / "c.pdx") as again:
        assert again.verify().ok


READER = """
import json, sys, picdex
sizes = []
while len(sizes) < 400:
    with picdex.Catalogue.open(sys.argv[1], read_only=True) as c:
        hits = c.search("a photo number", 5)
        assert all(h.caption.startswith("photo number") for h in hits), hits
        sizes.append(len(c))
        if sizes[-1] == 2000: break
print(json.dumps(sizes))
"""


def test_a_reader_process_while_python_writes(tmp_path):
    path = tmp_path / "c.pdx"
    with picdex.Catalogue.create(path) as catalogue:
        catalogue.put_many((f"p{i}.jpg", f"photo number {i}") for i in range(100))
        reader = subprocess.Popen([sys.executable, "-c", READER, str(path)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for start in range(100, 2000, 50):
            catalogue.put_many((f"p{i}.jpg", f"photo number {i}") for i in range(start, start + 50))
        out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err
    sizes = json.loads(out)
    assert sizes == sorted(sizes) and all(s % 50 == 0 and 100 <= s <= 2000 for s in sizes)

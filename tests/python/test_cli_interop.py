"""A catalogue written from Python reads the same from the CLI, and back."""
import json

import picdex
from conftest import SOURCE_DIR, sample_images

QUERIES = ["a dog running on the beach", "a dog playing in the snow", "a cat asleep"]


def test_python_writes_the_cli_reads(tmp_path, cli):
    path = tmp_path / "py.pdx"
    with picdex.Catalogue.create(path) as catalogue:
        catalogue.put_many(sample_images())
        ours = {q: catalogue.search(q, 5) for q in QUERIES}
    for q in QUERIES:
        theirs = [json.loads(line) for line in cli("search", path, q, "-k", "5", "--json").splitlines()]
        assert [t["uri"] for t in theirs] == [h.uri for h in ours[q]]
        assert [t["caption"] for t in theirs] == [h.caption for h in ours[q]]
        assert all(abs(t["score"] - h.score) < 1e-5 for t, h in zip(theirs, ours[q]))
        assert [t["metadata"] for t in theirs] == [h.metadata for h in ours[q]]


def test_the_cli_writes_python_reads(tmp_path, cli):
    path = tmp_path / "cli.pdx"
    cli("init", path)
    cli("import", path, SOURCE_DIR / "sample" / "captions.tsv")
    with picdex.Catalogue.open(path) as catalogue:
        assert [(i.uri, i.captions, i.metadata) for i in catalogue.images()] == \
            [(u, c, m) for u, c, m in sample_images()]
        for q in QUERIES:
            theirs = [json.loads(line)["uri"] for line in cli("search", path, q, "-k", "5", "--json").splitlines()]
            assert [h.uri for h in catalogue.search(q, 5)] == theirs

"""A catalogue written from Python keeps everything across a close and a fresh process."""
import picdex
from conftest import flickr8k_captions, run_python

QUERIES = ["a dog running through the grass", "two children play in the water",
           "a man rides a bike on a dirt path", "a woman in a red coat", "people at a concert"]

SEARCH_IN_FRESH_PROCESS = """
import json, sys, picdex
with picdex.Catalogue.open(sys.argv[1], read_only=True) as c:
    print(json.dumps({"size": len(c), "hits": [[(h.uri, h.score, h.caption) for h in c.search(q, 10)]
                                               for q in json.loads(sys.argv[2])]}))
"""


def test_put_search_close_reopen_in_a_fresh_process(tmp_path):
    captions = flickr8k_captions(1000)
    path = tmp_path / "flickr.pdx"
    with picdex.Catalogue.create(path) as catalogue:
        result = catalogue.put_many(
            ({"uri": uri, "captions": [text], "metadata": {"n": i}} for i, (uri, text) in
             enumerate(captions)), batch=250)
        assert (result.added, result.updated, result.unchanged) == (1000, 0, 0)
        before = [[(h.uri, h.score, h.caption) for h in catalogue.search(q, 10)] for q in QUERIES]
    assert catalogue.closed

    import json
    after = run_python(SEARCH_IN_FRESH_PROCESS, path, json.dumps(QUERIES))
    assert after["size"] == 1000
    assert [[tuple(hit) for hit in hits] for hits in after["hits"]] == before
    assert all(len(hits) == 10 for hits in before)

    with picdex.Catalogue.open(path) as catalogue:
        image = catalogue.get(captions[7][0])
        assert image.captions == [captions[7][1]] and image.metadata == {"n": 7}
        assert catalogue.verify().ok
        # Putting the same content again changes nothing.
        again = catalogue.put(captions[7][0], [captions[7][1]], {"n": 7})
        assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


def test_put_get_remove_and_the_catalogue_protocols(tmp_path):
    with picdex.Catalogue.create(tmp_path / "c.pdx") as catalogue:
        catalogue.put("a.jpg", "A dog on the beach", {"year": 2021, "tags": ["sea"]})
        catalogue.put_many([picdex.Image("b.jpg", ["Kids in the snow", "A sled on a hill"]),
                            ("c.jpg", ["A violin on a stage"], {"year": 2019})])
        assert len(catalogue) == 3 and "b.jpg" in catalogue and "z.jpg" not in catalogue
        assert catalogue.get("b.jpg").captions == ["Kids in the snow", "A sled on a hill"]
        assert catalogue.get("a.jpg").metadata == {"year": 2021, "tags": ["sea"]}
        assert [i.uri for i in catalogue.images()] == ["a.jpg", "b.jpg", "c.jpg"]
        updated = catalogue.put("a.jpg", "A dog on the sand")
        assert updated.updated == 1 and catalogue.get("a.jpg").metadata == {}
        assert catalogue.remove("c.jpg") and not catalogue.remove("c.jpg")
        assert [h.uri for h in catalogue.search("a dog on the sand", 5)] == ["a.jpg", "b.jpg"]
        hit = catalogue.search("a dog on the sand", 1)[0]
        assert hit.caption == "A dog on the sand" and hit.matched == "caption"
        assert 0.99 < hit.score <= 1.0001
        stats = catalogue.stats()
        assert (stats.images, stats.captions, stats.dim) == (2, 3, 256)
        assert stats.embedder == catalogue.embedder
        catalogue.checkpoint()
        assert catalogue.stats().snapshot_seq == catalogue.stats().last_seq
        report = catalogue.compact()
        assert report.file_bytes_after > 0
        assert catalogue.verify()
    assert catalogue.closed
    catalogue.close()  # again: nothing happens


def test_export_writes_what_import_reads(tmp_path, cli):
    with picdex.Catalogue.create(tmp_path / "c.pdx") as catalogue:
        catalogue.put("a.jpg", ["A dog on the beach", "A wet dog"], {"year": 2021})
        catalogue.put("b.jpg", "Kids in the snow")
        assert catalogue.export(tmp_path / "out.jsonl") == 2
    cli("init", tmp_path / "copy.pdx")
    cli("import", tmp_path / "copy.pdx", tmp_path / "out.jsonl")
    with picdex.Catalogue.open(tmp_path / "copy.pdx") as copy:
        assert copy.get("a.jpg").captions == ["A dog on the beach", "A wet dog"]
        assert copy.get("a.jpg").metadata == {"year": 2021}
        assert len(copy) == 2

"""Vectors from numpy: a "none" catalogue takes yours; any catalogue gives its own back."""
import numpy as np
import pytest

import picdex


def unit(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_none_catalogue_searches_numpy_vectors_exactly(tmp_path):
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((300, 16)).astype(np.float32)
    with picdex.Catalogue.create(tmp_path / "v.pdx", "none", dim=16) as catalogue:
        assert catalogue.dim == 16 and catalogue.embedder.startswith("none")
        catalogue.put_many((f"img{i}", [f"caption {i}"], None, vectors[i]) for i in range(300))
        catalogue.put("two", ["first", "second"], vectors=vectors[:2] * 3)  # stored unit length
        stored = catalogue.get("two").vectors
        assert stored.dtype == np.float32 and stored.shape == (2, 16)
        np.testing.assert_allclose(stored, unit(vectors[:2]), rtol=1e-5, atol=1e-6)

        query = rng.standard_normal(16).astype(np.float32)
        exact = unit(vectors) @ (query / np.linalg.norm(query))
        best = np.argsort(-exact)[:10]
        hits = catalogue.search(query, 10, ef=400)
        got = [h.uri for h in hits if h.uri != "two"]
        assert got[:9] == [f"img{i}" for i in best[:9]]
        np.testing.assert_allclose(hits[0].score, max(exact.max(), hits[0].score), atol=1e-5)

        # Other float buffers and sequences: float64, strided, a list.
        assert [h.uri for h in catalogue.search(query.astype(np.float64), 5, ef=400)] == \
            [h.uri for h in hits[:5]]
        assert [h.uri for h in catalogue.search(np.repeat(query, 2)[::2], 5, ef=400)] == \
            [h.uri for h in hits[:5]]
        assert [h.uri for h in catalogue.search(query.tolist(), 5, ef=400)] == \
            [h.uri for h in hits[:5]]

        with pytest.raises(picdex.InputError):
            catalogue.search(np.ones(15, dtype=np.float32))
        with pytest.raises(picdex.InputError):
            catalogue.put("bad", ["a"], vectors=np.ones((1, 15), dtype=np.float32))
        with pytest.raises(picdex.InputError):
            catalogue.put("bad", ["a"])  # a none catalogue needs the vectors
        with pytest.raises(picdex.InputError):
            catalogue.search(np.ones((2, 16), dtype=np.float32))
        assert "bad" not in catalogue


def test_embed_gives_the_vector_search_uses(tmp_path):
    with picdex.Catalogue.create(tmp_path / "c.pdx") as catalogue:
        catalogue.put("a.jpg", "A dog running on the beach")
        catalogue.put("b.jpg", "Kids playing in the snow")
        vector = catalogue.embed("a dog by the sea")
        assert vector.dtype == np.float32 and vector.shape == (catalogue.dim,)
        assert abs(np.linalg.norm(vector) - 1) < 1e-5
        by_text = catalogue.search("a dog by the sea", 2)
        by_vector = catalogue.search(vector, 2)
        assert [(h.uri, h.score) for h in by_text] == [(h.uri, h.score) for h in by_vector]
        stored = catalogue.get("a.jpg", vectors=True).vectors[0]
        np.testing.assert_allclose(
            stored, catalogue.embed("A dog running on the beach", stored=True), atol=1e-6
        )
    # learned-v3: a query's form differs from a stored caption's in its last two numbers.
    with picdex.Catalogue.create(tmp_path / "v3.pdx", "learned-v3") as catalogue:
        catalogue.put("a.jpg", "A dog running on the beach")
        stored = catalogue.get("a.jpg", vectors=True).vectors[0]
        assert catalogue.dim == 258
        np.testing.assert_allclose(
            stored, catalogue.embed("A dog running on the beach", stored=True), atol=1e-6
        )
        query = catalogue.embed("A dog running on the beach")
        np.testing.assert_allclose(query[:-2], stored[:-2], atol=1e-6)
        assert query[-1] == 0 and query[-2] < 0 and stored[-1] > 0
        # Ranked by query . stored, shown in cosine units relative to the query's density:
        # a caption's own text scores 1, and a search by the query's vector shows the same.
        catalogue.put("b.jpg", "A red bus parked in a city street")
        hits = catalogue.search("A dog running on the beach", 2)
        assert [h.uri for h in hits] == ["a.jpg", "b.jpg"]
        assert abs(hits[0].score - 1.0) < 1e-4
        assert [(h.uri, h.score) for h in catalogue.search(query, 2)] == \
            [(h.uri, h.score) for h in hits]
        other = catalogue.get("b.jpg", vectors=True).vectors[0]
        gap = (hits[0].score - hits[1].score) / 1.25
        assert abs(gap - float(query.dot(stored) - query.dot(other))) < 1e-5
        assert catalogue.get("a.jpg").vectors is None


def test_an_int8_graph_gives_the_exact_scores(tmp_path):
    rng = np.random.default_rng(8)
    vectors = unit(rng.standard_normal((2000, 64)).astype(np.float32))
    queries = unit(rng.standard_normal((20, 64)).astype(np.float32))
    path = tmp_path / "q.pdx"
    with picdex.Catalogue.create(path, "none", dim=64, graph="int8") as catalogue:
        catalogue.put_many((f"img{i}", ["c"], None, vectors[i]) for i in range(2000))
        assert catalogue.stats().graph == "int8"
        for query in queries:
            exact = vectors @ query
            best = np.argsort(-exact)[:10]
            hits = catalogue.search(query, 10, ef=200)
            assert [h.uri for h in hits] == [f"img{i}" for i in best]
            np.testing.assert_allclose([h.score for h in hits], exact[best], atol=1e-6)
        catalogue.rebuild_index(graph="float32")
        assert catalogue.stats().graph == "float32"
        with pytest.raises(picdex.InputError, match="int4"):
            catalogue.rebuild_index(graph="int4")
    with picdex.Catalogue.open(path, read_only=True) as reopened:
        assert reopened.stats().graph == "float32"

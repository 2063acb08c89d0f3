"""Conditions on metadata, in each form search() takes them."""
import pytest

import picdex
from conftest import sample_images


@pytest.fixture
def sample(tmp_path):
    with picdex.Catalogue.create(tmp_path / "sample.pdx") as catalogue:
        catalogue.put_many(sample_images())
        yield catalogue


def uris(hits):
    return sorted(h.uri for h in hits)


def test_every_hit_meets_the_conditions(sample):
    everything = sample.images()
    by_uri = {i.uri: i.metadata for i in everything}
    recent = sample.search("an animal", 100, where="year>=2022")
    assert recent and all(by_uri[h.uri]["year"] >= 2022 for h in recent)
    assert uris(recent) == sorted(u for u, m in by_uri.items() if m.get("year", 0) >= 2022)

    place = next(iter(by_uri.values()))["place"]
    both = sample.search("an animal", 100, where=[f"place={place}", "year<2030"])
    assert uris(both) == sorted(u for u, m in by_uri.items() if m.get("place") == place)
    assert uris(sample.search("an animal", 100, where={"place": place})) == uris(both)

    years = sorted({m["year"] for m in by_uri.values() if "year" in m})[:2]
    either = sample.search("an animal", 100, where={"year": years})
    assert uris(either) == sorted(u for u, m in by_uri.items() if m.get("year") in years)


def test_pages_and_min_score(sample):
    first = sample.search("a dog on the beach", 3)
    second = sample.search("a dog on the beach", 3, offset=3)
    assert [h.uri for h in first + second] == [h.uri for h in sample.search("a dog on the beach", 6)]
    assert all(h.score >= 0.3 for h in sample.search("a dog on the beach", 100, min_score=0.3))
    keyword = sample.search("beach", 5, mode="keyword")
    assert keyword and all("beach" in " ".join(sample.get(h.uri).captions).lower() for h in keyword)

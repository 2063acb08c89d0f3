"""Every picdex error reaches Python as its own class, under picdex.Error, with its message."""
import shutil
import sqlite3

import pytest

import picdex
from conftest import SOURCE_DIR


def test_the_classes_form_one_hierarchy():
    for cls in (picdex.InputError, picdex.NotFoundError, picdex.FormatError,
                picdex.EmbedderMismatchError, picdex.IoError):
        assert issubclass(cls, picdex.Error) and cls.__module__ == "picdex"
    assert issubclass(picdex.UpgradeNeededError, picdex.FormatError)
    assert issubclass(picdex.Error, Exception)


def test_input_error_says_what_and_where(tmp_path):
    with picdex.Catalogue.create(tmp_path / "c.pdx") as catalogue:
        with pytest.raises(picdex.InputError) as caught:
            catalogue.put("a.jpg", ["A dog", "  "])
        error = caught.value
        assert (error.uri, error.field, error.problem) == ("a.jpg", "caption 2", "is empty")
        assert str(error) == "a.jpg: caption 2: is empty"
        assert len(catalogue) == 0  # nothing half-written
        with pytest.raises(picdex.InputError, match="metadata"):
            catalogue.put("a.jpg", "A dog", "[1, 2]")
        with pytest.raises(picdex.InputError, match="year"):
            catalogue.search("a dog", where="year>>2")
        with pytest.raises(picdex.InputError, match="mode"):
            catalogue.search("a dog", mode="fuzzy")
        with pytest.raises(picdex.InputError, match="batch"):
            catalogue.put_many([], batch=0)
        with pytest.raises(TypeError):
            catalogue.put_many([42])


def test_not_found(tmp_path):
    with pytest.raises(picdex.NotFoundError, match="missing.pdx"):
        picdex.Catalogue.open(tmp_path / "missing.pdx")
    with picdex.Catalogue.create(tmp_path / "c.pdx") as catalogue:
        with pytest.raises(picdex.NotFoundError, match="nope.jpg"):
            catalogue.get("nope.jpg")


def test_format_and_upgrade_needed(tmp_path):
    (tmp_path / "notes.txt").write_text("not a catalogue\n" * 100)
    with pytest.raises(picdex.FormatError):
        picdex.Catalogue.open(tmp_path / "notes.txt")
    # A file in a format older than a read-only open reads (as a catalogue of 0.1.0's
    # beta was): the open says to upgrade it.
    path = tmp_path / "old.pdx"
    picdex.Catalogue.create(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 2")
    db.close()
    with pytest.raises(picdex.UpgradeNeededError, match="open it read-write"):
        picdex.Catalogue.open(path, read_only=True)


def test_a_catalogue_of_release_0_1_0_opens_and_searches(tmp_path):
    legacy = SOURCE_DIR / "tests" / "fixtures" / "legacy-v1"
    for f in legacy.glob("legacy.pdx*"):
        shutil.copy(f, tmp_path / f.name)
    with picdex.Catalogue.open(tmp_path / "legacy.pdx") as catalogue:
        assert catalogue.embedder == "learned-v1:model=default,fingerprint=2100c377"
        assert len(catalogue.search("a dog on the beach", 3)) == 3


def test_embedder_mismatch_io_and_closed(tmp_path):
    path = tmp_path / "c.pdx"
    picdex.Catalogue.create(path, "lexical").close()
    with pytest.raises(picdex.EmbedderMismatchError):
        picdex.Catalogue.open(path, expect_embedder="learned")
    with pytest.raises(picdex.IoError, match="c.pdx"):
        picdex.Catalogue.create(path)
    catalogue = picdex.Catalogue.open(path, read_only=True)
    with pytest.raises(picdex.Error, match="read-only|read only"):
        catalogue.put("a.jpg", "A dog")
    catalogue.close()
    with pytest.raises(picdex.Error, match="closed"):
        catalogue.search("a dog")

"""What the Python tests share: the CLI, the real data sets and the bundled sample.

ctest sets PYTHONPATH (the built package), PICDEX_CLI, PICDEX_SHARED_DATA and
PICDEX_SOURCE_DIR (tests/CMakeLists.txt).
"""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("PICDEX_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SHARED_DATA = Path(os.environ.get("PICDEX_SHARED_DATA", SOURCE_DIR.parent / "shared" / "data"))


@pytest.fixture
def cli():
    """Runs the picdex CLI; returns its standard output (fails the test on a non-zero exit)."""
    binary = os.environ.get("PICDEX_CLI")
    if not binary:
        pytest.skip("PICDEX_CLI is not set (run the tests through ctest)")

    def run(*args, input=None):
        done = subprocess.run([binary, *map(str, args)], input=input, capture_output=True, text=True)
        assert done.returncode == 0, f"picdex {' '.join(map(str, args))}: {done.stderr}"
        return done.stdout

    return run


def sample_images():
    """The bundled sample: (uri, captions, metadata) per image, in file order."""
    images = {}
    with open(SOURCE_DIR / "sample" / "captions.tsv", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            uri, caption = row[0], row[1]
            captions, metadata = images.setdefault(uri, ([], {}))
            captions.append(caption)
            if len(row) > 2:
                metadata.update(json.loads(row[2]))
    return [(uri, captions, metadata) for uri, (captions, metadata) in images.items()]


def flickr8k_captions(images):
    """Caption #0 of the first `images` Flickr8k images; skips the test without the data."""
    path = SHARED_DATA / "flickr8k" / "captions.tsv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    captions = []
    with open(path, newline="") as f:
        for image, index, caption in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if index == "0":
                captions.append((image, caption))
                if len(captions) == images:
                    break
    return captions


def run_python(code, *args):
    """Runs `code` in a fresh Python process (the same interpreter and PYTHONPATH); returns
    what it printed as JSON."""
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)

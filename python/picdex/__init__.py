"""picdex: an embedded similarity index for image-caption catalogues.

Each image has a URI, captions and metadata; captions are embedded into vectors and kept
in one SQLite file beside an HNSW graph. A text query finds the images whose captions are
most like it.

    import picdex
    with picdex.Catalogue.create("photos.pdx") as catalogue:
        catalogue.put("beach.jpg", ["A dog running on the beach"], {"year": 2021})
        for hit in catalogue.search("a dog by the sea", k=3):
            print(hit.score, hit.uri, hit.caption)

Errors are picdex.Error and its subclasses (InputError, NotFoundError, FormatError,
UpgradeNeededError, EmbedderMismatchError, IoError).
"""

from ._picdex import (
    CompactReport,
    Catalogue,
    EmbedderMismatchError,
    Error,
    FormatError,
    Hit,
    Image,
    InputError,
    IoError,
    NotFoundError,
    PutResult,
    ReembedReport,
    Stats,
    UpgradeNeededError,
    VerifyReport,
    __version__,
)

__all__ = [
    "Catalogue",
    "CompactReport",
    "EmbedderMismatchError",
    "Error",
    "FormatError",
    "Hit",
    "Image",
    "InputError",
    "IoError",
    "NotFoundError",
    "PutResult",
    "ReembedReport",
    "Stats",
    "UpgradeNeededError",
    "VerifyReport",
    "__version__",
]


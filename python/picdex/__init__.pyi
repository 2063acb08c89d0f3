# Type stubs for the picdex package (its classes live in the compiled module _picdex).
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

PathLike = Union[str, os.PathLike[str]]
Metadata = Union[Mapping[str, Any], str, None]
Vectors = Union[npt.ArrayLike, None]
Where = Union[str, Sequence[str], Mapping[str, Any], None]
Progress = Optional[Callable[[int, int], object]]

class Error(Exception): ...

class InputError(Error):
    file: Optional[str]
    line: Optional[int]
    uri: Optional[str]
    field: Optional[str]
    problem: Optional[str]

class NotFoundError(Error): ...
class FormatError(Error): ...
class UpgradeNeededError(FormatError): ...
class EmbedderMismatchError(Error): ...
class IoError(Error): ...

class Image:
    uri: str
    captions: list[str]
    metadata: dict[str, Any]
    vectors: Optional[npt.NDArray[np.float32]]
    picture: Optional[str]
    def __init__(
        self,
        uri: str,
        captions: Union[str, Sequence[str]] = ...,
        metadata: Metadata = None,
        vectors: Vectors = None,
        picture: Optional[PathLike] = None,
    ) -> None: ...

class Hit:
    @property
    def uri(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def caption(self) -> str: ...
    @property
    def ranked_by(self) -> float: ...
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def metadata_json(self) -> str: ...
    @property
    def matched(self) -> Literal["caption", "picture"]: ...

class PutResult:
    added: int
    updated: int
    unchanged: int

class Stats:
    images: int
    captions: int
    pictures: int
    deleted: int
    dim: int
    embedder: str
    file_bytes: int
    graph_bytes: int
    last_seq: int
    snapshot_seq: int
    log_entries: int
    format: int
    m: int
    ef_construction: int
    ef_search: int
    graph: str

class VerifyReport:
    ok: bool
    problems: list[str]
    images: int
    captions_checked: int
    sampled_recall: float
    deleted_fraction: float
    def __bool__(self) -> bool: ...

class CompactReport:
    dropped: int
    file_bytes_before: int
    file_bytes_after: int
    graph_bytes_before: int
    graph_bytes_after: int

class ReembedReport:
    from_embedder: str
    to_embedder: str
    captions: int
    seconds: float
    verify: VerifyReport

ImageLike = Union[Image, Mapping[str, Any], tuple[Any, ...]]

class Catalogue:
    @staticmethod
    def create(
        path: PathLike,
        embedder: str = "learned",
        *,
        dim: Optional[int] = None,
        m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 128,
        graph: str = "float32",
        progress: Progress = None,
    ) -> Catalogue: ...
    @staticmethod
    def open(
        path: PathLike,
        *,
        read_only: bool = False,
        expect_embedder: str = "",
        checkpoint_after: int = 1000,
        compact_above: float = 0.3,
        progress: Progress = None,
    ) -> Catalogue: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def path(self) -> os.PathLike[str]: ...
    @property
    def embedder(self) -> str: ...
    @property
    def dim(self) -> int: ...
    def __enter__(self) -> Catalogue: ...
    def __exit__(self, *args: object) -> None: ...
    def __len__(self) -> int: ...
    def __contains__(self, uri: str) -> bool: ...
    def put(
        self,
        uri: str,
        captions: Union[str, Sequence[str]] = ...,
        metadata: Metadata = None,
        vectors: Vectors = None,
        *,
        picture: Optional[PathLike] = None,
    ) -> PutResult: ...
    def put_many(self, images: Iterable[ImageLike], batch: int = 1000) -> PutResult: ...
    def remove(self, uri: str) -> bool: ...
    def get(self, uri: str, *, vectors: Optional[bool] = None) -> Image: ...
    def images(self, *, vectors: bool = False) -> list[Image]: ...
    def search(
        self,
        query: Union[str, npt.ArrayLike],
        k: int = 10,
        *,
        where: Where = None,
        mode: Literal["vector", "keyword", "hybrid"] = "vector",
        min_score: Optional[float] = None,
        offset: int = 0,
        ef: int = 0,
    ) -> list[Hit]: ...
    def embed(self, text: str) -> npt.NDArray[np.float32]: ...
    def stats(self) -> Stats: ...
    def verify(self) -> VerifyReport: ...
    def checkpoint(self) -> None: ...
    def rebuild_index(self, *, graph: Optional[str] = None) -> None: ...
    def compact(self) -> CompactReport: ...
    def reembed(self, embedder: str = "learned") -> ReembedReport: ...
    def export(self, path: PathLike, *, vectors: bool = False) -> int: ...

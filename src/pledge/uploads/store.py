"""Files behind a pluggable store. Local disk by default (under PLEDGE_VAR_DIR/uploads); an
object store (S3, OSS) implements the same methods (a ranged GET for `read_range`)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class FileStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """`length` bytes from byte `start` (fewer at the end of the file): a video is served
        in the pieces a player asks for, never read whole."""
        ...


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("a storage key is a plain file name")
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # whole file or nothing

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def read_range(self, key: str, start: int, length: int) -> bytes:
        with self._path(key).open("rb") as fh:
            fh.seek(start)
            return fh.read(length)

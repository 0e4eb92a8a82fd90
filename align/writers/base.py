"""Writers turn a Document into one output file each; all write atomically."""
from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ..document import Document


def atomic_write(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write to a temporary file beside `path`, then rename it into place, so an
    interrupted run never leaves a half-written file behind."""
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return path


class Writer(ABC):
    """One output format: `suffix` is appended to the article name."""

    suffix: str = ""

    def path_for(self, document: Document, out_dir: Path) -> Path:
        return Path(out_dir) / f"{document.name}{self.suffix}"

    @abstractmethod
    def render(self, document: Document, run: dict[str, Any] | None = None) -> str | bytes:
        """The file's content."""

    def write(self, document: Document, out_dir: str | Path, run: dict[str, Any] | None = None) -> Path:
        return atomic_write(self.path_for(document, Path(out_dir)), self.render(document, run))

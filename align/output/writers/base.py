"""Writers turn a Document into one output file each; all write atomically."""
from __future__ import annotations

import io
import os
import tempfile
from contextlib import contextmanager
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any, Iterator

from ...document import Document
from ...errors import OutputError
from ..folder import OutputFolder


def current_umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write to a temporary file beside `path`, then rename it into place, so an
    interrupted run never leaves a half-written file behind. Missing parent
    folders are created; file and folders get the modes the umask gives any new
    file (mkstemp's own 0600 would make outputs unreadable to anyone else)."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_writer(path) as stream:
        stream.write(payload)
    return Path(path)


@contextmanager
def atomic_writer(path: str | Path, encoding: str | None = None) -> Iterator[IO]:
    """`atomic_write` for content written piece by piece (a manifest of 100,000
    articles is never one string): yields a binary stream, or a text stream with
    `encoding`; the file appears under its name only if the block ends normally."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc), exc.errno) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            if hasattr(os, "fchmod"):  # not on Windows, where modes do not apply
                os.fchmod(stream.fileno(), 0o666 & ~current_umask())
            if encoding is None:
                yield stream
            else:
                text = io.TextIOWrapper(stream, encoding=encoding, newline="")
                yield text
                text.flush()
                text.detach()
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            # A full disk, a folder made read-only mid-run: one line naming the file.
            raise OutputError(path, exc.strerror or str(exc), exc.errno) from None
        raise


class Writer(ABC):
    """One output format: `suffix` is appended to the article name."""

    suffix: str = ""

    def path_for(self, document: Document, out_dir: Path) -> Path:
        return OutputFolder(out_dir).output(document.name, self.suffix)

    @abstractmethod
    def render(self, document: Document, run: dict[str, Any] | None = None) -> str | bytes:
        """The file's content."""

    def write(self, document: Document, out_dir: str | Path, run: dict[str, Any] | None = None) -> Path:
        return atomic_write(self.path_for(document, Path(out_dir)), self.render(document, run))

    def finish_run(self, out_dir: str | Path, report, log) -> Path | None:
        """What the writer makes once per run, from the run's report and its article log
        (align.pipeline.report.RunReport, ArticleLog): the HTML writer's index; none by default."""
        return None

"""Writers turn a Document into one output file each; all write atomically."""
from __future__ import annotations

import errno
import io
import os
from contextlib import contextmanager
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any, Iterator

from ...document import Document
from ...errors import OutputError
from ..folder import OutputFolder


def atomic_write(path: str | Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> Path:
    """Write to a temporary file beside `path`, then rename it into place, so an
    interrupted run never leaves a half-written file behind. Missing parent
    folders are created; file and folders get the modes the umask gives any new
    file (mkstemp's own 0600 would make outputs unreadable to anyone else).
    `durable`: on disk before the rename (fsync); else see `sync_folder`.
    (Five system calls a file, written with os.write: a run writes three an article.)"""
    path = path if isinstance(path, Path) else Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    with _into_place(path, durable) as handle:
        written = 0
        while written < len(payload):  # (a write may take only part of it)
            written += os.write(handle, payload[written:] if written else payload)
    return path


@contextmanager
def _into_place(path: Path, durable: bool) -> Iterator[int]:
    """A new temporary beside `path`, open for the block to write; renamed onto `path`
    when the block ends normally (fsynced first if `durable`), else removed, an
    OSError raised as an OutputError naming `path` (a full disk, a folder made
    read-only mid-run: one line)."""
    handle, temporary = _open_temporary(path)
    try:
        try:
            yield handle
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(path, exc.strerror or str(exc), exc.errno) from None
        raise


def _open_temporary(path: Path) -> tuple[int, str]:
    """`_temporary_beside`, the missing folders made first (tried only when the open
    says they are missing: a run's files mostly go to folders that exist)."""
    try:
        try:
            return _temporary_beside(path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _temporary_beside(path)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc), exc.errno) from None


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new ``.NAME.XXXXXXXX.part`` file beside `path`, open for writing, as
    `tempfile.mkstemp` makes one but created with mode 0666 less the umask (the mode
    any new file gets: mkstemp's 0600 would make outputs unreadable to anyone else),
    which saves a run two system calls a file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temporary = os.path.join(path.parent, f".{path.name}.{os.urandom(5).hex()}.part")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


@contextmanager
def atomic_writer(path: str | Path, encoding: str | None = None, durable: bool = True) -> Iterator[IO]:
    """`atomic_write` for content written piece by piece (a manifest of 100,000
    articles is never one string): yields a binary stream, or a text stream with
    `encoding`; the file appears under its name only if the block ends normally."""
    path = Path(path)
    with _into_place(path, durable) as handle, os.fdopen(handle, "wb", closefd=False) as stream:
        if encoding is None:
            yield stream
        else:
            text = io.TextIOWrapper(stream, encoding=encoding, newline="")
            yield text
            text.flush()
            text.detach()
        stream.flush()


def sync_folder(folder: str | Path) -> None:
    """Put on disk every file written to `folder`'s file system so far: a run writes
    its articles' outputs without an fsync each (half a millisecond a file here, more
    than the rest of a short article's work) and makes them durable at once before
    its manifest, as SQLite's WAL mode with synchronous=NORMAL makes the memory
    durable at checkpoints. Either way a killed process leaves whole files (the
    rename is atomic); only a power cut before this can lose the run's newest ones,
    which the next run writes again. Linux's syncfs(2), else sync(2)."""
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):  # not Linux
        os.sync()
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(Path(folder), exc.strerror or str(exc), exc.errno) from None
    try:
        if syncfs(descriptor) != 0:
            code = ctypes.get_errno()
            if code != errno.ENOSYS:  # a write-back error (a full disk, EIO): the outputs are not safe
                raise OutputError(Path(folder), os.strerror(code), code)
            os.sync()
    finally:
        os.close(descriptor)


class Writer(ABC):
    """One output format: `suffix` is appended to the article name."""

    suffix: str = ""

    def path_for(self, document: Document, out_dir: Path) -> Path:
        return OutputFolder(out_dir).output(document.name, self.suffix)

    @abstractmethod
    def render(self, document: Document, run: dict[str, Any] | None = None) -> str | bytes:
        """The file's content."""

    def write(self, document: Document, out_dir: str | Path, run: dict[str, Any] | None = None,
              durable: bool = True) -> Path:
        """Write the file (`durable`: see atomic_write; a run passes False and syncs its
        folder at its end)."""
        out_dir = out_dir if isinstance(out_dir, Path) else Path(out_dir)
        return atomic_write(self.path_for(document, out_dir), self.render(document, run), durable=durable)

    def finish_run(self, out_dir: str | Path, report, log) -> Path | None:
        """What the writer makes once per run, from the run's report and its article log
        (align.pipeline.report.RunReport, ArticleLog): the HTML writer's index; none by default."""
        return None

"""How a file goes into place: whole or not at all (`atomic_write`, `atomic_writer`),
durable at a run's end (`sync_folder`), and, for a long run, put into place by a
child process while the run goes on (`BackgroundFiles`)."""
from __future__ import annotations

import errno
import io
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ..errors import OutputError


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


class BackgroundFiles:
    """A long run's files put into place by a child process while the run goes on.

    Creating a file costs the kernel 0.05–0.6 ms on a virtual disk, and a run writes
    three an article: more than the rest of a short article's work. `place` hands a
    file to the child, which writes it with `atomic_write`, and returns at once;
    `settle` waits until every file handed over so far is in place, and raises the
    OutputError of the first that could not be (the child places nothing after it: a
    run stops there, as at a failed write of its own). A run settles before it commits
    what names its files (align.pipeline.run) and before its end; `close` settles and
    ends the child, `stop` ends it at once. The child also stops when the run's
    process is gone: it places nothing for a dead run, whose folder a next run may
    have locked by then.
    """

    FLUSH_BYTES = 1 << 16  # files handed over in messages of this size, not one by one
    PIPE_BYTES = 1 << 20   # Linux's largest pipe for an unprivileged process, by default

    def __init__(self, folder: str | Path) -> None:
        import subprocess
        import sys

        self.folder = Path(folder)
        # The child imports this very copy of align, and nothing of the current folder
        # (`-c` puts it first on the path: a user's own align/ or pathlib.py there).
        root = str(Path(__file__).resolve().parents[2])
        self._process = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p]; "
                                   "from align.output.files import _serve; _serve(int(sys.argv[2]))",
             root, str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        try:  # (Linux) room for a few hundred articles' files: the run rarely waits on the child
            import fcntl
            fcntl.fcntl(self._process.stdin, getattr(fcntl, "F_SETPIPE_SZ", 1031), self.PIPE_BYTES)
        except (ImportError, OSError):
            pass
        self._queue: list[tuple[str, bytes, bool]] = []
        self._queued = 0
        self._unanswered = 0   # settles sent whose answer was not read (one interrupted by Ctrl-C)
        self._failure: OutputError | None = None

    def place(self, path: str | Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> Path:
        """`atomic_write`'s arguments; the file is in place once `settle` returns."""
        path = path if isinstance(path, Path) else Path(path)
        payload = data.encode(encoding) if isinstance(data, str) else data
        self._queue.append((str(path), payload, durable))
        self._queued += len(payload)
        if self._queued >= self.FLUSH_BYTES:
            self._send_queue()
        return path

    def settle(self) -> None:
        """Every file placed so far is in place; else the first that is not, as an
        OutputError (raised again by every later call)."""
        if self._failure is None:
            self._send_queue()
            self._send(("settle",))
            self._unanswered += 1
            while self._failure is None and self._unanswered:
                self._failure = self._answer()
                self._unanswered -= 1
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        """Settle, then let the child end (its input closed), or end it if it failed."""
        try:
            self.settle()
            self._process.stdin.close()
            self._process.wait()
        finally:
            self.stop()

    def stop(self) -> None:
        """End the child now: a file it is writing stays a temporary, which the next
        run's lock removes (align.output.lock)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def _send_queue(self) -> None:
        if self._queue:
            self._send(("place", self._queue))
            self._queue, self._queued = [], 0

    def _send(self, message: tuple) -> None:
        import pickle

        if self._failure is not None:
            return
        try:
            pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except (OSError, ValueError):  # the child is gone
            self._failure = self._lost()

    def _answer(self) -> OutputError | None:
        import pickle

        try:
            failure = pickle.load(self._process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            return self._lost()
        return None if failure is None else OutputError(*failure)

    def _lost(self) -> OutputError:
        return OutputError(self.folder, f"the process placing the run's files ended "
                                        f"(exit status {self._process.poll()})")

    def __enter__(self) -> "BackgroundFiles":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _serve(parent: int) -> None:
    """The child of BackgroundFiles: files placed in the order they came until the
    first failure, none after it; each settle answered with that failure, or None."""
    import pickle
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the run, which ends this
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    failure = None
    while True:
        try:
            message = pickle.load(requests)
        except EOFError:
            return
        if message[0] == "settle":
            pickle.dump(failure, answers)
            answers.flush()
            continue
        for path, payload, durable in message[1]:
            if failure is not None:
                break
            if os.getppid() != parent:  # the run is gone; a next one may hold its folder
                return
            try:
                atomic_write(path, payload, durable=durable)
            except OutputError as exc:
                failure = (exc.filename, exc.strerror, exc.errno)

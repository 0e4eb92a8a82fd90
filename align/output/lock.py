"""One `align translate` at a time per output folder.

`OutputLock(out_dir)` holds ``OUT/.align/lock``: flock(2) on Unix, taken here as
`filelock`'s UnixFileLock takes it (filelock 4 imports asyncio: 18 ms of every
short run's start), and `filelock` itself elsewhere (msvcrt locking on Windows).
Either lock belongs to the open file, so the system releases it when the process
ends in any way (kill -9 included): a stale lock cannot outlive its run. The
holder's pid is written beside it, in ``OUT/.align/lock.pid``, for the error
message only.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .folder import OutputFolder

TEMPORARY_SUFFIX = ".part"

# Locks held by this process: a lock stays held until release() or the end of
# the process, even when its OutputLock is dropped (FileLock releases on garbage
# collection, which would free the folder while the run still writes to it).
_HELD: set[Any] = set()


class LockTimeout(Exception):
    """The lock is held by another process (after the timeout)."""


class _Flock:
    """An exclusive flock(2) on `path`, as filelock's UnixFileLock takes it: the file
    opened (created 0644) and locked without blocking, polled until `timeout`; a
    lock file that was replaced while we waited for it is opened again."""

    def __init__(self, path: Path, timeout: float, poll: float) -> None:
        self.path, self.timeout, self.poll = path, timeout, poll
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        deadline = time.monotonic() + self.timeout
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise LockTimeout(str(self.path)) from None
                time.sleep(self.poll)
                continue
            except BaseException:
                os.close(fd)
                raise
            if os.fstat(fd).st_nlink == 0:  # unlinked while we waited: lock the new one
                os.close(fd)
                continue
            self._fd = fd
            return

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)


class _PortableLock:
    """filelock's lock, where flock(2) is not available."""

    def __init__(self, path: Path, timeout: float, poll: float) -> None:
        from filelock import FileLock

        self._lock = FileLock(path, timeout=timeout, thread_local=False, poll_interval=poll)

    def acquire(self) -> None:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise LockTimeout(str(self._lock.lock_file)) from None

    def release(self) -> None:
        self._lock.release()


FLOCK = os.name == "posix"


def _file_lock(path: Path, timeout: float, poll: float):
    return (_Flock if FLOCK else _PortableLock)(path, timeout, poll)


class OutputLock:
    """Exclusive lock on an output folder; a context manager.

    `timeout`: seconds to wait for another run to finish (0: fail at once).
    """

    def __init__(self, out_dir: str | Path, timeout: float = 0.0, poll: float = 0.1) -> None:
        self.out_dir = Path(out_dir)
        folder = OutputFolder(self.out_dir)
        self.path, self.pid_path = folder.lock, folder.lock_pid
        self.timeout = timeout
        self.poll = poll
        self._lock: Any = None

    @property
    def locked(self) -> bool:
        return self._lock is not None

    def holder(self) -> str:
        """The pid written by the run that holds the lock ('?' if unknown)."""
        try:
            return self.pid_path.read_text(encoding="ascii").strip() or "?"
        except (OSError, UnicodeDecodeError):
            return "?"

    def acquire(self) -> "OutputLock":
        if self._lock is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"{self.out_dir}: cannot create lock file {self.path} ({exc.strerror or exc})") from None
        lock = _file_lock(self.path, max(self.timeout, 0.0), self.poll)
        try:
            lock.acquire()
        except LockTimeout:
            raise UsageError(f"{self.out_dir}: another align run is writing here (pid {self.holder()}); "
                             f"wait for it or use another -o DIR") from None
        except OSError as exc:
            raise UsageError(f"{self.out_dir}: cannot lock output folder ({exc.strerror or exc})") from None
        try:
            self.pid_path.write_text(f"{os.getpid()}\n", encoding="ascii")
        except OSError:
            pass  # the pid is informative only
        self._lock = lock
        _HELD.add(lock)
        return self

    def release(self) -> None:
        if self._lock is None:
            return
        lock, self._lock = self._lock, None
        try:
            self.pid_path.unlink()
        except OSError:
            pass
        try:
            lock.release()
        finally:
            _HELD.discard(lock)

    def remove_stale_temporaries(self) -> int:
        """Delete the ``.NAME.XXXX.part`` files that killed runs left anywhere in
        the output tree (atomic_write's temporaries); returns how many. Only call
        it while holding the lock: then no other run can be writing them."""
        if self._lock is None:
            raise RuntimeError("remove_stale_temporaries() needs the lock held")
        removed = 0
        for folder, subfolders, files in os.walk(self.out_dir):  # does not follow links
            if Path(folder) == OutputFolder(self.out_dir).state:
                subfolders[:] = [name for name in subfolders if name == "sources"]  # the kept article sources
            for name in files:
                if not (name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)):
                    continue
                path = Path(folder) / name
                try:
                    if path.is_file() and not path.is_symlink():
                        path.unlink()
                        removed += 1
                except OSError:
                    continue
        return removed

    def recover(self) -> list[str]:
        """What killed processes left in the folder: their temporary files deleted
        (`remove_stale_temporaries`) and the review saves they left unfinished undone
        (align.output.saves); returns the articles of those saves. Call it, holding
        the lock, before reading or writing anything in the folder. A memory that
        cannot be read has no saves to undo here (the run says so where it opens it)."""
        from .saves import roll_back_unfinished_saves

        self.remove_stale_temporaries()
        try:
            return roll_back_unfinished_saves(self.out_dir)
        except UsageError:
            return []

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


def prepare_output_dir(out_dir: Path) -> None:
    """The output folder made if needed, and writable: else a UsageError, said before the model loads."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: output folder is a file; choose another -o DIR")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot create output folder ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):  # say so before loading the model
        raise UsageError(f"{out_dir}: cannot write to the output folder (permission denied); choose another -o DIR")

"""One `align translate` at a time per output folder.

`OutputLock(out_dir)` holds ``OUT/.align/lock`` through `filelock` (flock on
Unix, msvcrt locking on Windows: chosen over a hand-written fcntl lock so the
lock works on every platform). Either lock belongs to the open file, so the
system releases it when the process ends in any way (kill -9 included): a stale
lock cannot outlive its run. The holder's pid is written beside it, in
``OUT/.align/lock.pid``, for the error message only.
"""
from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import UsageError
from .folder import OutputFolder

TEMPORARY_SUFFIX = ".part"

# Locks held by this process: a lock stays held until release() or the end of
# the process, even when its OutputLock is dropped (FileLock releases on garbage
# collection, which would free the folder while the run still writes to it).
_HELD: set[FileLock] = set()


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
        self._lock: FileLock | None = None

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
        lock = FileLock(self.path, timeout=max(self.timeout, 0.0), thread_local=False,
                        poll_interval=self.poll)
        try:
            lock.acquire()
        except Timeout:
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

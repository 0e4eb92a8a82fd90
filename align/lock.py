"""One `align translate` at a time per output folder.

`OutputLock(out_dir)` takes an exclusive `fcntl.flock` on ``OUT/.align/lock``.
flock locks belong to the open file, so the kernel releases them when the
process ends in any way (kill -9 included): a stale lock cannot outlive its run.
The holder's pid is written into the file for the error message only.
"""
from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from .errors import UsageError

LOCK_DIR = ".align"
LOCK_FILE = "lock"


class OutputLock:
    """Exclusive lock on an output folder; a context manager.

    `timeout`: seconds to wait for another run to finish (0: fail at once).
    """

    def __init__(self, out_dir: str | Path, timeout: float = 0.0, poll: float = 0.1) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / LOCK_DIR / LOCK_FILE
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def holder(self) -> str:
        """The pid written by the run that holds the lock ('?' if unknown)."""
        try:
            return self.path.read_text(encoding="ascii").strip() or "?"
        except (OSError, UnicodeDecodeError):
            return "?"

    def acquire(self) -> "OutputLock":
        if self._fd is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise UsageError(f"{self.out_dir}: cannot create lock file {self.path} ({exc.strerror or exc})") from None
        deadline = time.monotonic() + max(self.timeout, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise UsageError(f"{self.out_dir}: cannot lock output folder ({exc.strerror or exc})") from None
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise UsageError(f"{self.out_dir}: another align run is writing here (pid {self.holder()}); "
                                     f"wait for it or use another -o DIR") from None
                time.sleep(self.poll)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass  # the pid is informative only
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def remove_stale_temporaries(self) -> int:
        """Delete the ``.NAME.XXXX.part`` files that killed runs left in the folder
        (atomic_write's temporaries); returns how many. Only call it while holding
        the lock: then no other run can be writing them."""
        if self._fd is None:
            raise RuntimeError("remove_stale_temporaries() needs the lock held")
        removed = 0
        try:
            candidates = [p for p in self.out_dir.iterdir() if p.name.startswith(".") and p.name.endswith(".part")]
        except OSError:
            return 0
        for path in candidates:
            try:
                if path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()

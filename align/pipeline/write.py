"""The write stage: an article's files, and its rows in the output folder's
consistency store with the inconsistency flags they give it, in one step, done the
same way by the run itself and, for a long run, by a child process
(`ArticleFiles` is that process's handler: align.output.files.BackgroundFiles)."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ..document import Document
from ..errors import OutputError
from ..output.files import atomic_write

# The consistency store commits articles this many at a time, once their files are
# written (a commit per article cost a short one a tenth of a millisecond).
COMMIT_EVERY = 32


class ArticleFiles:
    """Writes articles into `out_dir` with `writers`, recording each in `store` (the
    folder's ConsistencyIndex; None: no store) first, its inconsistency flags set from
    it. Every file of an article is rendered before any is placed, so an article that
    cannot be rendered leaves no file and no row; the store commits only articles
    whose files are placed. Pickled (for a child process), it keeps the store's path
    and opens its own connection in `prepare`."""

    def __init__(self, out_dir: Path, writers: list, store=None) -> None:
        self.out_dir = out_dir
        self.writers = writers
        self.store = store
        self.store_path = store.path if store is not None else None
        self.uncommitted = 0
        self.commit_every: int | None = COMMIT_EVERY  # (None: only when `commit` is called)

    def __getstate__(self) -> dict[str, Any]:
        return {"out_dir": self.out_dir, "writers": self.writers, "store_path": self.store_path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled, in the child process: it commits only when told (at each settle),
        # once the thread placing its files has placed them (align.output.files).
        self.__dict__.update(state, store=None, uncommitted=0, commit_every=None)

    def prepare(self) -> None:
        """What writing needs loaded (templates), and the store, opened (in a child process)."""
        for writer in self.writers:
            writer.prepare()
        if self.store is None and self.store_path is not None:
            from ..checks.consistency import ConsistencyIndex
            self.store = ConsistencyIndex(self.store_path)

    def write(self, document: Document, run: dict[str, Any] | None, place: Callable[..., Path] = atomic_write,
              rendered: list[tuple[Path, str | bytes]] | None = None) -> dict[str, int] | None:
        """Record `document`, set its inconsistency flags, render its files and place
        them (`place`: atomic_write's arguments; not durable: see sync_folder). Returns
        its flag counts when the store changed its flags, else None. A failure leaves
        the article's earlier rows as they were, and raises. `rendered`: its files as
        `render` gave them before (the run renders them while the child is behind),
        rendered again only if the store changed its flags."""
        if self.store is None:
            self._place(rendered if rendered is not None else self.render(document, run), place)
            return None
        from ..checks.consistency import mark_inconsistent

        with store_writes(self.store), self.store.recording(document, commit=False) as flags:
            changed = mark_inconsistent(document, flags)
            self._place(rendered if rendered is not None and not changed else self.render(document, run), place)
        self.uncommitted += 1
        if self.commit_every is not None and self.uncommitted >= self.commit_every:
            self.commit()
        return document.flag_counts() if changed else None

    def render(self, document: Document, run: dict[str, Any] | None) -> list[tuple[Path, str | bytes]]:
        """The article's files (path, content), none written."""
        files: list[tuple[Path, str | bytes]] = []

        def keep(path: Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> Path:
            files.append((path, data))
            return path

        for writer in self.writers:
            writer.write(document, self.out_dir, run, durable=False, place=keep)
        return files

    def outputs(self, document: Document) -> list[str]:
        """The paths of the files `write` writes for `document`."""
        return [str(path) for writer in self.writers
                if (path := writer.output_path(document, self.out_dir)) is not None]

    def commit(self) -> None:
        """The store commits the articles written since its last commit."""
        if self.store is not None and self.uncommitted:
            with store_writes(self.store):
                self.store.commit()
        self.uncommitted = 0

    def close(self) -> None:
        """Commit, and close the store (the child's own connection)."""
        self.commit()
        if self.store is not None:
            self.store.close()

    @staticmethod
    def _place(files: list[tuple[Path, str | bytes]], place: Callable[..., Path]) -> None:
        for path, data in files:
            place(path, data, durable=False)


@contextmanager
def store_writes(store) -> Iterator[None]:
    """SQLite's own write failures (a full disk: "database or disk is full", a
    read-only file) as OutputErrors naming the store (a memory, a consistency store);
    its transaction is rolled back, so it keeps everything committed before."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise OutputError(store.path, str(exc)) from None

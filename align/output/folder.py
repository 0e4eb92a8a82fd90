"""The output folder (OUT): every path in it, in one place.

    OUT/NAME.en.txt, NAME.tsv, NAME.html, ...   each article's outputs (align.output.writers)
    OUT/index.html                              the run's index (align.output.writers.html)
    OUT/manifest.json                           the run's record, written last (align.pipeline.run)
    OUT/.align/                                 align's own state, kept across runs:
        lock, lock.pid                          the run writing OUT (align.output.lock)
        memory.sqlite                           the translation memory (align.output.memory)
        consistency.sqlite                      every occurrence of a sentence (align.checks.consistency)
        protect.json                            the protected syntax of the run (align.read.protect)
        sources/NAME.md ...                     each article's source as read (align.output.writers.formats)
        run-articles.jsonl                      the run's article log (align.pipeline.run)

Everything else asks an `OutputFolder` for a path rather than spelling it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

STATE = ".align"                 # align's own state, beside the outputs
MANIFEST = "manifest.json"
INDEX = "index.html"
TSV = ".tsv"                     # each article's aligned TSV, the record of its review


class OutputFolder:
    """An output folder `root` and the paths in it."""

    def __init__(self, root: str | Path):
        self.root = root if isinstance(root, Path) else Path(root)  # (Path(a Path) parses it again)

    @property
    def state(self) -> Path:
        return self.root / STATE

    @property
    def lock(self) -> Path:
        return self.state / "lock"

    @property
    def lock_pid(self) -> Path:
        return self.state / "lock.pid"

    @property
    def memory(self) -> Path:
        return self.state / "memory.sqlite"

    @property
    def consistency(self) -> Path:
        return self.state / "consistency.sqlite"

    @property
    def protection(self) -> Path:
        return self.state / "protect.json"

    @property
    def kept_sources(self) -> Path:
        return self.state / "sources"

    @property
    def article_log(self) -> Path:
        return self.state / "run-articles.jsonl"

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def index(self) -> Path:
        return self.root / INDEX

    def kept_source(self, name: str, suffix: str) -> Path:
        """The source of article `name` as read, with its format's `suffix`."""
        return self.kept_sources / f"{name}{suffix}"

    def output(self, name: str, suffix: str) -> Path:
        """Article `name`'s output with `suffix` (".en.txt", ".tsv", ".html", ".en.md"...);
        an article of a sub-folder ("2024/intro") has its outputs there."""
        return self.root / f"{name}{suffix}"

    def tsv(self, name: str) -> Path:
        """Article `name`'s aligned TSV (the record of review)."""
        return self.output(name, TSV)

    def tsvs(self) -> Iterator[tuple[str, Path]]:
        """(article name, path) of every TSV in the folder and its sub-folders, hidden
        files and folders (align's state among them) left out."""
        for path in self.root.rglob(f"*{TSV}"):
            relative = path.relative_to(self.root)
            if not any(part.startswith(".") for part in relative.parts):
                yield relative.as_posix()[:-len(TSV)], path

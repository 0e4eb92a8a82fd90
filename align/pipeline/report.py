"""What a run reports: each article's line (`ArticleReport`), the log the manifest
and the index are streamed from (`ArticleLog`), and the run's totals (`RunReport`).
A merge reports through the same classes."""
from __future__ import annotations

import json
import os
from array import array
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator

from ..document import TERM_FAILED, TERM_FORCED, TERM_MODEL
from ..errors import OutputError
from ..output.folder import OutputFolder
from ..output.manifest import Manifest


@dataclass
class ArticleReport:
    """What the manifest and the index say about one translated article."""

    name: str
    source: str
    sentences: int = 0
    paragraphs: int = 0
    terms: dict[str, int] = field(default_factory=dict)
    term_accuracy: float | None = None
    flags: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)  # review statuses of its sentences
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    from_memory: int = 0
    copied: bool = False  # no words to translate (code blocks, a table of links): written as it is


_REPORT_FIELDS = tuple(spec.name for spec in fields(ArticleReport))


class ArticleLog:
    """The run's article reports, one JSON line each, in ``OUT/.align/``: the
    manifest and the index stream them back at the end instead of holding
    100,000 reports in memory. Kept per folder as file offsets (8 bytes an
    article), so the index can list them folder by folder."""

    def __init__(self, out_dir: Path) -> None:
        self.path = OutputFolder(out_dir).article_log
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w+b")
        except OSError as exc:
            raise OutputError(self.path, exc.strerror or str(exc), exc.errno) from None
        self._folders: dict[str, array] = {}
        self.count = 0
        self._end: int | None = 0  # the file's end while only added to; None once read
        # Flag counts of articles rewritten after they were logged (inconsistency
        # flags set at the end of the run): only those articles, by name.
        self._amended: dict[str, dict[str, int]] = {}

    def add(self, report: ArticleReport) -> None:
        if self._end is None:  # read since the last add: back to the end (a seek flushes: not each time)
            self._end = self._file.seek(0, os.SEEK_END)
        # (its fields as they are: JSON's types already, no deep copy as asdict makes)
        line = json.dumps({name: getattr(report, name) for name in _REPORT_FIELDS},
                          ensure_ascii=False).encode("utf-8") + b"\n"
        self._file.write(line)
        self._folders.setdefault(report.name.rpartition("/")[0], array("Q")).append(self._end)
        self._end += len(line)
        self.count += 1

    def amend(self, name: str, flags: dict[str, int]) -> None:
        """The article `name` (when it is one of the log's) now has these flag counts."""
        self._amended[name] = flags

    def _report(self, line: bytes) -> dict[str, Any]:
        report = json.loads(line)
        if report.get("name") in self._amended:
            report["flags"] = self._amended[report["name"]]
        return report

    def _read(self, offset: int) -> dict[str, Any]:
        self._end = None
        self._file.seek(offset)
        return self._report(self._file.readline())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The reports in the order they were added."""
        self._end = None
        self._file.flush()
        self._file.seek(0)
        for line in iter(self._file.readline, b""):
            yield self._report(line)

    def by_folder(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        """(folder, its reports), the top level first, then folders by name."""
        self._file.flush()
        for folder in sorted(self._folders):
            yield folder, (self._read(offset) for offset in self._folders[folder])

    def close(self) -> None:
        self._file.close()
        try:
            self.path.unlink()
        except OSError:
            pass


@dataclass
class RunReport:
    """What happened in a run: counts over its articles (the articles themselves
    are in the manifest), the failures, the time."""

    articles: int = 0
    sentences: int = 0
    from_memory: int = 0
    copied: int = 0       # articles with no words, written as they are
    term_counts: dict[str, int] = field(default_factory=lambda: {TERM_MODEL: 0, TERM_FORCED: 0, TERM_FAILED: 0})
    flag_counts: dict[str, int] = field(default_factory=dict)
    review_counts: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line error)
    seconds: float = 0.0
    batches: int = 0
    manifest: Manifest | None = None   # the manifest without its article list (align.output.manifest)
    # The output folder's inconsistencies (align.checks.consistency.InconsistencyReport), for the index.
    inconsistencies: Any = None

    def add(self, article: ArticleReport) -> None:
        self.articles += 1
        self.sentences += article.sentences
        self.from_memory += article.from_memory
        self.copied += article.copied
        for counts, more in ((self.term_counts, article.terms), (self.flag_counts, article.flags),
                             (self.review_counts, article.review)):
            for key, n in more.items():
                counts[key] = counts.get(key, 0) + n

    @property
    def term_accuracy(self) -> float | None:
        found = sum(self.term_counts.values())
        return (self.term_counts[TERM_MODEL] + self.term_counts[TERM_FORCED]) / found if found else None

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

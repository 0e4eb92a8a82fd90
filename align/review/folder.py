"""Reviewers' edits applied to an output folder of `align translate` (or `align pair`).

An edit names a sentence (article + sentence id), the row version it was made
on, and what changes: the English, the status, the comment. Applying it:

1. checks the version (a row edited elsewhere since → `EditConflict`, nothing
   written), cleans and size-checks the text (`EditRejected`);
2. stores the correction in the translation memory (origin "reviewed");
3. rewrites, each atomically, the article's TSV (the record: English, origin
   "reviewed", status, comment, version + 1), its English text, its static
   review page, and the index.

All under the folder's lock, so a running `align translate` and a save never
interleave; a process killed at any point leaves every file whole (atomic
renames, one SQLite transaction).
"""
from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..document import METADATA, ORIGIN_REVIEWED, STATUS_REVIEWED, STATUS_TRANSLATED, STATUSES, Document, \
    SentencePair
from ..errors import AlignError, InputError
from ..lock import OutputLock
from ..writers import TsvWriter, TxtWriter, atomic_write
from ..writers.html import MAX_COMMENT_CHARS, MAX_TARGET_CHARS  # one definition, shared with the page's checks
from ..writers.formats import refresh_same_format
from ..writers.tsv import read_tsv

log = logging.getLogger("align.review")

LOCK_WAIT_SECONDS = 5.0    # a save waits this long for a running translate before giving up

# XML 1.0 cannot carry these even escaped (XLIFF), and they have no place in a sentence.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LINE_BREAKS_RE = re.compile(r"\s*[\r\n\t]+\s*")
# An article name: a relative path of plain parts ("2024/intro"), never "..", never absolute.
_ARTICLE_RE = re.compile(r"(?!.*(?:^|/)\.)[^/\\\x00]+(?:/[^/\\\x00]+)*")


class EditRejected(AlignError):
    """The edit is malformed or too large; `too_large` tells which."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


class EditConflict(AlignError):
    """The row changed since the version the edit was made on."""

    def __init__(self, message: str, current: SentencePair) -> None:
        super().__init__(message)
        self.current = current


class NotFound(AlignError):
    pass


@dataclass
class Edit:
    version: int                 # the row version the reviewer saw
    target: str | None = None    # None: unchanged
    status: str | None = None
    comment: str | None = None
    # Word alignment of the (new) English to the French, (fs, fe, es, ee) character
    # spans, as a CAT tool's inline codes give it (XLIFF import). None: the row's
    # alignment is kept, carried over the words an edited English still shares.
    alignment: list[tuple[int, int, int, int]] | None = None


def carry_alignment(old: str, new: str, alignment: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The word alignment of `old` English moved onto its edited version `new`:
    links whose English words the edit left untouched follow them; links on changed
    words go (the markup of an article is placed by this alignment, so a reviewer's
    fix of one word leaves the bold and links elsewhere in the sentence in place)."""
    if not alignment:
        return []
    from difflib import SequenceMatcher

    kept: list[tuple[int, int, int, int]] = []
    blocks = SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()
    for fs, fe, es, ee in alignment:
        for a, b, size in blocks:
            if a <= es and ee <= a + size:
                start, end = es - a + b, ee - a + b
                # whole words only: "cat" kept inside "cats" is not the same word
                if (start == 0 or not new[start - 1].isalnum()) and (end == len(new) or not new[end].isalnum()):
                    kept.append((fs, fe, start, end))
                break
    return kept


def clean_text(text: str, limit: int, what: str) -> str:
    """One line of plain text: control characters dropped, line breaks and tabs
    as spaces, trimmed; longer than `limit` characters is refused."""
    if not isinstance(text, str):
        raise EditRejected(f"{what} must be text")
    if len(text) > limit:
        raise EditRejected(f"{what} is {len(text)} characters long; the limit is {limit}", too_large=True)
    return cleaned_with_positions(text)[0]


def cleaned_with_positions(text: str) -> tuple[str, list[int]]:
    """`clean_text`'s result, and where each position 0..len(text) of `text` lands
    in it (so that offsets into a text, such as a CAT tool's inline codes, follow
    the cleaning)."""
    out: list[str] = []
    where = [0] * (len(text) + 1)

    def keep(start: int, end: int) -> None:
        for k in range(start, end):
            where[k] = len(out)
            if not _CONTROL_RE.fullmatch(text[k]):
                out.append(text[k])

    cursor = 0
    for match in _LINE_BREAKS_RE.finditer(text):  # a line break and the spaces around it: one space
        keep(cursor, match.start())
        for k in range(match.start(), match.end()):
            where[k] = len(out)
        out.append(" ")
        cursor = match.end()
    keep(cursor, len(text))
    where[len(text)] = len(out)
    joined = "".join(out)
    cleaned = joined.strip()
    lead = len(joined) - len(joined.lstrip())
    return cleaned, [min(max(p - lead, 0), len(cleaned)) for p in where]


def progress(pairs: Iterable[SentencePair]) -> dict[str, int]:
    """Review counts of an article's translatable sentences."""
    counts = {"total": 0, **{status: 0 for status in STATUSES}}
    for pair in pairs:
        if pair.origin == METADATA:
            continue
        counts["total"] += 1
        counts[pair.review_status] = counts.get(pair.review_status, 0) + 1
    return counts


class ReviewFolder:
    """An output folder under review. Thread-safe: saves are serialised."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        if not self.out_dir.is_dir():
            raise InputError(f"{self.out_dir}: no such folder (give the -o folder of align translate)")
        self._lock = threading.Lock()
        self._progress: dict[str, tuple[tuple[int, int, int], dict[str, int]]] = {}

    # ---------------------------------------------------------------- reading
    def articles(self) -> list[str]:
        """Article names: the folder's aligned TSVs, subfolders included (an input
        tree's outputs mirror it: "2024/intro"), hidden files and folders left out."""
        names = []
        for path in self.out_dir.rglob("*.tsv"):
            relative = path.relative_to(self.out_dir)
            if not any(part.startswith(".") for part in relative.parts) and path.is_file():
                names.append(relative.as_posix()[:-len(".tsv")])
        return sorted(names)

    def tsv_path(self, name: str) -> Path:
        """The TSV of a known article; anything else (other names, paths) is NotFound."""
        if not _ARTICLE_RE.fullmatch(name or "") or name not in self.articles():
            raise NotFound(f"no article {name!r} in {self.out_dir}")
        return self.out_dir / f"{name}.tsv"

    def load(self, name: str) -> Document:
        documents = read_tsv(self.tsv_path(name))
        if not documents:
            return Document(name=name)
        document = documents[0]
        document.name = name
        return document

    def manifest(self) -> dict[str, Any]:
        """The run's manifest, or one made from the TSVs (e.g. after `align pair`)."""
        try:
            manifest = json.loads((self.out_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        known = {a.get("name") for a in manifest.get("articles", [])}
        missing = [name for name in self.articles() if name not in known]
        if missing:
            manifest = {**manifest, "articles": list(manifest.get("articles", []))}
            for name in missing:
                document = self.load(name)
                manifest["articles"].append({"name": name, "sentences": document.sentence_count,
                                             "flags": document.flag_counts(), "terms": document.term_counts()})
        return manifest

    def progress(self) -> dict[str, dict[str, int]]:
        """Review counts per article; a TSV is read again only when it changed."""
        counts = {}
        for name in self.articles():
            stat = (self.out_dir / f"{name}.tsv").stat()
            key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            cached = self._progress.get(name)
            if cached is None or cached[0] != key:
                cached = self._progress[name] = (key, progress(self.load(name).pairs()))
            counts[name] = cached[1]
        return counts

    def find(self, document: Document, sentence_id: str) -> SentencePair:
        for pair in document.pairs():
            if pair.id == sentence_id:
                return pair
        raise NotFound(f"no sentence {sentence_id!r} in article {document.name!r}")

    # ---------------------------------------------------------------- writing
    def apply(self, name: str, sentence_id: str, edit: Edit) -> SentencePair:
        """Apply one edit; returns the row as saved."""
        return self.apply_many(name, [(sentence_id, edit)])[0]

    def apply_many(self, name: str, edits: list[tuple[str, Edit]], check_versions: bool = True) -> list[SentencePair]:
        """Apply edits to one article, all or none; returns the rows as saved."""
        with self._lock, OutputLock(self.out_dir, timeout=LOCK_WAIT_SECONDS):
            document = self.load(name)
            changed: list[SentencePair] = []
            for sentence_id, edit in edits:
                pair = self.find(document, sentence_id)
                if pair.origin == METADATA:
                    raise EditRejected(f"{sentence_id} is metadata, copied as is: it has no translation to edit")
                if check_versions and edit.version != pair.version:
                    raise EditConflict(f"{name} {sentence_id} was saved elsewhere since you opened it "
                                       f"(version {pair.version}, yours {edit.version}); reload to see it", pair)
                self._change(pair, edit)
                changed.append(pair)
            if changed:
                from ..memory import TranslationMemory, default_path
                with TranslationMemory(default_path(self.out_dir)) as memory:
                    for pair in changed:
                        memory.store_review(name, pair)
                self.write(document)
            return changed

    @staticmethod
    def _change(pair: SentencePair, edit: Edit) -> None:
        target = pair.target if edit.target is None else clean_text(edit.target, MAX_TARGET_CHARS, "the English")
        comment = pair.comment if edit.comment is None else clean_text(edit.comment, MAX_COMMENT_CHARS, "the comment")
        status = edit.status
        if status is not None and status not in STATUSES:
            raise EditRejected(f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
        if not target:
            raise EditRejected("the English cannot be empty")
        if status is None:  # saving a text is reviewing it
            status = STATUS_REVIEWED if pair.review_status == STATUS_TRANSLATED else pair.review_status
        from ..checks import check_pair
        from ..formats.inline import MARKUP_MOVED, valid_links

        if edit.alignment is not None:  # the reviewer placed the markup (inline codes of a CAT tool)
            alignment = valid_links(edit.alignment, pair.source, target)
        else:
            alignment = carry_alignment(pair.target, target, pair.alignment) if target != pair.target \
                else pair.alignment
        if target != pair.target:
            # The English changed: glossary targets are looked for again, and the
            # flags about the machine's output go (the checks run on the new text).
            from ..terms.presence import locate
            for term, span in zip(pair.terms, locate(target, pair.terms)):
                term.target_start, term.target_end = span if span else (-1, -1)
                if term.status:
                    term.status = "model" if span else "failed"
            pair.target, pair.score, pair.alignment = target, None, alignment
            pair.flags = [f for f in pair.flags if f.code in ("length-ratio", "split")]
            check_pair(pair)
        elif alignment != pair.alignment:  # the same English, its markup placed anew
            pair.alignment = alignment
            pair.flags = [f for f in pair.flags if f.code != MARKUP_MOVED]
            check_pair(pair)  # add_flag keeps one of each
        # A saved sentence has been looked at: a former correction is no longer
        # news, and "look here first" has been done.
        pair.flags = [f for f in pair.flags if f.code not in ("source-changed", "low-confidence")]
        pair.suggestion = ""
        pair.status, pair.comment = status, comment
        pair.origin = ORIGIN_REVIEWED
        pair.version += 1

    def write(self, document: Document) -> None:
        """The article's TSV, English text and static page, then the index."""
        from ..writers.html import HtmlWriter, render_index

        manifest = self.manifest()
        for writer in (TsvWriter(), TxtWriter(), HtmlWriter()):
            writer.write(document, self.out_dir, manifest or None)
        try:  # NAME.en.md / .en.html / .en.docx, when the article has one
            refresh_same_format(self.out_dir, document)
        except InputError as exc:
            log.warning("%s", exc)
        atomic_write(self.out_dir / "index.html", render_index(manifest, self.progress()))

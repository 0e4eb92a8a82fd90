"""Reviewers' edits applied to an output folder of `align translate` (or `align pair`).

An edit names a sentence (article + sentence id), the row version it was made
on, and what changes: the English, the status, the comment. Applying it:

1. checks the version (a row edited elsewhere since → `EditConflict`, nothing
   written), cleans and size-checks the text (`EditRejected`);
2. records the save as pending in the translation memory, with what each file
   it rewrites holds now (committed);
3. rewrites, each atomically, the article's TSV (the record: English, origin
   "reviewed", status, comment, version + 1), its English text, its static
   review page, its English in its own format and the index;
4. stores the correction in the translation memory (origin "reviewed") in the
   transaction that ends the pending save: the save's commit point.

All under the folder's lock, so a running `align translate` and a save never
interleave. A process killed at any instant leaves every file whole (atomic
renames) and, before 4, a pending save that the next `align review` or `align
translate` undoes before anything else (align.output.saves): after a restart
files and memory agree, with the save entirely or not at all.
"""
from __future__ import annotations

import logging
import re
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..checks.consistency import ConsistencyIndex, InconsistencyReport, mark_inconsistent, open_existing
from ..document import METADATA, ORIGIN_REVIEWED, STATUS_APPROVED, STATUS_REVIEWED, STATUS_TRANSLATED, STATUSES, \
    TERM_FORCED, TERM_MODEL, TERM_STATUSES, Document, SentencePair
from ..errors import AlignError, InputError, UsageError
from ..flags import FlagCode
from ..output.articles import load_article
from ..output.lock import OutputLock
from ..output.manifest import Manifest
from ..output.folder import OutputFolder
from ..output.files import atomic_write
from ..output.writers import TsvWriter, TxtWriter
from ..output.writers.formats import same_format_output
from ..output.writers.tsv import KNOWN_HEADERS

log = logging.getLogger("align.review")

LOCK_WAIT_SECONDS = 5.0    # a save waits this long for a running translate before giving up
# Edit limits, in characters; the editable page checks them before sending (EDIT_LIMITS).
MAX_TARGET_CHARS = 5000
MAX_COMMENT_CHARS = 2000
EDIT_LIMITS = {"target": MAX_TARGET_CHARS, "comment": MAX_COMMENT_CHARS}

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


def shows_something(text: str) -> bool:
    """Whether `text` has a character a reader sees: not only whitespace and format
    characters (Unicode category Cf: zero-width space, ZWNJ, ZWJ, word joiner, the
    BOM, direction marks, the soft hyphen)."""
    import unicodedata

    return any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)


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


def summary(document: Document) -> dict[str, Any]:
    """An article's line in the index and the manifest, from its sentences."""
    return {"sentences": document.sentence_count, "terms": document.term_counts(),
            "term_accuracy": document.term_accuracy(), "flags": document.flag_counts(),
            "review": document.review_counts()}


class ReviewFolder:
    """An output folder under review. Thread-safe: saves are serialised."""

    def __init__(self, out_dir: str | Path, on_warning: Callable[[str], None] | None = None) -> None:
        self.out_dir = Path(out_dir)
        if not self.out_dir.is_dir():
            raise InputError(f"{self.out_dir}: no such folder (give the -o folder of align translate)")
        self._lock = threading.Lock()
        self.on_warning = on_warning or log.warning
        self._summaries: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
        self._headers: dict[Path, tuple[tuple[int, int, int], bool]] = {}
        self._warned: set[Path] = set()

    # ---------------------------------------------------------------- reading
    def articles(self) -> list[str]:
        """Article names: the aligned TSVs align wrote in the folder, subfolders
        included (an input tree's outputs mirror it: "2024/intro"), hidden files
        and folders left out. A `*.tsv` that is not align's (another header: a
        copied glossary) or that leads outside the folder (a link) is left out,
        with one warning naming it."""
        names = []
        root = self.out_dir.resolve()
        for name, path in OutputFolder(self.out_dir).tsvs():
            if not path.is_file():
                continue
            if not path.resolve().is_relative_to(root):
                self._warn(path, f"{path}: leads outside {self.out_dir}, left out")
                continue
            if not self._is_align_tsv(path):
                self._warn(path, f"{path}: not an aligned TSV of align (another header), left out")
                continue
            names.append(name)
        return sorted(names)

    def _is_align_tsv(self, path: Path) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = self._headers.get(path)
        if cached is None or cached[0] != key:
            try:
                with path.open(encoding="utf-8", newline="\n") as stream:
                    header = stream.readline().rstrip("\n")
            except (OSError, UnicodeDecodeError):
                header = ""
            cached = self._headers[path] = (key, header in KNOWN_HEADERS)
        return cached[1]

    def _warn(self, path: Path, message: str) -> None:
        if path not in self._warned:
            self._warned.add(path)
            self.on_warning(message)

    def tsv_path(self, name: str) -> Path:
        """The TSV of a known article; anything else (other names, paths) is NotFound."""
        if not _ARTICLE_RE.fullmatch(name or "") or name not in self.articles():
            raise NotFound(f"no article {name!r} in {self.out_dir}")
        return OutputFolder(self.out_dir).tsv(name)

    def load(self, name: str) -> Document:
        """An article as its TSV records it; its format is its kept source's (plain
        text when none is kept)."""
        self.tsv_path(name)  # a known article, or NotFound
        return load_article(self.out_dir, name)

    def summaries(self) -> dict[str, dict[str, Any]]:
        """What the index says of each article, from its TSV as it is now (so the
        index follows every save): sentences, terms, term accuracy, flags and
        review counts. A TSV is read again only when it changed; one that cannot
        be read is left out with a warning."""
        summaries = {}
        for name in self.articles():
            path = OutputFolder(self.out_dir).tsv(name)
            try:
                stat = path.stat()
                key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
                cached = self._summaries.get(name)
                if cached is None or cached[0] != key:
                    cached = self._summaries[name] = (key, summary(self.load(name)))
            except (OSError, InputError) as exc:
                self._warn(path, f"{path}: cannot be read ({exc}), left out")
                continue
            summaries[name] = cached[1]
        return summaries

    def manifest(self, now: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The run's manifest (or, after `align pair`, none), its article entries
        and counts brought up to date with the TSVs (and with `now`: article →
        `summary`, for a save about to be written)."""
        try:
            recorded, listed = Manifest.read(OutputFolder(self.out_dir).manifest)
            manifest = recorded.to_json()
        except UsageError:   # none (align pair), or unreadable
            manifest, listed = {}, []
        summaries = {**self.summaries(), **(now or {})}
        entries = {a.get("name"): a for a in listed}
        articles = [{**entries.get(name, {"name": name}), **facts} for name, facts in summaries.items()]
        terms = {status: sum(a["terms"].get(status, 0) for a in articles) for status in TERM_STATUSES}
        found = sum(terms.values())
        counts = {**(manifest.get("counts") or {}), "articles": len(articles),
                  "sentences": sum(a["sentences"] for a in articles), "terms": terms,
                  "term_accuracy": (terms[TERM_MODEL] + terms[TERM_FORCED]) / found if found else None}
        return {**manifest, "counts": counts, "articles": articles}

    def progress(self) -> dict[str, dict[str, int]]:
        """Review counts per article."""
        return {name: facts["review"] for name, facts in self.summaries().items()}

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
        """Apply edits to one article, all or nothing; returns the rows as saved.

        Under the folder's lock: a save an earlier process left unfinished is undone
        first; every file the save changes is rendered; the memory records the save
        as pending with what those files hold now; the files are written; the
        corrections go into the memory in the transaction that ends the save (see
        align.output.saves). Any failure on the way, or the process's death, puts
        back the files written so far (now, or on the next start): a save that
        fails leaves no trace, now or in a later run."""
        from ..output.memory import PendingSave, TranslationMemory, default_path
        from ..output.saves import roll_back_unfinished_saves, undo_save

        with self._lock, OutputLock(self.out_dir, timeout=LOCK_WAIT_SECONDS):
            self._roll_back(roll_back_unfinished_saves(self.out_dir))
            document = self.load(name)
            changed: list[tuple[SentencePair, bool]] = []
            for sentence_id, edit in edits:
                pair = self.find(document, sentence_id)
                if pair.origin == METADATA:
                    raise EditRejected(f"{sentence_id} is metadata, copied as is: it has no translation to edit")
                if check_versions and edit.version != pair.version:
                    raise EditConflict(f"{name} {sentence_id} was saved elsewhere since you opened it "
                                       f"(version {pair.version}, yours {edit.version}); reload to see it", pair)
                before = pair.target
                self._change(pair, edit)
                changed.append((pair, pair.target != before))
            if not changed:
                return []
            with ExitStack() as stores:
                # The article's rows in the folder's consistency store, and its own
                # inconsistency flags, as saved (other articles' flags follow at the
                # next run); committed once the files are written.
                consistency = open_existing(OutputFolder(self.out_dir).consistency)
                flagged = None
                if consistency is not None:
                    stores.callback(consistency.close)
                    flagged = consistency.flagged(name)
                    try:
                        consistency.record(document, commit=False)
                        flags = consistency.flags_for(name)
                        mark_inconsistent(document, flags)
                        consistency.set_flagged(name, flags, commit=False)
                    except BaseException:
                        consistency.rollback()
                        raise
                outputs = self.render(document, consistency)
                memory = TranslationMemory(default_path(self.out_dir))
                stores.callback(memory.close)
                previous = [(path.relative_to(self.out_dir).as_posix(), path.read_bytes() if path.is_file() else None)
                            for path, _ in outputs]
                save = PendingSave(memory.begin_save(name, previous, flagged), name, flagged, previous)
                try:
                    for path, data in outputs:
                        atomic_write(path, data)
                    if consistency is not None:
                        consistency.commit()
                    for pair, edited in changed:
                        memory.store_review(document, pair, edited, commit=False)
                    memory.end_save(save.id)  # the save's commit point
                except BaseException:
                    if consistency is not None:
                        consistency.rollback()
                    try:
                        undo_save(self.out_dir, memory, save, consistency)
                    except Exception as exc:  # the next start undoes it (the pending record stays)
                        log.error("%s: the failed save of %s could not be undone now (%s); the next align review "
                                  "or align translate will", self.out_dir, name, exc)
                    raise
            self._summaries.pop(name, None)  # read again from the file when next asked
            return [pair for pair, _ in changed]

    def recover(self) -> list[str]:
        """What a killed process left (`OutputLock.recover`): temporary files deleted,
        an unfinished save undone. Returns the articles whose save was undone. Done
        only when the folder's lock is free: a run holding it did the same when it
        started."""
        try:
            with self._lock, OutputLock(self.out_dir) as lock:
                return self._roll_back(lock.recover())
        except UsageError:  # a translate run holds the folder
            return []

    def _roll_back(self, articles: list[str]) -> list[str]:
        from ..output.saves import cut_short

        for article in articles:
            self.on_warning(cut_short(self.out_dir, article))
            self._summaries.pop(article, None)
        return articles

    @staticmethod
    def _change(pair: SentencePair, edit: Edit) -> None:
        pair_target_before = pair.target
        target = pair.target if edit.target is None else clean_text(edit.target, MAX_TARGET_CHARS, "the English")
        comment = pair.comment if edit.comment is None else clean_text(edit.comment, MAX_COMMENT_CHARS, "the comment")
        status = edit.status
        if status is not None and status not in STATUSES:
            raise EditRejected(f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
        if not shows_something(target):  # "\u200b" alone is as empty as "": nothing to read, nothing to keep
            raise EditRejected("the English cannot be empty")
        if status is None:  # saving a new text is reviewing it; a comment alone changes no status
            status = STATUS_REVIEWED if target != pair.target and pair.review_status == STATUS_TRANSLATED \
                else pair.status
        from ..checks.pair import MARKUP_FLAG_CODES, check_pair
        from ..markup.placement import valid_links

        if edit.alignment is not None:  # the reviewer placed the markup (inline codes of a CAT tool)
            alignment = valid_links(edit.alignment, pair.source, target)
        else:
            alignment = carry_alignment(pair.target, target, pair.alignment) if target != pair.target \
                else pair.alignment
        if target != pair_target_before or status in (STATUS_REVIEWED, STATUS_APPROVED):
            pair.origin = ORIGIN_REVIEWED  # the reviewer's English: kept by later runs (and checked as a person's)
        if target != pair.target:
            # The English changed: glossary targets are looked for again, and the
            # flags about the machine's output go (the checks run on the new text).
            from ..terms.presence import mark_terms
            mark_terms(target, pair.terms, unset_stays=True)
            pair.target, pair.score, pair.alignment = target, None, alignment
            pair.flags = [f for f in pair.flags if f.code in ("length-ratio", "split")]
            check_pair(pair)
        elif alignment != pair.alignment:  # the same English, its markup placed anew
            pair.alignment = alignment
            pair.flags = [f for f in pair.flags if f.code not in MARKUP_FLAG_CODES]
            check_pair(pair)  # add_flag keeps one of each
        # A saved sentence has been looked at, here: a former correction or one
        # borrowed from another article is no longer news, nor is "look here first".
        pair.flags = [f for f in pair.flags
                      if f.code not in (FlagCode.SOURCE_CHANGED, FlagCode.LOW_CONFIDENCE, FlagCode.CORRECTION_REUSED)]
        pair.suggestion = ""
        pair.status, pair.comment = status, comment
        pair.version += 1

    def inconsistencies(self, consistency: ConsistencyIndex | None = None) -> InconsistencyReport | None:
        """The folder's inconsistencies as the index lists them (None: the folder has
        no consistency store; `consistency`: that store, open)."""
        if consistency is not None:
            return consistency.report()
        store = open_existing(OutputFolder(self.out_dir).consistency)
        if store is None:
            return None
        with store:
            return store.report()

    def render(self, document: Document, consistency: ConsistencyIndex | None = None) -> list[tuple[Path, bytes]]:
        """Every file a save of `document` rewrites, with its new content: the TSV,
        the English text, the static page, the article in its own format and the
        index (which counts this article as it now is, and lists the folder's
        inconsistencies: from `consistency` when given, the store holding this save)."""
        from ..output.writers.html import HtmlWriter, render_index

        facts = summary(document)
        manifest = self.manifest({document.name: facts})
        outputs = [(writer.path_for(document, self.out_dir), writer.render(document, manifest or None))
                   for writer in (TsvWriter(), TxtWriter(), HtmlWriter())]
        try:  # NAME.en.md / .en.html / .en.docx, when the article has one
            same_format = same_format_output(self.out_dir, document)
        except InputError as exc:  # its kept source no longer matches: that file stays as it was
            log.warning("%s", exc)
            same_format = None
        if same_format is not None:
            outputs.append(same_format)
        progress = {**self.progress(), document.name: facts["review"]}
        outputs.append((OutputFolder(self.out_dir).index,
                        render_index(manifest, progress, self.inconsistencies(consistency))))
        return [(path, data.encode("utf-8") if isinstance(data, str) else data) for path, data in outputs]

    def write(self, document: Document) -> None:
        """Rewrite every file of `document` (see `render`)."""
        write_all(self.render(document))


def write_all(outputs: list[tuple[Path, bytes]]) -> Callable[[], None]:
    """Write each file atomically; if one fails, put back the ones written before
    it and raise. Returns a function that puts them all back as they were."""
    previous: list[tuple[Path, bytes | None]] = []

    def restore() -> None:
        for path, data in reversed(previous):
            try:
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    atomic_write(path, data)
            except OSError as exc:
                log.error("%s: could not be put back as it was (%s)", path, exc)

    for path, data in outputs:
        try:
            previous.append((path, path.read_bytes() if path.is_file() else None))
            atomic_write(path, data)
        except BaseException:
            previous.pop()
            restore()
            raise
    return restore

"""The shared data model: a Document of paragraphs of sentence pairs.

Every pipeline stage takes a Document and returns it, filling in what it knows:
`sources` creates the paragraphs, `segment` the sentence pairs, `terms.glossary`
their terms, `translate` their translations with the term statuses (the term policy,
`terms.placement`), `markup.placement` where their markup goes, `typography` the
English's typography and `checks` the flags. Writers only read it.
"""
from __future__ import annotations

import re

from functools import lru_cache
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, Iterator


# A word of a word alignment (`SentencePair.alignment`), French or English: letters and
# digits, hyphenated compounds whole, apostrophes apart (`l'IAG` is `l`, `IAG`).
ALIGNED_WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


class TermStatus(StrEnum):
    """How a glossary term was satisfied in the translation."""

    MODEL = "model"     # the model produced the target on its own
    FORCED = "forced"   # placed by the term policy (the model's output lacked it)
    FAILED = "failed"   # the target is missing from the translation


class ReviewStatus(StrEnum):
    """Review statuses, in workflow order (CAT tools' translated → reviewed →
    approved; "needs-work" sends a sentence back). A model's output is "translated"."""

    TRANSLATED = "translated"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    NEEDS_WORK = "needs-work"


class Origin(StrEnum):
    """Where a pair's English comes from."""

    MODEL = "model"         # the engine, in this run
    MEMORY = "memory"       # the translation memory: the engine, in an earlier run
    REVIEWED = "reviewed"   # a reviewer's correction: never translated again
    METADATA = "metadata"   # copied as is (a metadata line)
    PAIR = "pair"           # an existing translation, aligned by align pair
    FILE = ""               # read from a file that does not say


class Kind(StrEnum):
    """Paragraph kinds: only prose is translated."""

    PROSE = "prose"
    METADATA = "metadata"


# The names the rest of align imports.
TERM_MODEL, TERM_FORCED, TERM_FAILED = TermStatus.MODEL, TermStatus.FORCED, TermStatus.FAILED
TERM_STATUSES = tuple(TermStatus)
STATUS_TRANSLATED, STATUS_REVIEWED = ReviewStatus.TRANSLATED, ReviewStatus.REVIEWED
STATUS_APPROVED, STATUS_NEEDS_WORK = ReviewStatus.APPROVED, ReviewStatus.NEEDS_WORK
STATUSES = tuple(ReviewStatus)
ORIGIN_MODEL, ORIGIN_MEMORY, ORIGIN_REVIEWED = Origin.MODEL, Origin.MEMORY, Origin.REVIEWED
PROSE, METADATA = Kind.PROSE, Kind.METADATA
# Inline placeholders that break a line inside a paragraph (HTML <br>, a Markdown hard
# break, Word's <w:br/> and <w:cr/>): sentence boundaries, so lists and addresses
# written with breaks are translated line by line.
LINE_BREAK_KINDS = frozenset({"br"})


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})  # exactly these types (an enum is a str subclass)


def _plain(value: Any) -> Any:
    """JSON's types: tuples as lists, enums as their strings, records as dicts."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):  # (a word alignment: hundreds of tuples of ints)
        return [item if type(item) in _JSON_SCALARS else _plain(item) for item in value]
    if isinstance(value, StrEnum):
        return str(value)
    return value


def _default(spec) -> Any:
    if spec.default is not MISSING:
        return spec.default
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return MISSING


@lru_cache(maxsize=None)  # (a few record classes, a few `leave_out` sets)
def _saved_fields(cls: type, leave_out: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    """(name, default) of the fields `to_dict` saves: a record's fields read once, not
    for each of a run's sentences. The defaults are only compared with."""
    return tuple((spec.name, _default(spec)) for spec in fields(cls)
                 if spec.name not in leave_out and spec.name not in cls.NOT_SAVED)


class Record:
    """A dataclass that serialises itself from its own fields: `to_dict` gives
    JSON's types, leaving out fields at their default and those in `NOT_SAVED`
    (what lives elsewhere, e.g. markup objects kept in the article's layout);
    `from_dict` is its inverse. A field added to the dataclass is saved with no
    change here."""

    NOT_SAVED: tuple[str, ...] = ()
    NESTED: dict[str, type] = {}   # field → the type of its items: a Record, or tuple

    def to_dict(self, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
        """`leave_out`: fields not wanted (kept elsewhere by the caller)."""
        data = {}
        for name, default in _saved_fields(type(self), leave_out):
            value = getattr(self, name)
            if value == default:
                continue
            data[name] = _plain(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        values = {}
        for spec in fields(cls):  # type: ignore[arg-type]
            if spec.name not in data:
                continue
            value = data[spec.name]
            item_type = cls.NESTED.get(spec.name)
            if item_type is tuple:
                value = [tuple(item) for item in value]
            elif item_type is not None:
                value = [item_type.from_dict(item) for item in value]  # type: ignore[attr-defined]
            elif isinstance(_default(spec), tuple):
                value = tuple(value)
            values[spec.name] = value
        return cls(**values)


@dataclass
class Term(Record):
    """A glossary entry found in a source sentence (a span, as in spaCy)."""

    source: str            # the text as it appears in the sentence
    start: int             # character offsets into SentencePair.source
    end: int
    target: str            # what the translation must contain
    entry: str = ""        # the glossary entry's source form (its key)
    note: str = ""
    status: str = ""       # one of TERM_STATUSES once enforced
    target_start: int = -1  # where the target was found in the translation
    target_end: int = -1
    forms: tuple[str, ...] = ()   # other target spellings the entry accepts (plural, ...)
    case_sensitive: bool = False  # the target must appear in this exact case
    keep_case: bool = False       # never re-cased, even at the start of a sentence
    late: bool = False            # placed by the fallback, not where its source was translated
    verbatim: bool = False        # code, a URL, protected syntax: kept as it is (no glossary entry)
    # Verbatim text only: the characters the French had right against it ("" for a
    # space or the sentence's edge), which the English may keep against it too
    # (`Promise`s → "Promises" holds `Promise`).
    glued: tuple[str, str] = ("", "")


@dataclass
class Flag(Record):
    """Something a reviewer should look at; `code` is a stable identifier
    (align.flags lists them)."""

    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}:{self.detail}" if self.detail else self.code


@dataclass
class Inline(Record):
    """Markup inside a paragraph, kept out of the text the model sees (as
    bergamot-translator's HTML mode does): a span of the text with what to write
    around it, or a standalone placeholder (line break, image, inline code).

    Offsets are into `Paragraph.text` on a paragraph and into `SentencePair.source`
    on a pair. `open`/`close` hold the markup as it was in the source (strings for
    Markdown and HTML, XML elements for DOCX), so that an identity translation
    gives the input back.
    """

    start: int
    end: int                # == start for a standalone placeholder
    kind: str               # what it is: "em", "strong", "a", "b", "code", "br", "run", ...
    open: Any = ""          # written before the span (all of a standalone placeholder)
    close: Any = ""         # written after the span
    paired: bool = True     # False: a standalone placeholder (XLIFF <x/>, <ph>)
    order: int = 0          # sequence of the opening in the source, to keep ties in order
    close_order: int = 0    # sequence of the closing
    id: int = 0             # the same on a paragraph's Inline and its pieces on pairs
    opens: bool = True      # pair level: the opening is in this sentence (else XLIFF <ex/>)
    closes: bool = True     # pair level: the closing is in this sentence (else XLIFF <bx/>)
    url: str = ""           # a link's target, for checks and the review page
    # Code, a URL, protected syntax: its text is in the sentence (the model reads it,
    # the term policy keeps it verbatim) and the file gets `open`, the source's markup,
    # in its place.
    verbatim: bool = False
    # Pair level: its opening ("open"), closing ("close") or both ("both") sit in the
    # whitespace around the sentence (`<span> Précédent </span>`): the sentence holds
    # them, and they are written where they were when placed at its edge.
    outside: str = ""

    # The markup itself stays in the article's layout (DOCX elements are not JSON).
    NOT_SAVED = ("open", "close")


def verbatim_spans(inlines: list[Inline]) -> list[tuple[int, int]]:
    """(start, end) of the verbatim text among `inlines` (code, URLs, protected syntax
    read as they are), in text order."""
    return sorted((i.start, i.end) for i in inlines if i.verbatim)


@dataclass
class PlacedMarkup(Record):
    """A pair's markup placed in its translation (align.markup.placement): computed
    once per translation, read by the checks, the review page, XLIFF and the
    format writers."""

    target: str                       # the translation it was placed in
    alignment: list[tuple[int, int, int, int]] = field(default_factory=list)  # ... with that alignment
    # (index in the pair's `inlines`, start, end in `target`), outermost first
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # kinds not placed where their French was
    # per English character, the French one it copies unchanged, or -1 (its source spelling)
    copies: list[int] = field(default_factory=list)
    # the French texts of links that no English word held, kept in them (flag link-french)
    kept: list[str] = field(default_factory=list)

    NESTED = {"alignment": tuple, "spans": tuple}

    def matches(self, pair: "SentencePair") -> bool:
        return self.target == pair.target and self.alignment == pair.alignment


@dataclass
class SentencePair(Record):
    source: str
    target: str = ""
    paragraph: int = 0     # 1-based paragraph number in the document
    number: int = 0        # 1-based sentence number within the paragraph
    terms: list[Term] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    origin: str = ""       # "model", "memory", "reviewed", or "" for pairs read from files
    pieces: int = 1        # >1 when the sentence was split to fit the model
    score: float | None = None  # the model's confidence (log-probability per token), when translated
    truncated: bool = False     # the model stopped at the length bound, not at its own end of sentence
    # Word alignment: per English word, (source start, source end, target start, target end)
    # character offsets of the word and of the French it was aligned to.
    alignment: list[tuple[int, int, int, int]] = field(default_factory=list)
    start: int = 0              # character offset of `source` in its paragraph's text
    inlines: list[Inline] = field(default_factory=list)  # markup inside the sentence
    # Review (align review, XLIFF import): status, the reviewer's comment, the row's
    # edit count (a save must name the version it edited: no silent overwrite), and
    # a former correction shown beside a sentence whose French changed since.
    status: str = ""
    comment: str = ""
    version: int = 0
    suggestion: str = ""
    # The markup placed in `target` (align.markup.placement.placed_markup); derived, not saved.
    markup: PlacedMarkup | None = field(default=None, repr=False, compare=False)

    NESTED = {"terms": Term, "flags": Flag, "inlines": Inline, "alignment": tuple}
    NOT_SAVED = ("markup",)

    @property
    def review_status(self) -> str:
        """The status, "translated" when none was set."""
        return self.status or STATUS_TRANSLATED

    @property
    def id(self) -> str:
        """Stable sentence id shared by the TSV and the HTML page."""
        return f"p{self.paragraph}s{self.number}"

    def add_flag(self, code: str, detail: str = "") -> None:
        if not any(f.code == code and f.detail == detail for f in self.flags):
            self.flags.append(Flag(code, detail))


@dataclass
class Paragraph:
    text: str                          # the paragraph as read (NFC, one line)
    number: int = 0
    kind: str = PROSE
    sentences: list[SentencePair] = field(default_factory=list)
    # Articles read from Markdown, HTML or DOCX (align.read.formats): the block's role
    # ("h1", "li", "td", "p", "alt"...), its inline markup, and the source spelling
    # of characters that an escaper would write otherwise ("&eacute;", "\\*", a
    # line break inside the paragraph), by offset into `text`.
    role: str = ""
    inlines: list[Inline] = field(default_factory=list)
    spellings: dict[int, str] = field(default_factory=dict)

    @property
    def translatable(self) -> bool:
        return self.kind == PROSE


@dataclass
class Document:
    name: str                          # article name: file name without .txt
    paragraphs: list[Paragraph] = field(default_factory=list)
    path: Path | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    format: str = "txt"                # the reader that made it: "txt", "md", "html", "docx"
    layout: Any = None                 # what that format's writer needs to rebuild the file

    def pairs(self) -> Iterator[SentencePair]:
        for paragraph in self.paragraphs:
            yield from paragraph.sentences

    def translatable_pairs(self) -> Iterator[SentencePair]:
        for paragraph in self.paragraphs:
            if paragraph.translatable:
                yield from paragraph.sentences

    @property
    def sentence_count(self) -> int:
        return sum(len(p.sentences) for p in self.paragraphs)

    def term_counts(self) -> dict[str, int]:
        counts = {status: 0 for status in TERM_STATUSES}
        for pair in self.pairs():
            for term in pair.terms:
                if term.status in counts:
                    counts[term.status] += 1
        return counts

    def term_accuracy(self) -> float | None:
        """Share of source term occurrences whose target is in the translation."""
        counts = self.term_counts()
        total = sum(counts.values())
        if not total:
            return None
        return (counts[TERM_MODEL] + counts[TERM_FORCED]) / total

    def review_counts(self) -> dict[str, int]:
        """How many of the article's translated sentences have each review status
        (metadata aside), and their "total"."""
        counts = {"total": 0, **{status: 0 for status in ReviewStatus}}
        for pair in self.pairs():
            if pair.origin == Origin.METADATA:
                continue
            counts["total"] += 1
            counts[pair.review_status] = counts.get(pair.review_status, 0) + 1
        return counts

    def flag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for pair in self.pairs():
            for flag in pair.flags:
                counts[flag.code] = counts.get(flag.code, 0) + 1
        return counts

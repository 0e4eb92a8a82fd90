"""The shared data model: a Document of paragraphs of sentence pairs.

Every pipeline stage takes a Document and returns it, filling in what it knows:
`sources` creates the paragraphs, `segment` the sentence pairs, `glossary` their
terms, the engine their translations, `enforce` the term statuses and `checks`
the flags. Writers only read it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

# How a glossary term was satisfied in the translation.
TERM_MODEL = "model"    # the model produced the target on its own
TERM_FORCED = "forced"  # placed by the term policy (the model's output lacked it)
TERM_FAILED = "failed"  # the target is missing from the translation
TERM_STATUSES = (TERM_MODEL, TERM_FORCED, TERM_FAILED)

# Review statuses, in workflow order (CAT tools' translated → reviewed → approved;
# "needs-work" sends a sentence back). A model's output is "translated".
STATUS_TRANSLATED = "translated"
STATUS_REVIEWED = "reviewed"
STATUS_APPROVED = "approved"
STATUS_NEEDS_WORK = "needs-work"
STATUSES = (STATUS_TRANSLATED, STATUS_REVIEWED, STATUS_APPROVED, STATUS_NEEDS_WORK)

# Pair origins besides the engine's "model" and the memory's "memory": a
# reviewer's saved correction. Such a pair is never translated again.
ORIGIN_REVIEWED = "reviewed"

# Paragraph kinds: only prose is translated.
PROSE = "prose"
METADATA = "metadata"


@dataclass
class Term:
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


@dataclass
class Flag:
    """Something a reviewer should look at; `code` is a stable identifier."""

    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}:{self.detail}" if self.detail else self.code


@dataclass
class Inline:
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


@dataclass
class SentencePair:
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
    # Articles read from Markdown, HTML or DOCX (align.formats): the block's role
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

    def flag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for pair in self.pairs():
            for flag in pair.flags:
                counts[flag.code] = counts.get(flag.code, 0) + 1
        return counts

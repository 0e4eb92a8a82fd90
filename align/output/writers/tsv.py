"""Aligned TSV: a header row, then one row per sentence pair; and its reader.

Text is escaped as in PostgreSQL's COPY text format (backslash, tab, newline,
carriage return), so every row is one line with a fixed number of tab-separated
fields and any text survives write → read unchanged. Terms are a JSON list (exact
round trip of offsets and statuses); flags are `code` or `code:detail`, joined by
"; ".

Review columns (added after the first release; files with only the first nine
columns still read, with these empty): `status` (translated, reviewed,
approved, needs-work), the reviewer's `comment`, `version` (edit count of the
row), `score` (the model's mean log-probability per token, 4 decimals) and
`suggestion` (a former correction, when the French changed since).

`markup` (Markdown, HTML and Word articles only; empty otherwise): a JSON object
with the sentence's inline markup spans (`inlines`: kind, offsets into the French,
ids shared across sentences) and its word alignment (`alignment`), from which the
XLIFF export puts the markup on the English words.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ...document import METADATA, Document, Flag, Inline, Paragraph, SentencePair, Term
from ...errors import InputError
from ..folder import TSV
from .base import Writer

LEGACY_COLUMNS = ["article", "paragraph", "sentence", "id", "fr", "en", "terms", "flags", "origin"]
REVIEW_COLUMNS = ["status", "comment", "version", "score", "suggestion"]
MARKUP_COLUMNS = ["markup"]
DETAILS_COLUMNS = ["details"]
COLUMNS = LEGACY_COLUMNS + REVIEW_COLUMNS + MARKUP_COLUMNS + DETAILS_COLUMNS
HEADER = "\t".join(COLUMNS)
LEGACY_HEADER = "\t".join(LEGACY_COLUMNS)
# Headers this reader accepts, oldest first: each adds columns at the end.
KNOWN_COLUMNS = (LEGACY_COLUMNS, LEGACY_COLUMNS + REVIEW_COLUMNS, LEGACY_COLUMNS + REVIEW_COLUMNS + MARKUP_COLUMNS,
                 COLUMNS)
KNOWN_HEADERS = frozenset("\t".join(columns) for columns in KNOWN_COLUMNS)
# SentencePair fields with a column of their own; every other field goes to `details`.
COLUMN_FIELDS = frozenset({"source", "target", "paragraph", "number", "terms", "flags", "origin", "status",
                           "comment", "version", "score", "suggestion", "inlines"})

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
# In the flags column, flags are joined by "; "; a ";" or "\\" inside a detail is escaped.
_FLAG_RE = re.compile(r"((?:[^\\;]|\\.|;(?! |$))*)(?:; |;?$)")  # a lone ";" (older TSVs): a character


_ESCAPE_TABLE = str.maketrans(_ESCAPES)


# json.dumps(..., ensure_ascii=False) with its encoder made once, not for each column of each row
_to_json = json.JSONEncoder(ensure_ascii=False).encode

def escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


def unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append(_UNESCAPES.get(nxt, "\\" + nxt))
        else:
            out.append(char)
    return "".join(out)


def terms_to_json(terms: list[Term]) -> str:
    return _to_json([t.to_dict() for t in terms]) if terms else ""


def terms_from_json(text: str) -> list[Term]:
    return [Term.from_dict(t) for t in json.loads(text)] if text else []


def _escape_detail(detail: str) -> str:
    return detail.replace("\\", "\\\\").replace(";", "\\;")


def flags_to_text(flags: list[Flag]) -> str:
    return "; ".join(f"{f.code}:{_escape_detail(f.detail)}" if f.detail else f.code for f in flags)


def flags_from_text(text: str) -> list[Flag]:
    flags = []
    for match in _FLAG_RE.finditer(text):
        code, _, detail = match.group(1).partition(":")
        if code.strip():
            flags.append(Flag(code.strip(), re.sub(r"\\(.)", r"\1", detail)))
        if match.end() == len(text):
            break
    return flags


def score_to_text(score: float | None) -> str:
    return "" if score is None else repr(float(score))  # the shortest text that reads back the same float


def score_from_text(text: str) -> float | None:
    return float(text) if text else None


def markup_to_json(pair: SentencePair) -> str:
    if not pair.inlines:
        return ""
    return _to_json({"inlines": [inline.to_dict() for inline in pair.inlines]})


def markup_from_json(text: str) -> tuple[list[Inline], list[tuple[int, int, int, int]]]:
    """The markup column's spans, and the word alignment that TSVs before the
    `details` column kept there."""
    if not text:
        return [], []
    data = json.loads(text)
    return ([Inline.from_dict(item) for item in data["inlines"]],
            [tuple(link) for link in data.get("alignment", [])])


def details_to_json(pair: SentencePair) -> str:
    """Every field of the pair without a column of its own (word alignment, pieces,
    truncation, offset in its paragraph...), at its non-default values."""
    details = pair.to_dict(leave_out=COLUMN_FIELDS)
    return _to_json(details) if details else ""


def pair_row(article: str, pair: SentencePair) -> str:
    fields = [article, str(pair.paragraph), str(pair.number), pair.id, pair.source, pair.target,
              terms_to_json(pair.terms), flags_to_text(pair.flags), str(pair.origin),
              str(pair.status), pair.comment, str(pair.version) if pair.version else "",
              score_to_text(pair.score), pair.suggestion, markup_to_json(pair), details_to_json(pair)]
    row = "\t".join(fields)
    if row.count("\t") == len(fields) - 1 and "\\" not in row and "\n" not in row and "\r" not in row:
        return row  # (most rows: no field to escape, the row checked once rather than each field)
    return "\t".join(escape(f) for f in fields)


def pair_from_row(row: dict[str, str]) -> SentencePair:
    """The sentence pair of one TSV row (read_rows); raises ValueError, KeyError or
    TypeError on malformed fields."""
    inlines, alignment = markup_from_json(row["markup"])
    details = json.loads(row["details"]) if row["details"] else {}
    if not isinstance(details, dict):
        raise TypeError("details must be a JSON object")
    pair = SentencePair.from_dict({
        **details, "source": row["fr"], "target": row["en"], "paragraph": int(row["paragraph"]),
        "number": int(row["sentence"]), "origin": row["origin"], "status": row["status"], "comment": row["comment"],
        "version": int(row["version"] or 0), "score": score_from_text(row["score"]), "suggestion": row["suggestion"]})
    pair.terms, pair.flags, pair.inlines = terms_from_json(row["terms"]), flags_from_text(row["flags"]), inlines
    if alignment and not pair.alignment:  # a TSV from before the details column
        pair.alignment = alignment
    return pair


class TsvWriter(Writer):
    suffix = TSV

    def render(self, document: Document, run: dict[str, Any] | None = None) -> str:
        rows = [HEADER] + [pair_row(document.name, pair) for pair in document.pairs()]
        return "\n".join(rows) + "\n"


def read_rows(path: str | Path) -> Iterator[dict[str, str]]:
    """Rows of an aligned TSV as dicts of unescaped strings."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="\n") as stream:
        header = stream.readline().rstrip("\n")
        columns = next((known for known in KNOWN_COLUMNS if header == "\t".join(known)), None)
        if columns is None:
            raise InputError(f"{path}:1: not an align TSV (header must be: {HEADER.replace(chr(9), ' TAB ')})")
        missing = dict.fromkeys(COLUMNS[len(columns):], "")
        for number, line in enumerate(stream, 2):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(columns):
                raise InputError(f"{path}:{number}: expected {len(columns)} tab-separated fields, found {len(fields)}")
            row = dict(zip(columns, (unescape(f) for f in fields)))
            row.update(missing)
            yield row


def read_tsv(path: str | Path) -> list[Document]:
    """Documents (one per article) rebuilt from an aligned TSV."""
    documents: dict[str, Document] = {}
    for row in read_rows(path):
        document = documents.setdefault(row["article"], Document(name=row["article"]))
        try:
            pair = pair_from_row(row)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError(f"{path}: row {row['id']}: its numbers, terms, markup and details must be "
                             f"well formed") from None
        if not document.paragraphs or document.paragraphs[-1].number != pair.paragraph:
            document.paragraphs.append(Paragraph(text="", number=pair.paragraph))
        document.paragraphs[-1].sentences.append(pair)
    for document in documents.values():
        for paragraph in document.paragraphs:
            paragraph.text = " ".join(p.source for p in paragraph.sentences)
            if all(p.origin == METADATA for p in paragraph.sentences):
                paragraph.kind = METADATA
    return list(documents.values())

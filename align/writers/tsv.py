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
from pathlib import Path
from typing import Any, Iterator

from ..document import METADATA, Document, Flag, Inline, Paragraph, SentencePair, Term
from ..errors import InputError
from .base import Writer

LEGACY_COLUMNS = ["article", "paragraph", "sentence", "id", "fr", "en", "terms", "flags", "origin"]
REVIEW_COLUMNS = ["status", "comment", "version", "score", "suggestion"]
MARKUP_COLUMNS = ["markup"]
COLUMNS = LEGACY_COLUMNS + REVIEW_COLUMNS + MARKUP_COLUMNS
HEADER = "\t".join(COLUMNS)
LEGACY_HEADER = "\t".join(LEGACY_COLUMNS)
# Headers this reader accepts, oldest first: each adds columns at the end.
KNOWN_COLUMNS = (LEGACY_COLUMNS, LEGACY_COLUMNS + REVIEW_COLUMNS, COLUMNS)
_INLINE_FIELDS = ("start", "end", "kind", "paired", "order", "close_order", "id", "opens", "closes", "url")

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape(text: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in text)


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
    if not terms:
        return ""
    items = []
    for t in terms:
        item = {"source": t.source, "start": t.start, "end": t.end, "target": t.target,
                "entry": t.entry, "status": t.status}
        if t.target_start >= 0:  # where the target was found: the page marks it
            item["target_start"], item["target_end"] = t.target_start, t.target_end
        if t.late:  # placed by the fallback insertion (flag term-late)
            item["late"] = True
        if t.note:
            item["note"] = t.note
        items.append(item)
    return json.dumps(items, ensure_ascii=False)


def terms_from_json(text: str) -> list[Term]:
    if not text:
        return []
    return [Term(source=t["source"], start=t["start"], end=t["end"], target=t["target"],
                 entry=t.get("entry", ""), status=t.get("status", ""), note=t.get("note", ""),
                 late=t.get("late", False),
                 target_start=t.get("target_start", -1), target_end=t.get("target_end", -1))
            for t in json.loads(text)]


def flags_to_text(flags: list[Flag]) -> str:
    return "; ".join(str(f) for f in flags)


def flags_from_text(text: str) -> list[Flag]:
    flags = []
    for item in filter(None, (part.strip() for part in text.split("; "))):
        code, _, detail = item.partition(":")
        flags.append(Flag(code, detail))
    return flags


def score_to_text(score: float | None) -> str:
    return "" if score is None else f"{score:.4f}"


def score_from_text(text: str) -> float | None:
    return float(text) if text else None


def markup_to_json(pair: SentencePair) -> str:
    if not pair.inlines:
        return ""
    return json.dumps({"inlines": [{name: getattr(inline, name) for name in _INLINE_FIELDS}
                                   for inline in pair.inlines],
                       "alignment": [list(link) for link in pair.alignment]}, ensure_ascii=False)


def markup_from_json(text: str) -> tuple[list[Inline], list[tuple[int, int, int, int]]]:
    if not text:
        return [], []
    data = json.loads(text)
    return ([Inline(**{name: item[name] for name in _INLINE_FIELDS if name in item}) for item in data["inlines"]],
            [tuple(link) for link in data.get("alignment", [])])


def pair_row(article: str, pair: SentencePair) -> str:
    fields = [article, str(pair.paragraph), str(pair.number), pair.id, pair.source, pair.target,
              terms_to_json(pair.terms), flags_to_text(pair.flags), pair.origin,
              pair.status, pair.comment, str(pair.version) if pair.version else "",
              score_to_text(pair.score), pair.suggestion, markup_to_json(pair)]
    return "\t".join(escape(f) for f in fields)


class TsvWriter(Writer):
    suffix = ".tsv"

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
        number = int(row["paragraph"])
        if not document.paragraphs or document.paragraphs[-1].number != number:
            document.paragraphs.append(Paragraph(text="", number=number))
        paragraph = document.paragraphs[-1]
        try:
            version, score = int(row["version"] or 0), score_from_text(row["score"])
            inlines, alignment = markup_from_json(row["markup"])
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}: row {row['id']}: version, score and markup must be well formed") from None
        paragraph.sentences.append(SentencePair(
            source=row["fr"], target=row["en"], paragraph=number, number=int(row["sentence"]),
            terms=terms_from_json(row["terms"]), flags=flags_from_text(row["flags"]), origin=row["origin"],
            status=row["status"], comment=row["comment"], version=version, score=score,
            suggestion=row["suggestion"], inlines=inlines, alignment=alignment))
    for document in documents.values():
        for paragraph in document.paragraphs:
            paragraph.text = " ".join(p.source for p in paragraph.sentences)
            if all(p.origin == METADATA for p in paragraph.sentences):
                paragraph.kind = METADATA
    return list(documents.values())

"""Aligned TSV: a header row, then one row per sentence pair; and its reader.

Text is escaped as in PostgreSQL's COPY text format (backslash, tab, newline,
carriage return), so every row is one line with a fixed number of tab-separated
fields and any text survives write → read unchanged. Terms are a JSON list (exact
round trip of offsets and statuses); flags are `code` or `code:detail`, joined by
"; ".
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..document import METADATA, Document, Flag, Paragraph, SentencePair, Term
from ..errors import InputError
from .base import Writer

COLUMNS = ["article", "paragraph", "sentence", "id", "fr", "en", "terms", "flags", "origin"]
HEADER = "\t".join(COLUMNS)

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
    return json.dumps([{"source": t.source, "start": t.start, "end": t.end, "target": t.target,
                        "entry": t.entry, "status": t.status, **({"late": True} if t.late else {})}
                       for t in terms], ensure_ascii=False)


def terms_from_json(text: str) -> list[Term]:
    if not text:
        return []
    return [Term(source=t["source"], start=t["start"], end=t["end"], target=t["target"],
                 entry=t.get("entry", ""), status=t.get("status", ""), late=t.get("late", False)) for t in json.loads(text)]


def flags_to_text(flags: list[Flag]) -> str:
    return "; ".join(str(f) for f in flags)


def flags_from_text(text: str) -> list[Flag]:
    flags = []
    for item in filter(None, (part.strip() for part in text.split("; "))):
        code, _, detail = item.partition(":")
        flags.append(Flag(code, detail))
    return flags


def pair_row(article: str, pair: SentencePair) -> str:
    fields = [article, str(pair.paragraph), str(pair.number), pair.id, pair.source, pair.target,
              terms_to_json(pair.terms), flags_to_text(pair.flags), pair.origin]
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
        if header != HEADER:
            raise InputError(f"{path}:1: not an align TSV (header must be: {HEADER.replace(chr(9), ' TAB ')})")
        for number, line in enumerate(stream, 2):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(COLUMNS):
                raise InputError(f"{path}:{number}: expected {len(COLUMNS)} tab-separated fields, found {len(fields)}")
            yield dict(zip(COLUMNS, (unescape(f) for f in fields)))


def read_tsv(path: str | Path) -> list[Document]:
    """Documents (one per article) rebuilt from an aligned TSV."""
    documents: dict[str, Document] = {}
    for row in read_rows(path):
        document = documents.setdefault(row["article"], Document(name=row["article"]))
        number = int(row["paragraph"])
        if not document.paragraphs or document.paragraphs[-1].number != number:
            document.paragraphs.append(Paragraph(text="", number=number))
        paragraph = document.paragraphs[-1]
        paragraph.sentences.append(SentencePair(
            source=row["fr"], target=row["en"], paragraph=number, number=int(row["sentence"]),
            terms=terms_from_json(row["terms"]), flags=flags_from_text(row["flags"]), origin=row["origin"]))
    for document in documents.values():
        for paragraph in document.paragraphs:
            paragraph.text = " ".join(p.source for p in paragraph.sentences)
            if all(p.origin == METADATA for p in paragraph.sentences):
                paragraph.kind = METADATA
    return list(documents.values())

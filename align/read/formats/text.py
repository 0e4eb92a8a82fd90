"""Plain text articles: each non-empty line is a paragraph (scraped articles use
single line breaks between paragraphs as often as blank lines), a leading
metadata line of the scraper set apart. Written back as the English text (the
.en.txt output, align.output.writers.txt)."""
from __future__ import annotations

import re
from pathlib import Path

from ...document import METADATA, PROSE, Document, Paragraph
from ..protect import DEFAULT, Protection
from ..text import decode, normalize_text
from .base import Format

# A leading metadata line of the scraper, e.g. " date 2025-01 Le deuxième…": the
# field may share its line with the first paragraph.
METADATA_RE = re.compile(r"\A[ \t]*(date)[ \t]+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*")


def split_paragraphs(text: str) -> list[str]:
    """Each non-blank line is a paragraph, with its surrounding whitespace removed."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def parse(text: str, name: str) -> tuple[list[Paragraph], dict[str, str]]:
    """Paragraphs of a normalised text, the metadata line set apart."""
    metadata: dict[str, str] = {}
    paragraphs: list[Paragraph] = []
    match = METADATA_RE.match(text)
    if match:
        metadata[match.group(1)] = match.group(2)
        paragraphs.append(Paragraph(text=match.group(0).strip(), kind=METADATA))
        text = text[match.end():]
    paragraphs.extend(Paragraph(text=line, kind=PROSE) for line in split_paragraphs(text))
    for number, paragraph in enumerate(paragraphs, 1):
        paragraph.number = number
    return paragraphs, metadata


def read_text(text: str, name: str = "stdin") -> Document:
    paragraphs, metadata = parse(normalize_text(text), name)
    return Document(name=name, paragraphs=paragraphs, metadata=metadata)


class PlainTextFormat(Format):
    name = "txt"
    suffixes = (".txt",)
    output_suffix = ".en.txt"

    def parse(self, data: bytes, name: str) -> Document:
        text, encoding, warnings = decode(data, name)
        document = read_text(text, name)
        document.encoding, document.warnings = encoding, list(warnings)
        return document

    def load(self, data: bytes, path: Path, protection: Protection = DEFAULT) -> Document:
        document = super().load(data, path, protection)
        # Any file given by name is plain text: only ".txt" leaves its name.
        document.name = path.name[:-4] if path.name.lower().endswith(".txt") else path.name
        return document

    def write(self, document: Document) -> bytes:
        return english_text(document).encode("utf-8")


def english_text(document: Document) -> str:
    """The translation, one paragraph a line with a blank line between them."""
    paragraphs = (" ".join(p.target for p in paragraph.sentences if p.target) for paragraph in document.paragraphs)
    return "\n\n".join(paragraphs) + "\n"


PLAIN_TEXT = PlainTextFormat()

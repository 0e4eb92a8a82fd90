"""Article formats: plain text, Markdown, HTML and DOCX, read into the one
Document model and written back in their own format (see base.py).

`format_for(path)` picks a markup format by suffix (None: plain text, the
format of any other file, align.read.formats.text.PLAIN_TEXT).
"""
from __future__ import annotations

from pathlib import Path

from .base import Format

_FORMATS: dict[str, Format] = {}


def _registry() -> dict[str, Format]:
    if not _FORMATS:
        from .docx import DocxFormat
        from .html import HtmlFormat
        from .markdown import MarkdownFormat

        for fmt in (MarkdownFormat(), HtmlFormat(), DocxFormat()):
            for suffix in fmt.suffixes:
                _FORMATS[suffix] = fmt
    return _FORMATS


# Suffixes of articles in a format of this package (lower case).
FORMAT_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".docx")


def format_for(path: str | Path) -> Format | None:
    """The format that reads `path`, by its suffix; None for plain text."""
    return _registry().get(Path(path).suffix.lower())


def format_named(name: str) -> Format | None:
    from .text import PLAIN_TEXT

    return next((f for f in (*_registry().values(), PLAIN_TEXT) if f.name == name), None)


__all__ = ["Format", "FORMAT_SUFFIXES", "format_for", "format_named"]

"""Article formats: plain text, Markdown, HTML and DOCX, read into the one
Document model and written back in their own format (see base.py).

`format_for(path)` picks a markup format by suffix (None: plain text, the
format of any other file, align.read.formats.text.PLAIN_TEXT).
"""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from .base import Format

# Each format's module, by the suffixes and name it reads: imported when an article of
# that format comes (a run over plain text never imports markdown-it, lxml or python-docx).
_MODULES = {
    "md": ("markdown", "MarkdownFormat", (".md", ".markdown")),
    "html": ("html", "HtmlFormat", (".html", ".htm")),
    "docx": ("docx", "DocxFormat", (".docx",)),
}
_LOADED: dict[str, Format] = {}

# Suffixes of articles in a format of this package (lower case).
FORMAT_SUFFIXES = tuple(suffix for _, _, suffixes in _MODULES.values() for suffix in suffixes)


def _load(name: str) -> Format:
    if name not in _LOADED:
        module, cls, _ = _MODULES[name]
        _LOADED[name] = getattr(import_module(f"{__name__}.{module}"), cls)()
    return _LOADED[name]


def format_for(path: str | Path) -> Format | None:
    """The format that reads `path`, by its suffix; None for plain text."""
    suffix = Path(path).suffix.lower()
    return next((_load(name) for name, (_, _, suffixes) in _MODULES.items() if suffix in suffixes), None)


def format_named(name: str) -> Format | None:
    from .text import PLAIN_TEXT

    if name in _MODULES:
        return _load(name)
    return PLAIN_TEXT if name == PLAIN_TEXT.name else None


__all__ = ["Format", "FORMAT_SUFFIXES", "format_for", "format_named"]

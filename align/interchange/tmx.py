"""TMX 1.4 translation memory of aligned pairs (French source, English target),
written through translate-toolkit's `tmxfile` so that CAT tools read it as their own.

Pairs with an empty side (deletions of the aligner) are left out: a translation unit
needs both languages.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from ..document import Document
from ..output.files import atomic_write
from ..output.writers.base import Writer

SOURCE_LANG = "fr"
TARGET_LANG = "en"

# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(" ", text).strip()


def render_tmx(pairs: Iterable[tuple[str, str]], source_lang: str = SOURCE_LANG,
               target_lang: str = TARGET_LANG) -> bytes:
    """The TMX file's bytes (UTF-8) for (source, target) pairs."""
    from translate.storage.tmx import tmxfile

    store = tmxfile(sourcelanguage=source_lang, targetlanguage=target_lang)
    for source, target in pairs:
        source, target = _clean(source or ""), _clean(target or "")
        if source and target:
            store.addtranslation(source, source_lang, target, target_lang)
    return bytes(store)


def write_tmx(pairs: Iterable[tuple[str, str]], path: str | Path) -> Path:
    """Write (French, English) pairs as a TMX 1.4 file (srclang fr); returns the path."""
    return atomic_write(path, render_tmx(pairs))


class TmxWriter(Writer):
    """`NAME.tmx` from a Document's sentence pairs (source → target)."""

    suffix = ".tmx"

    def render(self, document: Document, run: dict[str, Any] | None = None) -> bytes:
        return render_tmx((pair.source, pair.target) for pair in document.pairs())

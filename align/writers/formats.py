"""The article in its own format: NAME.en.md, NAME.en.html, NAME.en.docx, with
the source's markup around the translation (see align.formats). Plain-text
articles get no such file (their NAME.en.txt is it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..document import Document
from .base import Writer, atomic_write


class SameFormatWriter(Writer):
    suffix = ""

    def path_for(self, document: Document, out_dir: Path) -> Path:
        from ..formats import format_named

        return Path(out_dir) / f"{document.name}{format_named(document.format).output_suffix}"

    def render(self, document: Document, run: dict[str, Any] | None = None) -> bytes:
        from ..formats import format_named

        return format_named(document.format).write(document)

    def write(self, document: Document, out_dir: str | Path, run: dict[str, Any] | None = None) -> Path | None:
        if document.format == "txt" or document.layout is None:
            return None
        return atomic_write(self.path_for(document, Path(out_dir)), self.render(document, run))

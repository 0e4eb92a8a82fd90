"""The English text, one paragraph per line as in the source."""
from __future__ import annotations

from typing import Any

from ..document import Document
from .base import Writer


class TxtWriter(Writer):
    suffix = ".en.txt"

    def render(self, document: Document, run: dict[str, Any] | None = None) -> str:
        lines = []
        for paragraph in document.paragraphs:
            lines.append(" ".join(p.target for p in paragraph.sentences if p.target))
        return "\n\n".join(lines) + "\n"

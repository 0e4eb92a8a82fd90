"""The English text, one paragraph per line as in the source."""
from __future__ import annotations

from typing import Any

from ...document import Document
from ...read.formats.text import english_text
from .base import Writer


class TxtWriter(Writer):
    suffix = ".en.txt"

    def render(self, document: Document, run: dict[str, Any] | None = None) -> str:
        return english_text(document)

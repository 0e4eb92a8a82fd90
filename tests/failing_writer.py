"""A writer that fails on some articles, as a bug or an unreadable file would: for
the tests of a run's child process, which imports it (tests/ is on its path)."""
from __future__ import annotations

import errno

from align.output.writers.txt import TxtWriter


class FailingWriter(TxtWriter):
    """`NAME.check.txt`; an article named `bad…` raises a bug, `unreadable…` an OSError."""

    suffix = ".check.txt"

    def render(self, document, run=None) -> str:
        if document.name.startswith("bad"):
            raise RuntimeError(f"cannot render {document.name}")
        if document.name.startswith("unreadable"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return super().render(document, run)

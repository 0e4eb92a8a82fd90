"""Writers turn a Document into one output file each; all write atomically."""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable

from ...document import Document
from ..files import atomic_write
from ..folder import OutputFolder


class Writer(ABC):
    """One output format: `suffix` is appended to the article name."""

    suffix: str = ""

    def path_for(self, document: Document, out_dir: Path) -> Path:
        return OutputFolder(out_dir).output(document.name, self.suffix)

    def output_path(self, document: Document, out_dir: Path) -> Path | None:
        """The file `write` writes for `document`; None when it writes none (a run
        whose files a child process renders lists them without rendering them)."""
        return self.path_for(document, out_dir)

    def prepare(self) -> None:
        """Load what rendering needs (templates), before the first article: a child
        process rendering a run's files does it while the run starts."""

    @abstractmethod
    def render(self, document: Document, run: dict[str, Any] | None = None) -> str | bytes:
        """The file's content."""

    def write(self, document: Document, out_dir: str | Path, run: dict[str, Any] | None = None,
              durable: bool = True, place: Callable[..., Path] | None = None) -> Path:
        """Write the file (`durable`: see atomic_write; a run passes False and syncs its
        folder at its end). `place`: what puts it into place, `atomic_write`'s arguments
        (None: atomic_write; a long run's BackgroundFiles.place, align.output.files)."""
        out_dir = out_dir if isinstance(out_dir, Path) else Path(out_dir)
        return (place or atomic_write)(self.path_for(document, out_dir), self.render(document, run),
                                       durable=durable)

    def finish_run(self, out_dir: str | Path, report, log) -> Path | None:
        """What the writer makes once per run, from the run's report and its article log
        (align.pipeline.report.RunReport, ArticleLog): the HTML writer's index; none by default."""
        return None

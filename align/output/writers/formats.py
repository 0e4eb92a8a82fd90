"""The article in its own format: NAME.en.md, NAME.en.html, NAME.en.docx, with
the source's markup around the translation (see align.read.formats). Plain-text
articles get no such file (their NAME.en.txt is it).

The source file is kept beside the outputs (OUT/.align/sources/NAME.md...), so
that a reviewer's saved correction reaches the same-format file at once
(`refresh_same_format`): the kept source is read and segmented again and takes the
TSV's English and word alignment, sentence by sentence. Keeping the file, rather
than pointing at the input, means a source edited or moved since the run cannot
put French the reviewer never saw into the English file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ...document import Document
from ...errors import InputError
from ...read.protect import load_protection
from ..folder import OutputFolder
from ..files import atomic_write
from .base import Writer



def kept_source_path(out_dir: str | Path, document: Document) -> Path:
    from ...read.formats import format_named

    return OutputFolder(out_dir).kept_source(document.name, format_named(document.format).suffixes[0])


def find_kept_source(out_dir: str | Path, name: str) -> Path | None:
    """The kept source of article `name`, or None (plain text, or an older run)."""
    from ...read.formats import format_for

    folder = (OutputFolder(out_dir).kept_sources / name).parent
    stem = Path(name).name
    if not folder.is_dir():
        return None
    found = [path for path in folder.iterdir()
             if path.is_file() and path.suffix and path.stem == stem and format_for(path) is not None]
    return found[0] if len(found) == 1 else None


class SameFormatWriter(Writer):
    suffix = ""

    def path_for(self, document: Document, out_dir: Path) -> Path:
        from ...read.formats import format_named

        return OutputFolder(out_dir).output(document.name, format_named(document.format).output_suffix)

    def render(self, document: Document, run: dict[str, Any] | None = None) -> bytes:
        from ...read.formats import format_named

        return format_named(document.format).write(document)

    def output_path(self, document: Document, out_dir: Path) -> Path | None:
        """None for plain text (the TxtWriter's file is the article) and for an article
        not read from a file (no layout to write it back into)."""
        if document.format == "txt" or document.layout is None:
            return None
        return self.path_for(document, out_dir)

    def write(self, document: Document, out_dir: str | Path, run: dict[str, Any] | None = None,
              durable: bool = True, place: Callable[..., Path] | None = None) -> Path | None:
        path = self.output_path(document, Path(out_dir))
        if path is None:
            return None
        place = place or atomic_write
        written = place(path, self.render(document, run), durable=durable)
        kept = kept_source_path(out_dir, document)
        if not kept.is_file() or kept.read_bytes() != document.layout.data:
            place(kept, document.layout.data, durable=durable)
        return written


def same_format_output(out_dir: str | Path, reviewed: Document) -> tuple[Path, bytes] | None:
    """The same-format file of an article rebuilt from its TSV sentences
    (`reviewed`, as read back from the TSV) and its kept source: its path and
    content. None when the article has no such file (plain text; or translated
    before sources were kept). Raises InputError when the kept source no longer
    gives the TSV's sentences (e.g. a newer align segments differently): run
    `align translate` again."""
    from ...read.formats import format_for
    from ...segment import segment_document

    kept = find_kept_source(out_dir, reviewed.name)
    if kept is None:
        return None
    fmt = format_for(kept)
    fresh = fmt.load(kept.read_bytes(), kept, load_protection(OutputFolder(out_dir).protection))
    fresh.name = reviewed.name
    segment_document(fresh)
    rows = list(reviewed.pairs())
    pairs = list(fresh.pairs())
    if [(p.id, p.source) for p in pairs] != [(p.id, p.source) for p in rows]:
        raise InputError(f"{kept}: its sentences no longer match {reviewed.name}.tsv, so "
                         f"{reviewed.name}{fmt.output_suffix} was not updated (run align translate again)")
    for pair, row in zip(pairs, rows):
        pair.target, pair.alignment = row.target, list(row.alignment)
    writer = SameFormatWriter()
    return writer.path_for(fresh, Path(out_dir)), writer.render(fresh)


def refresh_same_format(out_dir: str | Path, reviewed: Document) -> Path | None:
    """Rewrite the same-format file of an article from its TSV sentences and its
    kept source (see `same_format_output`)."""
    output = same_format_output(out_dir, reviewed)
    return None if output is None else atomic_write(*output)

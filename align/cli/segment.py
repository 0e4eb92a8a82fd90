"""`align segment`: print an article one sentence per line."""
from __future__ import annotations

import sys

import click

from ..errors import InputError
from .common import error_line, one_line_errors, warning_line


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@one_line_errors
def segment(source: str, lang: str) -> None:
    """Print SOURCE one sentence per line, a blank line between paragraphs (- reads stdin)."""
    from ..segment import segment_document
    from ..read.sources import read_document, read_text
    from ..read.text import decode

    if source == "-":
        text, _, warnings = decode(sys.stdin.buffer.read(), "stdin")
        for warning in warnings:
            warning_line(warning)
        document = read_text(text, "stdin")
    else:
        try:
            document = read_document(source)
        except InputError as exc:
            error_line(str(exc))
            sys.exit(1)
        for warning in document.warnings:
            warning_line(warning)
    segment_document(document, lang)
    blocks = ["\n".join(pair.source for pair in paragraph.sentences) for paragraph in document.paragraphs]
    if blocks:
        click.echo("\n\n".join(blocks))

"""`align glossary check|export|import`: the glossary's command-line tools.

Register with ``main.add_command(glossary)``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from ..terms.glossary import EXPORT_FORMATS, IMPORT_FORMATS, Glossary, check

EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2


@click.group("glossary")
def glossary() -> None:
    """Check, export and import the French→English glossary (glossary.tsv)."""


@glossary.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check_command(file: Path) -> None:
    """Report problems in FILE as FILE:LINE: message.

    Exit status: 0 clean or warnings only, 1 errors, 2 FILE cannot be read.
    """
    try:
        problems = check(file)
    except InputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_UNREADABLE)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    if errors:
        click.echo(f"{file}: {errors} error(s), {warnings} warning(s)", err=True)
        sys.exit(EXIT_PROBLEMS)


def _load(file: Path, fmt: str | None = None) -> Glossary:
    try:
        if fmt is None:
            return Glossary.load(file)
        return Glossary.import_file(file, fmt)
    except InputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_PROBLEMS if file.is_file() else EXIT_UNREADABLE)


def _emit(data: str | bytes, output: Path | None) -> None:
    if output is None or str(output) == "-":
        click.echo(data, nl=False)
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        output.write_bytes(data)
    except OSError as exc:
        click.echo(f"{output}: cannot write ({exc.strerror})", err=True)
        sys.exit(EXIT_UNREADABLE)


@glossary.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "fmt", required=True, type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
              help="deepl: TSV; google: 2-column CSV; amazon: CSV with 'fr,en' header; "
                   "omegat: source, target, comment TSV; tbx; csv: every column.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: standard output).")
def export_command(file: Path, fmt: str, output: Path | None) -> None:
    """Write glossary FILE (glossary.tsv) in another tool's format."""
    glossary_ = _load(file)
    for warning in glossary_.warnings:
        click.echo(f"warning: {warning}", err=True)
    _emit(glossary_.export(fmt), output)


@glossary.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "fmt", required=True, type=click.Choice(IMPORT_FORMATS, case_sensitive=False),
              help="csv: header 'source,target,...' or 'fr,en'; tbx: TBX/TBX-Basic.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="glossary.tsv to write (default: standard output).")
def import_command(file: Path, fmt: str, output: Path | None) -> None:
    """Convert a CSV or TBX glossary FILE to the glossary.tsv format."""
    glossary_ = _load(file, fmt.lower())
    for warning in glossary_.warnings:
        click.echo(f"warning: {warning}", err=True)
    _emit(glossary_.to_tsv(), output)

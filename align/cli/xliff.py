"""`align xliff export|import`: XLIFF 1.2 / 2.0 for reviewers in CAT tools."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import one_line_errors, warning_line


@click.group("xliff")
def xliff() -> None:
    """Exchange an output folder with CAT tools (OmegaT, memoQ, Trados...) as XLIFF."""


@xliff.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output (written): FILE.xlf for one file with every article, or a folder for one file "
                   "per article [default: OUT_DIR/xliff/].")
@click.option("--xliff-version", "--version", "version", type=click.Choice(["1.2", "2.0"]), default="1.2",
              show_default=True, help="The version of the XLIFF format to write (not align's version).")
@one_line_errors
def export_command(out_dir: Path, output: Path | None, version: str) -> None:
    """Write the sentences (French, English, status, comment) of OUT_DIR, the output
    folder of align translate (read), as XLIFF."""
    from ..interchange.xliff import export_folder

    try:
        paths = export_folder(out_dir, output, version, on_warning=warning_line)
    except OSError as exc:
        click.echo(f"align: error: {exc.filename or output}: cannot write ({exc.strerror or exc})", err=True)
        sys.exit(2)
    click.echo(f"{len(paths)} XLIFF {version} file{'s' if len(paths) != 1 else ''} written: "
               f"{paths[0] if len(paths) == 1 else paths[0].parent}")


@xliff.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--into", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The output folder the file was exported from.")
@one_line_errors
def import_command(file: Path, out_dir: Path) -> None:
    """Bring edited targets, states and comments back as reviewed sentences."""
    from ..interchange.xliff import import_xliff

    report = import_xliff(file, out_dir, on_warning=warning_line)
    for warning in report.warnings:
        warning_line(warning)
    click.echo(f"{len(report.changed)} sentences imported as reviewed, {report.unchanged} unchanged"
               + (f", {len(report.warnings)} warnings" if report.warnings else ""))
    sys.exit(1 if report.warnings else 0)

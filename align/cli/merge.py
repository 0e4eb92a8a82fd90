"""`align merge`: the output folders of a sharded run (`align translate --shard K/N`)
gathered into one, as one unsharded run would have written it (align.tools.merge)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import error_line, one_line_errors, warning_line


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", required=True, metavar="DIR",
              type=click.Path(path_type=Path),
              help="Output folder (written) to merge into: new, empty, or holding a run made alike whose "
                   "articles are in none of FOLDERS (they are kept and listed with the merged ones).")
@click.option("--wait", type=click.FloatRange(0), default=0, show_default=True,
              help="Seconds to wait when another run is writing to OUTPUT.")
@one_line_errors
def merge(folders, output, wait) -> None:
    """Merge the output FOLDERS of `align translate --shard K/N` into OUTPUT: articles,
    translation memory, consistency flags across shards, one manifest and index.
    Nothing is written when they cannot be merged (an article in two folders,
    folders made with other settings)."""
    from ..tools.merge import merge_outputs

    report = merge_outputs(list(folders), output, lock_timeout=wait, on_warning=warning_line)
    for failure in report.failed:
        error_line(failure["error"])
    if report.memory_conflicts:
        were = "was" if report.memory_conflicts == 1 else "were"
        warning_line(f"{_count(report.memory_conflicts, 'sentence')} of the memory {were} translated differently "
                     f"by two folders; the first folder's English is kept")
    summary = (f"{_count(report.articles, 'article')} ({report.copied} copied from "
               f"{_count(len(folders), 'folder')}), {_count(report.sentences, 'sentence')}")
    if report.reflagged:
        summary += f"; inconsistency flags brought up to date in {_count(len(report.reflagged), 'article')}"
    if report.inconsistencies:
        summary += (f"; {_count(report.inconsistencies, 'French key')} translated differently "
                    f"(index.html lists them)")
    if report.failed:
        summary += f"; {len(report.failed)} failed"
    click.echo(summary)
    click.echo(f"outputs in {output}/ (signature: {report.manifest.header.signature})")
    sys.exit(report.exit_code)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"

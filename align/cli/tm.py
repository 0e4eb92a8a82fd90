"""`align tm stats|prune|export`: the translation memory kept in OUT/.align/memory.sqlite.

Register with ``main.add_command(tm)``.
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click

from ..errors import AlignError
from ..output.memory import default_path

DEFAULT_OUTPUT = Path("output_en")


def _memory_path(memory: Path | None, folder: Path | None) -> Path:
    if memory is not None and folder is not None:
        raise click.UsageError("give --memory FILE or --folder OUT, not both")
    return memory if memory is not None else default_path(folder or DEFAULT_OUTPUT)


def _open(path: Path):
    from ..output.memory import TranslationMemory

    if not path.is_file():
        click.echo(f"align: error: {path}: no translation memory here (align translate -o OUT creates "
                   f"OUT/.align/memory.sqlite)", err=True)
        sys.exit(2)
    try:
        return TranslationMemory(path)
    except AlignError as exc:
        click.echo(f"align: error: {exc}", err=True)
        sys.exit(2)


def memory_options(command):
    """--folder OUT (read: the output folder of align translate whose memory this is) or
    --memory FILE. `-o/--output`, its former name, is still accepted (hidden): in
    other commands -o is the folder written."""
    command = click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path),
                           default=None, hidden=True)(command)
    command = click.option("--folder", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
                           metavar="OUT",
                           help=f"The folder read: the output folder (-o) of align translate whose memory "
                                f"(OUT/.align/memory.sqlite) this is [default: {DEFAULT_OUTPUT}].")(command)
    return click.option("--memory", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="The memory file itself, instead of --folder.")(command)


@click.group("tm")
def tm() -> None:
    """The translation memory: sentences already translated, reused by later runs."""


@tm.command("stats")
@memory_options
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats_command(memory: Path | None, folder: Path | None, as_json: bool) -> None:
    """How many sentences the memory holds, and for which engines."""
    path = _memory_path(memory, folder)
    with _open(path) as store:
        stats = store.stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"{stats['path']}: {stats['entries']} sentences ({stats['with_terms']} with glossary terms), "
               f"{stats['hits']} reuses, {stats['bytes'] / 1e6:.1f} MB")
    if stats["first"]:
        click.echo(f"first stored {stats['first']}, last used {stats['last_used']}")
    if stats["stale"]:
        click.echo(f"{stats['stale']} stale sentences: stored by another version of align's segmentation and "
                   f"term policy (now {stats['policy']}), never reused; align tm prune removes them")
    else:
        click.echo(f"no stale sentences (policy version {stats['policy']})")
    for engine in stats["engines"]:
        described = ", ".join(f"{k}={str(v)[:12] if k == 'revision' else v}" for k, v in engine.items()
                              if k not in ("key", "entries")) or "(engine details not recorded)"
        click.echo(f"  {engine['entries']:>8} sentences  engine {engine['key']}  {described}")


@tm.command("prune")
@memory_options
def prune_command(memory: Path | None, folder: Path | None) -> None:
    """Remove the stale sentences: those an older align stored under another
    segmentation and term policy, which no run of this version reuses."""
    path = _memory_path(memory, folder)
    with _open(path) as store:
        try:
            removed = store.prune()
        except sqlite3.Error as exc:
            click.echo(f"align: error: {path}: cannot prune ({exc})", err=True)
            sys.exit(2)
        left = store.stats()["entries"]
    click.echo(f"{removed} stale sentences removed from {path}; {left} kept")


@tm.command("export")
@click.option("--tmx", "tmx_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="TMX 1.4 file to write (fr → en).")
@memory_options
def export_command(tmx_path: Path, memory: Path | None, folder: Path | None) -> None:
    """Write every stored sentence pair to a TMX file for CAT tools."""
    path = _memory_path(memory, folder)
    with _open(path) as store:
        try:
            count = store.export_tmx(tmx_path)
        except OSError as exc:
            click.echo(f"align: error: {tmx_path}: cannot write ({exc.strerror or exc})", err=True)
            sys.exit(2)
    click.echo(f"{count} translation units written to {tmx_path}")

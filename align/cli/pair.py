"""`align pair` (sentence alignment of a French text with its translation) and
`align score` (BLEU, chrF, TER and term accuracy of translations).

Exit codes as in align.cli: 0 all went well, 1 some articles failed (the others
were processed), 2 usage errors (missing files, bad options, a model or glossary that
cannot be loaded). Errors are one line on stderr naming the file.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import error_line as _error
from .common import one_line_errors as _one_line_errors
from .common import warning_line
from ..errors import InputError, UsageError
from ..flags import FlagCode


def _load_document(path: Path, name: str):
    """An article as a Document named `name`; unlike sources.read_document an
    empty file is allowed (everything on the other side is then unaligned)."""
    from ..read.sources import read_document

    document = read_document(path, allow_empty=True)
    document.name = name
    return document


def _pairs_of(fr_path: Path, en_path: Path, include: tuple[str, ...], exclude: tuple[str, ...],
              skip: tuple[Path, ...], errors: list[str]) -> list[tuple[str, Path, Path]]:
    """(output name, French file, English file): for two folders, every article
    found in both, sub-folders included, named by its relative path."""
    from ..tools.score import article_name, match_folders

    for path in (fr_path, en_path):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if fr_path.is_dir() != en_path.is_dir():
        raise UsageError(f"{fr_path} and {en_path}: give two files or two folders")
    if not fr_path.is_dir():
        return [(article_name(fr_path), fr_path, en_path)]
    matched = match_folders(fr_path, en_path, include, exclude, skip, errors)
    owners: dict[str, Path] = {}
    for name, fr_file, _ in matched:  # x.txt and X.txt: one output on case-insensitive disks
        if name.casefold() in owners:
            raise UsageError(f"{owners[name.casefold()]} and {fr_file} would both be written as {name}.* "
                             f"in the output folder; rename one")
        owners[name.casefold()] = fr_file
    return matched


def _load_glossary(path: str | None):
    if not path:
        return None
    try:
        from ..terms.glossary import Glossary
    except ImportError:  # pragma: no cover - glossary module missing
        raise UsageError("--glossary: the glossary module is not available") from None
    return Glossary.load(path)


@click.command("pair")
@click.argument("fr_path", metavar="FR_FILE", type=click.Path(path_type=Path))
@click.argument("en_path", metavar="EN_FILE", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", default="output_pair", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Output folder (written; created if needed): NAME.tsv for each pair.")
@click.option("--segmented", is_flag=True, help="Inputs have one sentence per line: do not split them.")
@click.option("--format", "fmt", type=click.Choice(["tsv", "ladder"]), default="tsv", show_default=True,
              help="tsv: NAME.tsv files in the output folder; ladder: vecalign ladder lines on stdout.")
@click.option("--tmx", "tmx", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every aligned pair to this TMX 1.4 file (fr → en).")
@click.option("--model", default=None, metavar="DIR_OR_ID",
              help="Translate the French with this model and use chrF with the English (Bleualign-style).")
@click.option("--engine", "engine_name", type=click.Choice(["ctranslate2", "transformers"]), default="ctranslate2",
              show_default=True, help="The engine that runs --model (as for translate).")
@click.option("--glossary", default=None, type=click.Path(dir_okay=False, path_type=str),
              help="Glossary TSV whose term pairs anchor the alignment.")
@click.option("--include", "include", multiple=True, metavar="GLOB",
              help="In folders, pair only articles whose relative path matches (repeatable).")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="In folders, skip articles whose relative path matches (repeatable).")
@_one_line_errors
def pair(fr_path: Path, en_path: Path, output: Path, segmented: bool, fmt: str, tmx: Path | None,
         model: str | None, engine_name: str, glossary: str | None, include: tuple[str, ...],
         exclude: tuple[str, ...]) -> None:
    """Align FR_FILE with its English translation EN_FILE (or two folders: X.txt in
    the French folder pairs with X.txt or X.en.txt in the English one, X.md with
    X.md or X.en.md, and so on for HTML and Word; sub-folders included:
    fr/2024/x.txt with en/2024/x.txt, written as OUTPUT/2024/x.tsv)."""
    from ..tools.bitext import align_documents, ladder_lines
    from ..checks.pair import check_translation

    problems: list[str] = []
    articles = _pairs_of(fr_path, en_path, include, exclude, (output,) if fmt == "tsv" else (), problems)
    failed = 0
    for problem in problems:  # a link loop, an unreadable sub-folder: the rest goes on
        _error(problem)
        failed += 1
    terms = _load_glossary(glossary)
    engine = None
    if model:
        from ..mt.engines import load_engine
        engine = load_engine(engine_name, model)
    messages = (lambda text: click.echo(text, err=True)) if fmt == "ladder" else click.echo
    writers = []
    if fmt == "tsv":  # the outputs of translate: aligned TSV and the review page
        from ..output.lock import prepare_output_dir
        from ..output.writers.html import HtmlWriter
        from ..output.writers.tsv import TsvWriter
        writers = [TsvWriter(), HtmlWriter()]
        prepare_output_dir(output)
    all_pairs: list[tuple[str, str]] = []
    for name, fr_file, en_file in articles:
        try:
            fr_doc, en_doc = _load_document(fr_file, name), _load_document(en_file, name)
            beads: list = []
            document = check_translation(align_documents(fr_doc, en_doc, segmented=segmented, glossary=terms,
                                                         engine=engine, beads_out=beads), terms)
        except InputError as exc:
            _error(str(exc))
            failed += 1
            continue
        for warning in document.warnings:
            warning_line(warning)
        all_pairs += [(p.source, p.target) for p in document.pairs()]
        kinds: dict[str, int] = {}
        for bead in beads:
            kinds[bead.kind] = kinds.get(bead.kind, 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        if fmt == "ladder":
            if len(articles) > 1:
                click.echo(f"# {name}")
            for line in ladder_lines(beads):
                click.echo(line)
            messages(f"{name}: {len(beads)} beads ({summary or 'none'})")
        else:
            paths = [str(writer.write(document, output)) for writer in writers]
            flagged = sum(1 for p in document.pairs() if any(f.code != FlagCode.BEAD for f in p.flags))
            messages(f"{name}: {len(beads)} beads ({summary or 'none'}), {flagged} flagged -> {', '.join(paths)}")
    if tmx is not None:
        from ..interchange.tmx import write_tmx
        write_tmx(all_pairs, tmx)
        messages(f"TMX: {sum(1 for s, t in all_pairs if s and t)} units -> {tmx}")
    sys.exit(1 if failed else 0)


@click.command("score")
@click.argument("hyp", type=click.Path(path_type=Path))
@click.argument("ref", type=click.Path(path_type=Path))
@click.option("--glossary", default=None, type=click.Path(dir_okay=False, path_type=str),
              help="Glossary TSV: report the share of its terms translated (needs --source).")
@click.option("--source", default=None, type=click.Path(path_type=Path),
              help="The French file or folder that HYP translates (line-aligned with it).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_one_line_errors
def score(hyp: Path, ref: Path, glossary: str | None, source: Path | None, as_json: bool) -> None:
    """Score translations HYP against references REF: BLEU, chrF and TER (sacrebleu,
    with signatures). Two line-aligned files, or a translate output folder (NAME.en.txt)
    and a reference folder; files whose line counts differ are aligned first."""
    from ..tools.score import score_paths

    if glossary and source is None:
        raise UsageError("--glossary needs --source (the French the hypotheses translate)")
    for path in (hyp, ref) + ((source,) if source else ()):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    terms = _load_glossary(glossary)
    result = score_paths(hyp, ref, terms, source)
    if as_json:
        import json
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(result.format())

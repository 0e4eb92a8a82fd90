"""`align translate`: French articles in, English outputs, manifest and memory."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import error_line, one_line_errors, warning_line

DEFAULT_GLOSSARY = Path("glossary.tsv")


def load_glossary(glossary: str | None, no_glossary: bool):
    """The glossary to enforce: --glossary FILE, else ./glossary.tsv when present."""
    if no_glossary:
        return None, None
    path = Path(glossary) if glossary else (DEFAULT_GLOSSARY if DEFAULT_GLOSSARY.is_file() else None)
    if path is None:
        return None, None
    from ..terms.glossary import Glossary
    return Glossary.load(path), path


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("-o", "--output", "output", default="output_en", show_default=True,
              type=click.Path(path_type=Path), help="Folder for the outputs.")
@click.option("--model", default=None, help="Hub id or local directory [default: Helsinki-NLP/opus-mt-fr-en].")
@click.option("--revision", default=None, help="Hub revision (branch, tag or commit) of the model.")
@click.option("--engine", type=click.Choice(["transformers", "ctranslate2"]), default="transformers",
              show_default=True)
@click.option("--compute-type", default="int8", show_default=True, help="CTranslate2 compute type.")
@click.option("--batch-size", type=click.IntRange(1, 1024), default=16, show_default=True)
@click.option("--beams", type=click.IntRange(1, 64), default=None,
              help="Beam size [default: the model's generation config].")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--glossary", default=None, type=click.Path(dir_okay=False, path_type=str),
              help="Glossary TSV to enforce [default: ./glossary.tsv when present].")
@click.option("--no-glossary", is_flag=True, help="Translate without enforcing any glossary.")
@click.option("--shard", default=None, metavar="K/N", help="Translate only share K of N (for job arrays).")
@click.option("--no-memory", is_flag=True,
              help="Translate everything again instead of reusing OUTPUT/.align/memory.sqlite "
                   "(reviewers' corrections are still kept).")
@click.option("--wait", type=click.FloatRange(0), default=0, show_default=True,
              help="Seconds to wait when another run is writing to OUTPUT.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@one_line_errors
def translate(paths, output, model, revision, engine, compute_type, batch_size, beams, device,
              glossary, no_glossary, shard, no_memory, wait, quiet) -> None:
    """Translate French articles (files, or folders of *.txt) into OUTPUT."""
    from ..engines import load_engine
    from ..engines.base import GenerationSettings
    from ..engines.transformers import DEFAULT_MODEL
    from ..pipeline import translate_paths

    shard_spec = None
    if shard:
        from ..shard import parse_shard
        shard_spec = parse_shard(shard)
    from ..lock import OutputLock
    from ..pipeline import prepare_output_dir

    prepare_output_dir(output)
    if not wait:  # another run writing here: say so before spending time loading the model
        OutputLock(output).acquire().release()
    glossary_obj, glossary_path = load_glossary(glossary, no_glossary)
    settings = GenerationSettings(beams=beams, batch_size=batch_size, device=device)
    loaded = load_engine(engine, model or DEFAULT_MODEL, settings, revision=revision, compute_type=compute_type)

    def progress_factory(total: int):
        from tqdm import tqdm
        return tqdm(total=total, unit="sent", desc="translating", disable=quiet or None,
                    file=sys.stderr, dynamic_ncols=True)

    memory = None
    if not no_memory:
        from ..memory import TranslationMemory, default_path
        memory = TranslationMemory(default_path(output))
    try:
        report = translate_paths(
            list(paths), loaded, output, glossary=glossary_obj, glossary_path=glossary_path, shard=shard_spec,
            memory=memory, lock_timeout=wait,
            progress_factory=progress_factory, on_error=error_line,
            on_warning=warning_line,
            settings={"batch_size": batch_size, "beams": loaded.signature().get("beams"), "device": device,
                      "engine": engine, "glossary": str(glossary_path) if glossary_path else None,
                      "memory": not no_memory},
        )
    finally:
        if memory is not None:
            memory.close()
    rate = report.sentences / report.seconds if report.seconds else 0.0
    summary = (f"{len(report.articles)} articles, {report.sentences} sentences, "
               f"{report.seconds:.1f} s, {rate:.1f} sentences/s")
    memory = report.manifest["counts"].get("from_memory", 0)
    if memory:
        summary += f", {memory} from memory"
    if report.term_accuracy is not None:
        counts = report.term_counts
        summary += (f"; term accuracy {100 * report.term_accuracy:.1f}% "
                    f"({counts.get('model', 0)} by the model, {counts.get('forced', 0)} forced, "
                    f"{counts.get('failed', 0)} failed)")
    if report.failed:
        summary += f"; {len(report.failed)} failed"
    click.echo(summary)
    click.echo(f"outputs in {output}/ (signature: {report.manifest['signature']})")
    sys.exit(report.exit_code)

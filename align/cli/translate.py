"""`align translate`: French articles in, English outputs, manifest and memory."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from ..errors import UsageError
from ..read.sources import ARTICLE_SUFFIXES
from .common import error_line, one_line_errors, warning_line

DEFAULT_GLOSSARY = Path("glossary.tsv")
TRANSLATE_HELP = f"""Translate French articles into the output folder (-o). PATHS are files, folders
or - for standard input. A folder gives its articles ({", ".join(ARTICLE_SUFFIXES)}),
sub-folders included; the outputs mirror their relative paths.

\b
Example, with no download (the small test model of align's clone):
  align translate sources_fr/ --model tests/models/small-fr-en
Options, outputs and exit codes: docs/translate.md."""


def load_glossary(glossary: str | None, no_glossary: bool):
    """The glossary to enforce: --glossary FILE, else ./glossary.tsv when present."""
    if no_glossary:
        return None, None
    path = Path(glossary) if glossary else (DEFAULT_GLOSSARY if DEFAULT_GLOSSARY.is_file() else None)
    if path is None:
        return None, None
    from ..terms.glossary import Glossary
    return Glossary.load(path), path


def glossary_used(glossary, path: Path | None, no_glossary: bool) -> str:
    """The closing line's word on the glossary: which file, how many entries, or none and why."""
    if glossary is not None:
        return f"glossary {path}: {len(glossary)} entr{'y' if len(glossary) == 1 else 'ies'}"
    return "no glossary: --no-glossary" if no_glossary else f"no glossary: no ./{DEFAULT_GLOSSARY} here"


@click.command(help=TRANSLATE_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("-o", "--output", "output", default="output_en", show_default=True,
              type=click.Path(path_type=Path), metavar="DIR",
              help="Output folder (written; created if needed): the English, NAME.tsv, NAME.html, index.html.")
@click.option("--model", default=None, help="Hub id or local directory [default: Helsinki-NLP/opus-mt-fr-en].")
@click.option("--revision", default=None, help="Hub revision (branch, tag or commit) of the model.")
@click.option("--engine", type=click.Choice(["ctranslate2", "transformers"]), default="ctranslate2",
              show_default=True, help="ctranslate2: the model converted once to int8 (faster on CPU); "
                                      "transformers: the PyTorch model as it is.")
@click.option("--compute-type", default="int8", show_default=True, help="CTranslate2 compute type.")
@click.option("--batch-tokens", type=click.IntRange(1, 1_000_000), default=None,
              help="Source tokens per batch, padding included; batches mix the sentences of many "
                   "articles [default: the engine's, measured on CPU].")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=None,
              help="Most sentences per batch [default: the engine's].")
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
@click.option("--include", "include", multiple=True, metavar="GLOB",
              help="In folders, read only articles whose relative path matches (repeatable; "
                   "a GLOB without / matches any file or folder name, e.g. '2024' or 'intro*').")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="In folders, skip articles whose relative path matches (repeatable; e.g. 'drafts').")
@click.option("--name", "stdin_name", default=None, metavar="NAME",
              help="Output name of the article read from standard input (-) [default: stdin].")
@click.option("--protect", "protect", multiple=True, metavar="REGEX",
              help="Also keep text matching REGEX untranslated, byte for byte, in Markdown, HTML and Word "
                   "articles (repeatable; template tags, shortcodes and alerts are kept already).")
@click.option("--protect-file", "protect_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="Also keep text matching the patterns of FILE untranslated: one regular expression a line, "
                   "# starts a comment (repeatable; a protect.txt beside the glossary is read already).")
@click.option("--typography", type=click.Choice(["english", "keep"]), default="english", show_default=True,
              help="english: the machine's English gets English quotes and spacing (“…” for « … », no space "
                   "before ; : ! ? or in 50 %); keep: write it as the model did. Reviewers' corrections are "
                   "never changed (French typography in them is flagged).")
@click.option("--numbers", type=click.Choice(["repair", "flag"]), default="repair", show_default=True,
              help="repair: a French number the model wrote wrong or dropped is written in the English, in "
                   "English conventions (40 000 → 40,000), and flagged number-repaired; flag: only flagged "
                   "number-mismatch. Reviewers' corrections are never changed.")
@click.option("--ray", "ray_address", default=None, metavar="ADDRESS",
              help="Translate the batches on a pool of Ray actors: auto (a running cluster, or RAY_ADDRESS), "
                   "local (start one on this machine, loopback only), HOST:PORT or ray://HOST:PORT. "
                   "Needs Ray: pip install -e '.[ray]' in align's clone. docs/scaling.md.")
@click.option("--ray-actors", type=click.IntRange(1, 10_000), default=None,
              help="Actors in the pool, each holding the model [default: as many as the cluster's CPUs "
                   "(or GPUs) allow].")
@click.option("--ray-cpus-per-actor", type=click.FloatRange(0.01), default=1.0, show_default=True,
              help="CPUs each actor reserves (and its engine's threads).")
@click.option("--ray-gpus-per-actor", type=click.FloatRange(0), default=0.0, show_default=True,
              help="GPUs each actor reserves (with --device cuda or auto on GPU nodes).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@one_line_errors
def translate(paths, output, model, revision, engine, compute_type, batch_tokens, batch_size, beams, device,
              glossary, no_glossary, shard, no_memory, wait, include, exclude, stdin_name, protect, protect_files,
              typography, numbers, ray_address, ray_actors, ray_cpus_per_actor, ray_gpus_per_actor, quiet) -> None:
    from ..mt.engines import load_engine
    from ..mt.engines.base import GenerationSettings
    from ..mt.engines.transformers import DEFAULT_MODEL
    from ..mt.hub import check_model_folder
    from ..output.lock import OutputLock
    from ..output.lock import prepare_output_dir
    from ..read.sources import collect_articles

    shard_spec = None
    if shard:
        from ..pipeline.shard import parse_shard
        shard_spec = parse_shard(shard)
    from ..read.protect import Protection, patterns_file_in
    # The team's protect.txt sits beside the glossary: --glossary FILE's folder, else the
    # current folder, where ./glossary.tsv is looked for (present or not). --no-glossary
    # still reads ./protect.txt when it is there: it turns off terms, not protected syntax,
    # and skipping the file would silently send template tags to the model, while reading
    # it only keeps the listed text as it is. Absent, it is no patterns. Its patterns come
    # first, then those of each --protect-file (read even when one is that same file: a
    # pattern is kept once), then --protect.
    beside = patterns_file_in(Path(glossary).parent if glossary and not no_glossary else Path("."))
    try:
        protection = Protection.from_files(([beside] if beside else []) + list(protect_files), protect)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if stdin_name is not None and "-" not in paths:
        raise UsageError("--name names the article read from standard input: give - among the paths")
    # Read the inputs first: a path that gives no article (missing, an empty folder)
    # and two files that would write the same outputs stop the run here, before the
    # model is loaded or anything is written; so does a --model folder that is missing.
    inputs = collect_articles(list(paths), include=tuple(include), exclude=tuple(exclude),
                              skip=(output,), stdin_name=stdin_name)
    inputs.refuse_unusable_paths()
    check_model_folder(model or DEFAULT_MODEL)
    prepare_output_dir(output)
    # The lock is taken before the model is loaded (another run writing here is
    # said at once) and held to the end.
    with OutputLock(output, timeout=wait) as lock:
        from ..output.saves import cut_short
        for article in lock.recover():  # what a killed run or review server left
            warning_line(cut_short(output, article))
        glossary_obj, glossary_path = load_glossary(glossary, no_glossary)
        settings = GenerationSettings(beams=beams, batch_tokens=batch_tokens, batch_size=batch_size, device=device)
        model_id = model or DEFAULT_MODEL
        if revision:  # a branch or tag moves: load, record and key the memory by its commit
            from ..mt.hub import resolve_revision
            revision_requested, revision = revision, resolve_revision(model_id, revision) or revision
        else:
            revision_requested = None
        with ExitStack() as cleanup:  # on Ctrl-C or an error too: the cluster's work stops, the memory closes
            runner = None
            if ray_address:  # the cluster first: an unreachable one is said before the model loads
                from ..mt.runners.ray import EngineSpec, RayRunner
                runner = RayRunner(EngineSpec(engine, model_id, settings, revision, compute_type), ray_address,
                                   actors=ray_actors, cpus_per_actor=ray_cpus_per_actor,
                                   gpus_per_actor=ray_gpus_per_actor)
                cleanup.callback(runner.close)
            loaded = load_engine(engine, model_id, settings, revision=revision, compute_type=compute_type)

            def progress_factory(total: int | None):
                if quiet or not sys.stderr.isatty():
                    return None  # tqdm draws nothing off a terminal (disable=None): not even imported
                from tqdm import tqdm
                return tqdm(total=total, unit="sent", desc="translating", file=sys.stderr, dynamic_ncols=True)

            memory = None
            if not no_memory:
                from ..output.memory import TranslationMemory, default_path
                memory = TranslationMemory(default_path(output))
                cleanup.callback(memory.close)
            signature = loaded.signature()
            from ..pipeline.run import Run

            report = Run(
                loaded, output, glossary=glossary_obj, glossary_path=glossary_path, shard=shard_spec,
                memory=memory, progress_factory=progress_factory, on_error=error_line, on_warning=warning_line,
                protection=protection, typography=typography, numbers=numbers, runner=runner,
                settings={"batch_tokens": signature.get("batch_tokens"), "batch_size": signature.get("batch_size"),
                          "beams": signature.get("beams"), "device": device, "engine": engine,
                          "glossary": str(glossary_path) if glossary_path else None,
                          "memory": not no_memory, "revision_requested": revision_requested,
                          "typography": typography, "numbers": numbers},
            ).translate(inputs)
    rate = report.sentences / report.seconds if report.seconds else 0.0
    summary = (f"{report.articles} articles, {report.sentences} sentences, "
               f"{report.seconds:.1f} s, {rate:.1f} sentences/s")
    if report.from_memory:
        summary += f", {report.from_memory} from memory"
    if report.copied:
        summary += f", {report.copied} copied (no words to translate)"
    if report.term_accuracy is not None:
        counts = report.term_counts
        summary += (f"; term accuracy {100 * report.term_accuracy:.1f}% "
                    f"({counts.get('model', 0)} by the model, {counts.get('forced', 0)} forced, "
                    f"{counts.get('failed', 0)} failed)")
    if report.failed:
        summary += f"; {len(report.failed)} failed"
    click.echo(summary)
    click.echo(f"outputs in {output}/ ({glossary_used(glossary_obj, glossary_path, no_glossary)}; "
               f"signature: {report.manifest.header.signature})")
    sys.exit(report.exit_code)

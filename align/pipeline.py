"""The translate pipeline, one article at a time:

read (sources) → segment → find terms (glossary) → translate + enforce (engine)
→ check and flag (checks) → write (writers), then a manifest for the run.

Articles stream through one by one, so memory does not grow with the folder,
and a bad article is reported and skipped while the others go on.
"""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import POLICY_VERSION, __version__
from .checks import check_document
from .document import ORIGIN_REVIEWED, Document
from .engines.base import Engine
from .errors import InputError, OutputError, UsageError
from .segment import segment_document
from .sources import Article, Inputs, collect_articles, read_article, read_document
from .translate import translate_document
from .writers import atomic_write, default_writers

MANIFEST = "manifest.json"


@dataclass
class ArticleReport:
    name: str
    source: str
    sentences: int = 0
    paragraphs: int = 0
    seconds: float = 0.0
    terms: dict[str, int] = field(default_factory=dict)
    term_accuracy: float | None = None
    flags: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    from_memory: int = 0


@dataclass
class RunReport:
    articles: list[ArticleReport] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line error)
    seconds: float = 0.0
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def sentences(self) -> int:
        return sum(a.sentences for a in self.articles)

    @property
    def term_counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for article in self.articles:
            for status, n in article.terms.items():
                total[status] = total.get(status, 0) + n
        return total

    @property
    def term_accuracy(self) -> float | None:
        counts = self.term_counts
        found = sum(counts.values())
        return (counts.get("model", 0) + counts.get("forced", 0)) / found if found else None

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def prepare_output_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: output folder is a file; choose another -o DIR")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot create output folder ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):  # say so before loading the model
        raise UsageError(f"{out_dir}: cannot write to the output folder (permission denied); choose another -o DIR")


def prepare_document(source: Article | str | Path, glossary=None) -> Document:
    """read → segment → find terms. `source`: an Article, or a file path (the
    article is then named after the file)."""
    document = segment_document(read_article(source) if isinstance(source, Article) else read_document(source))
    if glossary is not None:
        from .terms.glossary import find_terms
        find_terms(document, glossary)
    return document


def environment() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for module in ("torch", "transformers", "sentencepiece", "ctranslate2", "sacrebleu"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:  # not installed: not part of this run
            continue
    return versions


def signature(engine_signature: dict[str, Any], glossary_hash: str | None) -> str:
    """One line that identifies how the outputs were made, like sacrebleu's."""
    revision = str(engine_signature.get("revision") or "unknown")[:12]
    parts = [f"align:{__version__}", f"engine:{engine_signature.get('engine')}",
             f"model:{engine_signature.get('model')}", f"rev:{revision}",
             f"beams:{engine_signature.get('beams')}", f"batch:{engine_signature.get('batch_size')}",
             f"maxlen:{engine_signature.get('max_new_tokens')}"]
    if engine_signature.get("compute_type"):
        parts.append(f"compute:{engine_signature['compute_type']}")
    parts.append(f"glossary:{glossary_hash[:12] if glossary_hash else 'none'}")
    return "|".join(parts)


def translate_paths(paths: list[str | Path] | Inputs, engine: Engine, out_dir: str | Path = "output_en", *,
                    glossary=None, glossary_path: str | Path | None = None,
                    writers=None, shard: tuple[int, int] | None = None,
                    progress_factory: Callable[[int], Any] | None = None,
                    on_error: Callable[[str], None] | None = None,
                    on_warning: Callable[[str], None] | None = None,
                    settings: dict[str, Any] | None = None, memory=None,
                    lock_timeout: float = 0.0) -> RunReport:
    """Translate articles into `out_dir`; returns what happened, article by article.

    `paths`: files and folders (read recursively, see `sources.collect_articles`),
    or the `Inputs` already collected from them. Outputs mirror the inputs'
    relative paths (``DIR/2024/intro.txt`` → ``OUT/2024/intro.tsv``).

    `memory` (a TranslationMemory) supplies sentences translated before and keeps
    the new ones. The output folder is locked for the run: a second run on it
    stops with a clear message (or waits `lock_timeout` seconds).
    """
    from .lock import OutputLock

    out_dir = Path(out_dir)
    prepare_output_dir(out_dir)
    with OutputLock(out_dir, timeout=lock_timeout) as lock:
        lock.remove_stale_temporaries()  # left by a killed run
        return _translate_locked(paths, engine, out_dir, glossary, glossary_path, writers, shard,
                                 progress_factory, on_error, on_warning, settings, memory)


def _translate_locked(paths, engine, out_dir, glossary, glossary_path, writers, shard, progress_factory,
                      on_error, on_warning, settings, memory) -> RunReport:
    started = time.perf_counter()
    report = RunReport()
    memory_key = None
    engine_signature = engine.signature()
    if memory is not None:
        from .memory import memory_key as engine_memory_key
        memory_key = engine_memory_key(engine_signature)
    inputs = paths if isinstance(paths, Inputs) else collect_articles(list(paths), skip=(out_dir,))
    articles, errors = inputs.articles, inputs.errors
    if shard is not None:
        from .shard import select_shard
        # Shares hash the file name, as before trees were read (stdin: its name).
        by_key = {Path(str(a.path or a.name)): a for a in articles}
        articles = [by_key[key] for key in select_shard(list(by_key), *shard)]
    for error in errors:
        report.failed.append((error.split(":")[0], error))
        if on_error:
            on_error(error)
    writers = default_writers() if writers is None else writers

    # A first, cheap pass counts sentences for the progress bar.
    total = 0
    for article in articles:
        try:
            total += prepare_document(article).sentence_count
        except InputError:
            continue
    bar = progress_factory(total) if progress_factory else None
    run = run_header(engine, glossary, glossary_path, settings or {}, shard)

    try:
        for article in articles:
            _translate_article(article, engine, out_dir, glossary, writers, memory, memory_key, engine_signature,
                               run, bar, report, on_error, on_warning)
    except OutputError as exc:
        # A full disk or an output folder gone read-only: every later article would
        # fail the same way. Stop with one line; what was written stays whole, and
        # the previous manifest and index are left as they were.
        raise OutputError(exc.filename, exc.strerror, exc.errno,
                          note="the run stopped; outputs written before this one are kept") from None
    finally:
        if bar is not None:
            bar.close()
    report.seconds = time.perf_counter() - started
    report.manifest = build_manifest(report, run)
    atomic_write(out_dir / MANIFEST, json.dumps(report.manifest, ensure_ascii=False, indent=2) + "\n")
    for writer in writers:
        finish = getattr(writer, "finish", None)
        if finish:  # e.g. the HTML index, written once all articles are done
            finish(out_dir, report.manifest)
    return report


def _translate_article(article: Article, engine, out_dir, glossary, writers, memory, memory_key, engine_signature,
                       run, bar, report: RunReport, on_error, on_warning) -> None:
    """One article through every stage into its outputs; its failure is recorded
    in `report` (the run goes on), except an OutputError, which is raised."""
    path = str(article)
    article_start = time.perf_counter()
    try:
        document = prepare_document(article, glossary)
        for warning in document.warnings:
            if on_warning:
                on_warning(warning)
        if memory is not None:
            with _memory_writes(memory):
                remembered = memory.fill(document, memory_key)
            if bar is not None and remembered:
                bar.update(remembered)
        else:
            keep_corrections(document, out_dir)
        translate_document(document, engine, progress=bar.update if bar else None,
                           enforce_terms=glossary is not None)
        if memory is not None:
            with _memory_writes(memory):
                memory.store(document, memory_key, engine_signature)
        check_document(document)
        outputs = [str(written) for w in writers
                   if (written := w.write(document, out_dir, run)) is not None]  # None: not for this article
    except InputError as exc:
        report.failed.append((path, str(exc)))
        if on_error:
            on_error(str(exc))
        return
    except OutputError:
        raise
    except OSError as exc:
        message = f"{path}: cannot write output to {out_dir} ({exc.strerror or exc})"
        report.failed.append((path, message))
        if on_error:
            on_error(message)
        return
    except Exception as exc:  # a bug must not cost the user the other articles
        message = f"{path}: internal error, article skipped ({type(exc).__name__}: {exc}); please report it"
        report.failed.append((path, message))
        if on_error:
            on_error(message)
        return
    report.articles.append(ArticleReport(
        name=document.name, source=path, sentences=document.sentence_count,
        paragraphs=len(document.paragraphs), seconds=round(time.perf_counter() - article_start, 3),
        terms=document.term_counts(), term_accuracy=document.term_accuracy(),
        flags=document.flag_counts(), outputs=outputs, warnings=document.warnings,
        from_memory=sum(1 for p in document.pairs() if p.origin in ("memory", ORIGIN_REVIEWED))))


@contextmanager
def _memory_writes(memory):
    """SQLite's own write failures (a full disk: "database or disk is full", a
    read-only file) as OutputErrors naming the memory; its transaction is rolled
    back, so the memory keeps every article stored before."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise OutputError(memory.path, str(exc)) from None


def keep_corrections(document: Document, out_dir: Path) -> None:
    """Without a memory (--no-memory), reviewers' corrections kept in the
    folder's memory file still apply: a run never overwrites them."""
    from .memory import TranslationMemory, default_path

    if not default_path(out_dir).is_file():
        return
    try:
        corrections = TranslationMemory(default_path(out_dir))
    except UsageError:  # unreadable: --no-memory is the way past a broken memory file
        return
    with corrections:
        corrections.fill_reviewed(document)


def run_header(engine: Engine, glossary, glossary_path, settings: dict[str, Any],
               shard: tuple[int, int] | None) -> dict[str, Any]:
    """What identifies the run, known before any article is translated."""
    engine_signature = engine.signature()
    glossary_hash = getattr(glossary, "sha256", None) if glossary is not None else None
    return {
        "tool": "align",
        "version": __version__,
        "policy_version": POLICY_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "signature": signature(engine_signature, glossary_hash),
        "engine": engine_signature,
        "settings": settings,
        "glossary": None if glossary is None else {
            "path": str(glossary_path) if glossary_path else None,
            "sha256": glossary_hash,
            "entries": len(glossary),
        },
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "environment": environment(),
    }


def build_manifest(report: RunReport, run: dict[str, Any]) -> dict[str, Any]:
    return {
        **run,
        "counts": {
            "articles": len(report.articles),
            "failed": len(report.failed),
            "sentences": report.sentences,
            "from_memory": sum(a.from_memory for a in report.articles),
            "terms": report.term_counts,
            "term_accuracy": report.term_accuracy,
        },
        "timings": {
            "total_seconds": round(report.seconds, 3),
            "sentences_per_second": round(report.sentences / report.seconds, 2) if report.seconds else None,
        },
        "articles": [vars(a) for a in report.articles],
        "failed": [{"source": s, "error": e} for s, e in report.failed],
    }

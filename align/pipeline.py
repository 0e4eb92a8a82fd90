"""The translate pipeline, one article at a time:

read (sources) → segment → find terms (glossary) → translate + enforce (engine)
→ check and flag (checks) → write (writers), then a manifest for the run.

Articles stream through one by one, so memory does not grow with the folder,
and a bad article is reported and skipped while the others go on.
"""
from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .checks import check_document
from .document import Document
from .engines.base import Engine
from .errors import InputError, UsageError
from .segment import segment_document
from .sources import find_articles, read_document
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


def prepare_document(path: Path, glossary=None) -> Document:
    """read → segment → find terms."""
    document = segment_document(read_document(path))
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


def translate_paths(paths: list[str | Path], engine: Engine, out_dir: str | Path = "output_en", *,
                    glossary=None, glossary_path: str | Path | None = None,
                    writers=None, shard: tuple[int, int] | None = None,
                    progress_factory: Callable[[int], Any] | None = None,
                    on_error: Callable[[str], None] | None = None,
                    on_warning: Callable[[str], None] | None = None,
                    settings: dict[str, Any] | None = None, memory=None,
                    lock_timeout: float = 0.0) -> RunReport:
    """Translate articles into `out_dir`; returns what happened, article by article.

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
    articles, errors = find_articles(list(paths))
    if shard is not None:
        from .shard import select_shard
        articles = select_shard(articles, *shard)
    for error in errors:
        report.failed.append((error.split(":")[0], error))
        if on_error:
            on_error(error)
    writers = default_writers() if writers is None else writers

    # A first, cheap pass counts sentences for the progress bar.
    total = 0
    for path in articles:
        try:
            total += prepare_document(path).sentence_count
        except InputError:
            continue
    bar = progress_factory(total) if progress_factory else None
    run = run_header(engine, glossary, glossary_path, settings or {}, shard)

    names: dict[str, Path] = {}  # article name -> its source, since outputs are named after it
    for path in articles:
        article_start = time.perf_counter()
        try:
            document = prepare_document(path, glossary)
            if names.setdefault(document.name, path) != path:
                raise InputError(f"{path}: skipped: {names[document.name]} has the same name "
                                 f"{document.name!r} and the outputs would overwrite each other; rename one")
            for warning in document.warnings:
                if on_warning:
                    on_warning(warning)
            if memory is not None:
                remembered = memory.fill(document, memory_key)
                if bar is not None and remembered:
                    bar.update(remembered)
            translate_document(document, engine, progress=bar.update if bar else None,
                               use_constraints=glossary is not None)
            if memory is not None:
                memory.store(document, memory_key, engine_signature)
            check_document(document)
            outputs = [str(written) for w in writers
                       if (written := w.write(document, out_dir, run)) is not None]
        except InputError as exc:
            report.failed.append((str(path), str(exc)))
            if on_error:
                on_error(str(exc))
            continue
        except OSError as exc:
            message = f"{path}: cannot write output to {out_dir} ({exc.strerror or exc})"
            report.failed.append((str(path), message))
            if on_error:
                on_error(message)
            continue
        except Exception as exc:  # a bug must not cost the user the other articles
            message = f"{path}: internal error, article skipped ({type(exc).__name__}: {exc}); please report it"
            report.failed.append((str(path), message))
            if on_error:
                on_error(message)
            continue
        report.articles.append(ArticleReport(
            name=document.name, source=str(path), sentences=document.sentence_count,
            paragraphs=len(document.paragraphs), seconds=round(time.perf_counter() - article_start, 3),
            terms=document.term_counts(), term_accuracy=document.term_accuracy(),
            flags=document.flag_counts(), outputs=outputs, warnings=document.warnings,
            from_memory=sum(1 for p in document.pairs() if p.origin == "memory")))
        del document
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


def run_header(engine: Engine, glossary, glossary_path, settings: dict[str, Any],
               shard: tuple[int, int] | None) -> dict[str, Any]:
    """What identifies the run, known before any article is translated."""
    engine_signature = engine.signature()
    glossary_hash = getattr(glossary, "sha256", None) if glossary is not None else None
    return {
        "tool": "align",
        "version": __version__,
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

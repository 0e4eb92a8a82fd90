"""The translate pipeline over a corpus:

read (sources) → segment → find terms (glossary) → memory → translate + place terms
(engine, through align.pipeline.scheduler: batches across articles) → English typography
(typography; the memory keeps the model's own) → check and flag (checks) → write
(writers), then a manifest and an index for the run.

`Run` holds what a run needs (engine, glossary, memory, writers, settings) and
translates a collection of articles. Each article is read and segmented once,
a window of articles ahead of the engine; an article is written as soon as its
last sentence is translated, and then leaves memory. What the manifest and the
index list about each article goes to a log file in ``OUT/.align/`` as it is
written, so neither time per article nor memory grows with the corpus. A bad
article is reported and skipped while the others go on.
"""
from __future__ import annotations

import heapq
import json
import os
import platform
import sqlite3
import time
from array import array
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import POLICY_VERSION, __version__
from ..checks.pair import check_document
from ..document import METADATA, ORIGIN_MEMORY, ORIGIN_REVIEWED, TERM_FAILED, TERM_FORCED, TERM_MODEL, Document
from ..mt.engines.base import Engine
from ..errors import InputError, OutputError, UsageError
from ..output.folder import OutputFolder
from ..markup.placement import place_markup
from ..read.protect import DEFAULT as DEFAULT_PROTECTION
from ..read.protect import Protection, saved_text
from ..mt.runners.base import RunnerStopped
from ..segment import segment_document
from ..read.sources import Article, Inputs, collect_articles, read_article, read_document
from ..typography import SETTINGS as TYPOGRAPHY_SETTINGS
from ..typography import apply_english_typography
from ..output.writers import default_writers
from ..output.writers.base import Writer, atomic_write, atomic_writer

# Rounds of forgetting articles whose outputs are gone before flags are settled.
SETTLE_ROUNDS = 5


@dataclass
class ArticleReport:
    """What the manifest and the index say about one translated article."""

    name: str
    source: str
    sentences: int = 0
    paragraphs: int = 0
    terms: dict[str, int] = field(default_factory=dict)
    term_accuracy: float | None = None
    flags: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)  # review statuses of its sentences
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    from_memory: int = 0
    copied: bool = False  # no words to translate (code blocks, a table of links): written as it is


class ArticleLog:
    """The run's article reports, one JSON line each, in ``OUT/.align/``: the
    manifest and the index stream them back at the end instead of holding
    100,000 reports in memory. Kept per folder as file offsets (8 bytes an
    article), so the index can list them folder by folder."""

    def __init__(self, out_dir: Path) -> None:
        self.path = OutputFolder(out_dir).article_log
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w+b")
        except OSError as exc:
            raise OutputError(self.path, exc.strerror or str(exc), exc.errno) from None
        self._folders: dict[str, array] = {}
        self.count = 0
        # Flag counts of articles rewritten after they were logged (inconsistency
        # flags set at the end of the run): only those articles, by name.
        self._amended: dict[str, dict[str, int]] = {}

    def add(self, report: ArticleReport) -> None:
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(json.dumps(asdict(report), ensure_ascii=False).encode("utf-8") + b"\n")
        self._folders.setdefault(report.name.rpartition("/")[0], array("Q")).append(offset)
        self.count += 1

    def amend(self, name: str, flags: dict[str, int]) -> None:
        """The article `name` (when it is one of the log's) now has these flag counts."""
        self._amended[name] = flags

    def _report(self, line: bytes) -> dict[str, Any]:
        report = json.loads(line)
        if report.get("name") in self._amended:
            report["flags"] = self._amended[report["name"]]
        return report

    def _read(self, offset: int) -> dict[str, Any]:
        self._file.seek(offset)
        return self._report(self._file.readline())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The reports in the order they were added."""
        self._file.flush()
        self._file.seek(0)
        for line in iter(self._file.readline, b""):
            yield self._report(line)

    def by_folder(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        """(folder, its reports), the top level first, then folders by name."""
        self._file.flush()
        for folder in sorted(self._folders):
            yield folder, (self._read(offset) for offset in self._folders[folder])

    def close(self) -> None:
        self._file.close()
        try:
            self.path.unlink()
        except OSError:
            pass


@dataclass
class RunReport:
    """What happened in a run: counts over its articles (the articles themselves
    are in the manifest), the failures, the time."""

    articles: int = 0
    sentences: int = 0
    from_memory: int = 0
    copied: int = 0       # articles with no words, written as they are
    term_counts: dict[str, int] = field(default_factory=lambda: {TERM_MODEL: 0, TERM_FORCED: 0, TERM_FAILED: 0})
    flag_counts: dict[str, int] = field(default_factory=dict)
    review_counts: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line error)
    seconds: float = 0.0
    batches: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)  # the manifest without its article list
    # The output folder's inconsistencies (align.checks.consistency.InconsistencyReport), for the index.
    inconsistencies: Any = None

    def add(self, article: ArticleReport) -> None:
        self.articles += 1
        self.sentences += article.sentences
        self.from_memory += article.from_memory
        self.copied += article.copied
        for counts, more in ((self.term_counts, article.terms), (self.flag_counts, article.flags),
                             (self.review_counts, article.review)):
            for key, n in more.items():
                counts[key] = counts.get(key, 0) + n

    @property
    def term_accuracy(self) -> float | None:
        found = sum(self.term_counts.values())
        return (self.term_counts[TERM_MODEL] + self.term_counts[TERM_FORCED]) / found if found else None

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


def prepare_document(source: Article | str | Path, glossary=None, protection=None) -> Document:
    """read → segment → find terms. `source`: an Article, or a file path (the
    article is then named after the file); `protection`: see align.read.protect."""
    document = segment_document(read_article(source, protection=protection) if isinstance(source, Article)
                                else read_document(source, protection=protection))
    if glossary is not None:
        from ..terms.glossary import find_terms
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
             f"beams:{engine_signature.get('beams')}"]
    if engine_signature.get("batch_tokens"):
        parts.append(f"batch:{engine_signature['batch_tokens']}tok/{engine_signature.get('batch_size')}")
    else:
        parts.append(f"batch:{engine_signature.get('batch_size')}")
    parts.append(f"maxlen:{engine_signature.get('max_new_tokens')}")
    if engine_signature.get("compute_type"):
        parts.append(f"compute:{engine_signature['compute_type']}")
    parts.append(f"glossary:{glossary_hash[:12] if glossary_hash else 'none'}")
    return "|".join(parts)


@dataclass
class _RunState:
    """What one `Run.translate` call holds while it runs, apart from the run's settings:
    a second call starts from a fresh one."""

    header: dict[str, Any]         # the run's header (engine, glossary, settings): the manifest's
    consistency: Any               # the folder's consistency store (None: no TSV written)
    bar: Any = None                # the progress bar
    articles_total: int = 0
    articles_read: int = 0
    sentences_read: int = 0
    next: int = 0                  # the next article to log, in input order


@dataclass
class Run:
    """One translation run into `out_dir`: the engine, the glossary (None: no
    term policy), the translation memory (None: every sentence is translated
    again; reviewers' corrections still apply), the writers, and what the user
    asked for (`settings`, recorded in the manifest).

    The caller holds the output folder's lock (`translate_paths` does it for
    you). `progress_factory(total)` makes a progress bar over the corpus's
    sentences (tqdm's interface: `update`, `total`, `refresh`, `close`); the
    total is an estimate until every article has been read.
    """

    engine: Engine
    out_dir: Path
    glossary: Any = None
    glossary_path: str | Path | None = None
    memory: Any = None
    writers: list | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    shard: tuple[int, int] | None = None
    progress_factory: Callable[[int | None], Any] | None = None
    on_error: Callable[[str], None] | None = None
    on_warning: Callable[[str], None] | None = None
    window_tokens: int | None = None   # see align.pipeline.scheduler (None: its default)
    protection: Protection = DEFAULT_PROTECTION  # syntax kept out of translation (align.read.protect)
    typography: str = "english"  # the machine's English in English typography, or "keep" it (align.typography)
    runner: Any = None   # where batches are translated (align.mt.runners; None: in this process)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        if self.typography not in TYPOGRAPHY_SETTINGS:
            raise UsageError(f"typography {self.typography!r}: one of {', '.join(TYPOGRAPHY_SETTINGS)}")
        if self.writers is None:
            self.writers = default_writers()
        self.engine_signature = self.engine.signature()
        if self.memory is not None:
            from ..output.memory import memory_key
            self.memory_key = memory_key(self.engine_signature)
        self._state: _RunState | None = None  # while `translate` runs

    # ------------------------------------------------------------------ run
    def translate(self, inputs: Inputs | Iterable[str | Path]) -> RunReport:
        """Translate `inputs` (the `Inputs` collected from the command line, or
        files and folders); returns the run's report. Outputs mirror the inputs'
        relative paths (``DIR/2024/intro.txt`` → ``OUT/2024/intro.tsv``)."""
        from .scheduler import CorpusScheduler

        started = time.perf_counter()
        report = RunReport()
        if not isinstance(inputs, Inputs):
            inputs = collect_articles(list(inputs), skip=(self.out_dir,))
        articles = inputs.articles
        if self.shard is not None:
            from .shard import select_shard
            # Shares hash the file name, as before trees were read (stdin: its name).
            by_key = {Path(str(a.path or a.name)): a for a in articles}
            articles = [by_key[key] for key in select_shard(list(by_key), *self.shard)]
        for error in inputs.errors:
            self._fail(report, error.split(":")[0], error)
        run_settings = {**self.settings, "protect": list(self.protection.user), "typography": self.typography}
        where = self.runner.describe() if self.runner is not None else {}
        if where:
            run_settings["ray"] = where   # the cluster and its actors
        header = run_header(self.engine, self.glossary, self.glossary_path, run_settings, self.shard)
        # (the consistency store first, before anything needs closing: it may refuse)
        self._state = _RunState(header, self._open_consistency(), articles_total=len(articles))
        self._state.bar = self.progress_factory(None) if self.progress_factory else None
        log = ArticleLog(self.out_dir)
        self._remember_protection()
        corrections = self._corrections()
        scheduler = CorpusScheduler(self.engine, self.window_tokens, on_sentences=self._advance,
                                    enforce_terms=self.glossary is not None, runner=self.runner)
        # Reports are logged in input order: a window's documents come back in the
        # order their last sentence did, so the few ahead of their turn wait here.
        waiting: list[tuple[int, ArticleReport | None]] = []

        def log_in_order(index: int, article: ArticleReport | None) -> None:
            heapq.heappush(waiting, (index, article))
            while waiting and waiting[0][0] == self._state.next:
                _, ready = heapq.heappop(waiting)
                if ready is not None:
                    log.add(ready)
                    report.add(ready)
                self._state.next += 1

        try:
            read = self._read(articles, report, corrections, log_in_order)
            for translated in scheduler.run(read):
                index, article = translated.payload
                log_in_order(index, self._write(article, translated, report, header))
            report.batches = scheduler.batches
            report.seconds = time.perf_counter() - started
            report.manifest = build_manifest(report, header)
            self._finish(report, log)
        except OutputError as exc:
            # A full disk or an output folder gone read-only: every later article would
            # fail the same way. Stop with one line; what was written stays whole, and
            # the previous manifest and index are left as they were.
            raise OutputError(exc.filename, exc.strerror, exc.errno,
                              note="the run stopped; outputs written before this one are kept") from None
        except RunnerStopped as exc:
            # The cluster lost every actor: say which articles were not written (a
            # new run translates them; the memory keeps the others).
            # Done: every article before the next one to log, and those waiting for it.
            done = {index for index, _ in waiting}
            missing = [str(article) for index, article in enumerate(articles)
                       if index >= self._state.next and index not in done]
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise RunnerStopped(f"{exc}; the run stopped with {len(missing)} of {len(articles)} articles "
                                f"not written: {shown}; run it again to translate them") from None
        finally:
            log.close()
            if self._state.consistency is not None:
                self._state.consistency.close()
            if corrections is not None:
                corrections.close()
            if self._state.bar is not None:
                self._state.bar.close()
            self._state = None
        return report

    def _remember_protection(self) -> None:
        """The output folder keeps the run's protected syntax for later re-reads of its
        kept sources (align.read.protect), rewritten only when it changed."""
        path, text = OutputFolder(self.out_dir).protection, saved_text(self.protection)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)

    # ---------------------------------------------------------------- stages
    def _read(self, articles: list[Article], report: RunReport, corrections,
              log_in_order: Callable[[int, ArticleReport | None], None]) -> Iterator[tuple[Any, Document]]:
        """read → segment → terms → memory, one article at a time, as the
        scheduler asks for them."""
        for index, article in enumerate(articles):
            try:
                document = prepare_document(article, self.glossary, self.protection)
                for warning in document.warnings:
                    if self.on_warning:
                        self.on_warning(warning)
                if self.memory is not None:
                    with _memory_writes(self.memory):
                        self.memory.fill(document, self.memory_key)
                elif corrections is not None:
                    corrections.fill_reviewed(document)
            except InputError as exc:
                self._fail(report, str(article), str(exc))
                log_in_order(index, None)
                continue
            except Exception as exc:  # a bug must not cost the user the other articles
                self._fail(report, str(article), _internal(article, exc))
                log_in_order(index, None)
                continue
            self._state.articles_read += 1
            self._state.sentences_read += document.sentence_count
            self._estimate_total()
            # Sentences with nothing left to translate (metadata, memory, corrections) are done.
            self._advance(sum(1 for paragraph in document.paragraphs for pair in paragraph.sentences
                              if paragraph.kind == METADATA or pair.origin in (ORIGIN_MEMORY, ORIGIN_REVIEWED)))
            yield (index, article), document

    def _write(self, article: Article, translated, report: RunReport,
               header: dict[str, Any]) -> ArticleReport | None:
        """Memory, checks and outputs of one translated article."""
        document = translated.document
        if translated.error:
            self._fail(report, str(article), f"{article}: the engine failed on its sentences "
                                             f"({translated.error}); article skipped")
            return None
        try:
            if self.memory is not None:
                with _memory_writes(self.memory):
                    self.memory.store(document, self.memory_key, self.engine_signature)
            if self.typography == "english":  # after the memory: it keeps the model's own English
                apply_english_typography(document)
            check_document(place_markup(document))  # markup placed once: checks and writers read it
            if self._state.consistency is None:
                outputs = self._write_outputs(document, header)
            else:
                # Flagged against every article recorded so far (this run's and earlier
                # runs'); articles written before that this one contradicts are
                # flagged in _finish. The store commits only if the outputs are written.
                from ..checks.consistency import mark_inconsistent
                consistency = self._state.consistency
                with _memory_writes(consistency), consistency.recording(document) as flags:
                    mark_inconsistent(document, flags)
                    outputs = self._write_outputs(document, header)
        except OutputError:
            raise
        except OSError as exc:
            self._fail(report, str(article), f"{article}: cannot write output to {self.out_dir} "
                                             f"({exc.strerror or exc})")
            return None
        except Exception as exc:  # a bug must not cost the user the other articles
            self._fail(report, str(article), _internal(article, exc))
            return None
        return ArticleReport(
            name=document.name, source=str(article), sentences=document.sentence_count,
            paragraphs=len(document.paragraphs), terms=document.term_counts(),
            term_accuracy=document.term_accuracy(), flags=document.flag_counts(),
            review=document.review_counts(), outputs=outputs, warnings=document.warnings,
            from_memory=sum(1 for p in document.pairs() if p.origin in (ORIGIN_MEMORY, ORIGIN_REVIEWED)),
            copied=not any(document.translatable_pairs()))

    def _write_outputs(self, document: Document, header: dict[str, Any]) -> list[str]:
        return [str(written) for writer in self.writers
                if (written := writer.write(document, self.out_dir, header)) is not None]

    def _finish(self, report: RunReport, log: ArticleLog) -> None:
        """The inconsistency flags of the folder's articles brought up to date, the
        manifest, then whatever writers make once per run (the index)."""
        if self._state.consistency is not None:
            with _memory_writes(self._state.consistency):
                self._settle_consistency(report, log)
                report.inconsistencies = self._state.consistency.report()
        end_run(self.out_dir, report, log, self.writers)

    def _open_consistency(self):
        """The output folder's consistency store (align.checks.consistency), kept across
        runs; None when the run writes no TSV (flags are set on articles read back
        from theirs)."""
        from ..checks.consistency import ConsistencyIndex
        from ..output.writers import TsvWriter

        if not any(isinstance(writer, TsvWriter) for writer in self.writers):
            return None
        path = OutputFolder(self.out_dir).consistency
        try:
            return ConsistencyIndex(path)
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{path}: not a usable consistency store ({exc}); delete it: the next runs "
                             f"build it again from the articles they translate") from None
        except OSError as exc:
            raise OutputError(path, exc.strerror or str(exc), exc.errno) from None

    def _settle_consistency(self, report: RunReport, log: ArticleLog) -> None:
        """The inconsistency flags of the folder's articles brought up to date
        (`settle_consistency`), and the index's totals with them."""
        amended = settle_consistency(self._state.consistency, self.out_dir, self.writers, self._state.header)
        for name, flags in amended.items():
            log.amend(name, flags)
        if amended:  # the totals of the index: this run's articles as they now are
            totals: dict[str, int] = {}
            for entry in log:
                for code, n in (entry.get("flags") or {}).items():
                    totals[code] = totals.get(code, 0) + n
            report.flag_counts = totals

    # --------------------------------------------------------------- helpers
    def _corrections(self):
        """Without a memory (--no-memory), reviewers' corrections kept in the
        folder's memory file still apply: a run never overwrites them."""
        from ..output.memory import TranslationMemory, default_path

        if self.memory is not None or not default_path(self.out_dir).is_file():
            return None
        try:
            return TranslationMemory(default_path(self.out_dir))
        except UsageError:  # unreadable: --no-memory is the way past a broken memory file
            return None

    def _fail(self, report: RunReport, source: str, message: str) -> None:
        report.failed.append((source, message))
        if self.on_error:
            self.on_error(message)

    def _advance(self, sentences: int) -> None:
        if self._state.bar is not None and sentences:
            self._state.bar.update(sentences)

    def _estimate_total(self) -> None:
        """The bar's total: the sentences read so far, and as many per article
        for those not read yet (exact once all are read)."""
        if self._state.bar is None:
            return
        left = self._state.articles_total - self._state.articles_read
        mean = self._state.sentences_read / max(1, self._state.articles_read)
        self._state.bar.total = self._state.sentences_read + round(left * mean)
        self._state.bar.refresh()


def _internal(article, exc: Exception) -> str:
    return f"{article}: internal error, article skipped ({type(exc).__name__}: {exc}); please report it"


def settle_consistency(store, out_dir: Path, writers: list, header: dict[str, Any],
                       articles: Iterable[str] = ()) -> dict[str, dict[str, int]]:
    """Articles whose rows joined or left an inconsistency since their files were
    written (by this run, an earlier one, a review save, or copied by align merge:
    `articles`) get their flags: their TSV and review page are read back and
    rewritten, those articles only. Articles whose outputs are gone leave the store
    first, so that no flag or index link names them. Returns article name → its new
    flag counts, for those rewritten."""
    from ..checks.consistency import mark_inconsistent
    from ..output.articles import load_article

    rewriters = [writer for writer in writers if writer.suffix in (".tsv", ".html")]
    for _ in range(SETTLE_ROUNDS):
        shown = store.inconsistencies()
        linked = {article for group in shown for variant in group.variants for article, _ in variant.links}
        gone = [name for name in [*store.changed_articles(), *sorted(linked)]
                if not OutputFolder(out_dir).tsv(name).is_file()]
        if not gone:
            break
        for name in dict.fromkeys(gone):  # this changes their groups: the next round looks again
            store.forget(name)
    groups = store.changed_groups()
    amended: dict[str, dict[str, int]] = {}
    for name in sorted(set(store.changed_articles(groups)) | set(articles)):
        wanted = store.flags_for(name)
        if wanted == store.flagged(name):
            continue
        try:
            document = load_article(out_dir, name)
        except (OSError, InputError):  # gone or unreadable since: no flag can be set on it
            store.forget(name)
            continue
        mark_inconsistent(document, wanted)
        for writer in rewriters:
            writer.write(document, out_dir, header)
        store.set_flagged(name, wanted)
        amended[name] = document.flag_counts()
    store.clear_changed(groups)  # only now: a run killed before this redoes the rewrites
    return amended


def translate_paths(paths: list[str | Path] | Inputs, engine: Engine, out_dir: str | Path = "output_en", *,
                    lock_timeout: float = 0.0, **options) -> RunReport:
    """Translate articles into `out_dir` (created if needed, locked for the run:
    a second run on it stops with a clear message, or waits `lock_timeout`
    seconds); `options` are `Run`'s fields. Returns the run's report."""
    from ..output.lock import OutputLock

    out_dir = Path(out_dir)
    prepare_output_dir(out_dir)
    with OutputLock(out_dir, timeout=lock_timeout) as lock:
        lock.remove_stale_temporaries()  # left by a killed run
        return Run(engine, out_dir, **options).translate(paths)


@contextmanager
def _memory_writes(memory):
    """SQLite's own write failures (a full disk: "database or disk is full", a
    read-only file) as OutputErrors naming the memory; its transaction is rolled
    back, so the memory keeps every article stored before."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise OutputError(memory.path, str(exc)) from None


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


def end_run(out_dir: Path, report: RunReport, log: ArticleLog, writers: Iterable[Writer]) -> None:
    """The end of a run or a merge, one way for both: what the writers make once per run
    (the index), then the manifest, last: until it is written the folder's record is the
    previous run's, so a run or merge stopped before it is seen as not done."""
    for writer in writers:
        writer.finish_run(out_dir, report, log)
    write_manifest(OutputFolder(out_dir).manifest, report.manifest, log)


def build_manifest(report: RunReport, run: dict[str, Any]) -> dict[str, Any]:
    """The manifest's fields but its article list (`write_manifest` streams that)."""
    return {
        **run,
        "counts": {
            "articles": report.articles,
            "failed": len(report.failed),
            "sentences": report.sentences,
            "from_memory": report.from_memory,
            "copied": report.copied,
            "terms": report.term_counts,
            "term_accuracy": report.term_accuracy,
        },
        "timings": {
            "total_seconds": round(report.seconds, 3),
            "sentences_per_second": round(report.sentences / report.seconds, 2) if report.seconds else None,
            "batches": report.batches,
        },
        "failed": [{"source": s, "error": e} for s, e in report.failed],
    }


def write_manifest(path: Path, manifest: dict[str, Any], articles: Iterable[dict[str, Any]]) -> Path:
    """manifest.json: `manifest`'s fields, then "articles" streamed from `articles`
    (laid out as json.dumps(indent=2) lays out a list), written atomically."""
    head = json.dumps({key: value for key, value in manifest.items() if key != "articles"},
                      ensure_ascii=False, indent=2)
    with atomic_writer(path, encoding="utf-8") as stream:
        stream.write(head[:-2] + ',\n  "articles": [' if len(head) > 2 else '{\n  "articles": [')
        written = 0
        for article in articles:
            item = json.dumps(article, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            stream.write(("," if written else "") + "\n    " + item)
            written += 1
        stream.write("\n  ]\n}\n" if written else "]\n}\n")
    return path

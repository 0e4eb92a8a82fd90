"""The translate pipeline over a corpus:

read (align.read.sources) → segment → find terms (glossary) → memory → translate +
place terms (engine, through align.pipeline.scheduler: batches across articles) →
remember (the memory keeps the model's own English) → English typography → place
markup → check and flag → write (align.pipeline.write: the consistency store, then
the writers' files; a long run's by a child process), then a manifest and an index for
the run. The stages are a list (`Run.stages`, align.pipeline.stages).

`Run` holds what a run needs (engine, glossary, memory, writers, settings) and
translates a collection of articles. Each article is read and segmented once,
a window of articles ahead of the engine; an article is written as soon as its
last sentence is translated, and then leaves memory. What the manifest and the
index list about each article goes to a log file in ``OUT/.align/`` as it is
written, so neither time per article nor memory grows with the corpus. A bad
article is reported and skipped while the others go on.
"""
from __future__ import annotations

import gc
import heapq
import pickle
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..checks.pair import check_document
from ..checks.repair import REPAIR, repair_numbers
from ..checks.repair import SETTINGS as NUMBER_SETTINGS
from ..document import METADATA, ORIGIN_MEMORY, ORIGIN_REVIEWED, Document
from ..mt.engines.base import Engine
from ..errors import InputError, OutputError, UsageError
from ..output.folder import OutputFolder
from ..output.lock import prepare_output_dir
from ..markup.placement import place_markup
from ..read.protect import DEFAULT as DEFAULT_PROTECTION
from ..read.protect import Protection, saved_text
from ..mt.runners.base import RunnerStopped
from ..segment import segment_document
from ..read.sources import Article, Inputs, collect_articles, read_article, read_document
from ..typography import SETTINGS as TYPOGRAPHY_SETTINGS
from ..typography import apply_english_typography
from ..output.writers import default_writers
from ..output.manifest import RunHeader
from ..output.files import BackgroundFiles, atomic_write
from .background import import_in_background
from .end import build_manifest, end_run, settle_consistency
from .report import ArticleLog, ArticleReport, RunReport
from .stages import TRANSLATE, Stage, around_translation, in_order, run_stages
from .write import COMMIT_EVERY, ArticleFiles, store_writes

# A run of this many articles is written by a child process (align.output.files.
# BackgroundFiles, with align.pipeline.write.ArticleFiles) while it goes on; a shorter
# one does not wait for the child to start. The run writes its first articles itself
# until the child has started (prepared the writers and the store).
BACKGROUND_FILES_FROM = 64
# Articles' reports are logged, and its store commits, once the child is done with them:
# the run settles with it every COMMIT_EVERY articles once it has caught up, and waits
# for it at most this many apart (the articles of one window of the engine come all at
# once, and a killed run's store lacks those not committed: the next run records them).
SETTLE_AT_MOST_EVERY = 4 * COMMIT_EVERY
# The run renders an article's files itself while the child has this many articles or
# more to write (it records them and places the files).
CHILD_BACKLOG = 2


def prepare_document(source: Article | str | Path, glossary=None, protection=None) -> Document:
    """read → segment → find terms. `source`: an Article, or a file path (the
    article is then named after the file); `protection`: see align.read.protect."""
    document = segment_document(read_article(source, protection=protection) if isinstance(source, Article)
                                else read_document(source, protection=protection))
    if glossary is not None:
        from ..terms.glossary import find_terms
        find_terms(document, glossary)
    return document


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
    corrections: Any = None        # without a memory: the folder's memory file, for reviewers' corrections
    writing: Any = None            # the run's ArticleFiles (align.pipeline.write)
    files: Any = None              # a long run's BackgroundFiles (None: the run writes every article)
    handed_over: bool = False      # the child has started: it writes the articles from now on
    unsettled: int = 0             # articles handed to the child since the last settle
    log: Any = None                # the run's ArticleLog, and its RunReport
    report: Any = None
    # With BackgroundFiles: the articles' reports, in input order, until a settle says
    # the child is done with them (an article it could not write is not logged).
    unconfirmed: list[ArticleReport] = field(default_factory=list)
    outcomes: dict[str, Any] = field(default_factory=dict)  # the child's, by article, until its report comes


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
    numbers: str = "repair"      # numbers the model got wrong repaired, or only flagged (align.checks.repair)
    runner: Any = None   # where batches are translated (align.mt.runners; None: in this process)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        if self.typography not in TYPOGRAPHY_SETTINGS:
            raise UsageError(f"typography {self.typography!r}: one of {', '.join(TYPOGRAPHY_SETTINGS)}")
        if self.numbers not in NUMBER_SETTINGS:
            raise UsageError(f"numbers {self.numbers!r}: one of {', '.join(NUMBER_SETTINGS)}")
        if self.writers is None:
            self.writers = default_writers()
        self.engine_signature = self.engine.signature()
        if self.memory is not None:
            from ..output.memory import memory_key
            self.memory_key = memory_key(self.engine_signature)
        self.stages = in_order(self._stages())
        self._before, self._after = around_translation(self.stages)
        self._state: _RunState | None = None  # while `translate` runs

    def _stages(self) -> list[Stage]:
        """This run's stages, in align.pipeline.stages.ORDER."""
        stages = [Stage("segment", segment_document)]
        if self.glossary is not None:
            stages.append(Stage("terms", self._find_terms))
        stages += [Stage("memory", self._recall), Stage(TRANSLATE)]
        if self.memory is not None:
            stages.append(Stage("remember", self._remember))
        if self.numbers == REPAIR:
            stages.append(Stage("numbers", repair_numbers))
        if self.typography == "english":
            stages.append(Stage("typography", apply_english_typography))
        return stages + [Stage("markup", place_markup), Stage("checks", check_document)]

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
        run_settings = {**self.settings, "protect": list(self.protection.user), "typography": self.typography,
                        "numbers": self.numbers}
        where = self.runner.describe() if self.runner is not None else {}
        if where:
            run_settings["ray"] = where   # the cluster and its actors
        run_header = RunHeader.of(self.engine.signature(), self.glossary, self.glossary_path, run_settings,
                                  self.shard)
        header = run_header.to_json()
        # (the consistency store first, before anything needs closing: it may refuse)
        self._state = _RunState(header, self._open_consistency(), articles_total=len(articles))
        self._state.bar = self.progress_factory(None) if self.progress_factory else None
        log = self._state.log = ArticleLog(self.out_dir)
        self._state.report = report
        self._state.writing = ArticleFiles(self.out_dir, self.writers, self._state.consistency)
        if len(articles) >= BACKGROUND_FILES_FROM and all(_written_in_child(w) for w in self.writers):
            self._state.files = _background_files(self.out_dir, self._state.writing)
        self._remember_protection()
        self._state.corrections = self._corrections()
        scheduler = CorpusScheduler(self.engine, self.window_tokens, on_sentences=self._advance,
                                    enforce_terms=self.glossary is not None, runner=self.runner)
        # Reports are logged in input order: a window's documents come back in the
        # order their last sentence did, so the few ahead of their turn wait here.
        waiting: list[tuple[int, ArticleReport | None]] = []

        def log_in_order(index: int, article: ArticleReport | None) -> None:
            heapq.heappush(waiting, (index, article))
            while waiting and waiting[0][0] == self._state.next:
                _, ready = heapq.heappop(waiting)
                if ready is None:
                    pass
                elif self._state.handed_over:  # logged once the child is done with it
                    self._state.unconfirmed.append(ready)
                else:
                    log.add(ready)
                    report.add(ready)
                self._state.next += 1

        # What the translations' finishing and the pages need (numpy for word alignment,
        # Jinja), imported while the engine translates the first window: a one-article
        # run waits for the engine, not for these imports after it.
        import_in_background("numpy", "jinja2")
        # What exists now (the engine's vocabulary, the glossary, the templates) lives
        # through the run: kept out of the garbage collector's full passes, which would
        # otherwise walk it again and again (a few percent of a run of short articles).
        gc.freeze()
        try:
            read = self._read(articles, report, log_in_order)
            for translated in scheduler.run(read):
                index, article = translated.payload
                log_in_order(index, self._write(article, translated, report, header))
            self._commit_written()  # (every article's report in, before the totals)
            report.batches = scheduler.batches
            report.seconds = time.perf_counter() - started
            report.manifest = build_manifest(report, run_header)
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
            gc.unfreeze()
            try:  # however the run stopped, the store keeps the articles whose files were written
                self._commit_written()
            except OutputError:
                pass  # (the store's own failure, or a file's, raised already)
            if self._state.files is not None:
                self._state.files.stop()
            log.close()
            if self._state.consistency is not None:
                self._state.consistency.close()
            if self._state.corrections is not None:
                self._state.corrections.close()
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
    def _read(self, articles: list[Article], report: RunReport,
              log_in_order: Callable[[int, ArticleReport | None], None]) -> Iterator[tuple[Any, Document]]:
        """Each article read and through the stages before translation, one at a
        time, as the scheduler asks for them."""
        for index, article in enumerate(articles):
            try:
                document = read_article(article, protection=self.protection)
                for warning in document.warnings:
                    if self.on_warning:
                        self.on_warning(warning)
                document = run_stages(self._before, document)
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
            document = run_stages(self._after, document)
            files = self._state.files
            if files is not None and (self._state.handed_over or files.started()):
                if not self._state.handed_over:  # its store connection writes from now on
                    self._state.writing.commit()
                    self._state.handed_over = True
                # While the child is behind (placing files on a slow disk costs it more
                # than the rest of an article costs the run), the run renders them.
                rendered = self._state.writing.render(document, header) \
                    if files.backlog() >= CHILD_BACKLOG else None
                try:
                    files.write(document, header, rendered)
                except (TypeError, AttributeError, pickle.PicklingError):
                    # A document that cannot be sent (a DOCX article's XML elements): the run
                    # writes it, once the child has committed (one writer of the store at a time).
                    self._settle()
                    self._state.writing.write(document, header, rendered=rendered)
                    self._state.writing.commit()
                else:
                    self._state.unsettled += 1
                    if self._state.unsettled >= SETTLE_AT_MOST_EVERY or \
                            (self._state.unsettled >= COMMIT_EVERY and not files.backlog()):
                        self._settle()
            else:
                self._state.writing.write(document, header)
            outputs = self._state.writing.outputs(document)
        except OutputError:
            raise
        except OSError as exc:
            self._fail(report, str(article), self._cannot_write(article, exc.strerror or str(exc)))
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

    def _settle(self) -> None:
        """Wait until the child is done with every article handed to it (their files
        placed, their rows committed: a file it could not place stops the run here),
        then log those articles' reports, with the flags it set on them; those it could
        not write are reported as failed."""
        if self._state.handed_over and self._state.files is not None:
            self._state.outcomes.update((outcome.article, outcome) for outcome in self._state.files.settle())
            self._state.unsettled = 0
        for ready in self._state.unconfirmed:
            outcome = self._state.outcomes.pop(ready.name, None)
            if outcome is not None and outcome.error is not None:
                self._fail(self._state.report, ready.source, self._cannot_write(ready.source, outcome.error)
                           if outcome.cannot_write else _internal(ready.source, outcome.error))
                continue
            if outcome is not None:
                ready.flags = outcome.note
            self._state.log.add(ready)
            self._state.report.add(ready)
        self._state.unconfirmed = []

    def _commit_written(self) -> None:
        """Every article written so far committed to the store (or settled with the
        child that writes them): a run stopped after this leaves the store naming
        every article whose files were written, and none whose files are not there."""
        self._state.writing.commit()
        self._settle()

    def _finish(self, report: RunReport, log: ArticleLog) -> None:
        """The inconsistency flags of the folder's articles brought up to date, the
        manifest, then whatever writers make once per run (the index)."""
        self._commit_written()
        if self._state.consistency is not None:
            with store_writes(self._state.consistency):
                self._settle_consistency(report, log)
                report.inconsistencies = self._state.consistency.report()
        if self._state.files is not None:  # every article's files in place before the end's own
            files, self._state.files = self._state.files, None
            if self._state.handed_over:
                files.close()   # (the end's rewrites are files: no article's outcome)
            else:
                files.stop()
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
        amended = settle_consistency(self._state.consistency, self.out_dir, self.writers, self._state.header,
                                     files=self._state.files if self._state.handed_over else None)
        for name, flags in amended.items():
            log.amend(name, flags)
        if amended:  # the totals of the index: this run's articles as they now are
            totals: dict[str, int] = {}
            for entry in log:
                for code, n in (entry.get("flags") or {}).items():
                    totals[code] = totals.get(code, 0) + n
            report.flag_counts = totals

    def _find_terms(self, document: Document) -> Document:
        from ..terms.glossary import find_terms
        return find_terms(document, self.glossary)

    def _recall(self, document: Document) -> Document:
        """Sentences the memory knows filled in; without a memory, reviewers' corrections
        kept in the folder's memory file still apply (a run never overwrites them)."""
        if self.memory is not None:
            with store_writes(self.memory):
                self.memory.fill(document, self.memory_key)
        elif self._state.corrections is not None:
            self._state.corrections.fill_reviewed(document)
        return document

    def _remember(self, document: Document) -> Document:
        with store_writes(self.memory):
            self.memory.store(document, self.memory_key, self.engine_signature)
        return document

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

    def _cannot_write(self, article, reason: str) -> str:
        return f"{article}: cannot write output to {self.out_dir} ({reason})"

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


def _background_files(out_dir: Path, writing: ArticleFiles) -> BackgroundFiles | None:
    """A child process writing the run's articles as `writing` does; None where none
    can be started (the run then writes them itself)."""
    try:
        return BackgroundFiles(out_dir, writing)
    except OSError:
        return None


def _written_in_child(writer) -> bool:
    """align's own writers: BackgroundFiles' child imports them as the run does (a
    caller's own, maybe not: a run with one writes every article itself)."""
    return type(writer).__module__.partition(".")[0] == "align"


def _internal(article, error: Exception | str) -> str:
    """The line of an article skipped for a bug (`error`: the exception, or as
    BackgroundFiles' child reports it)."""
    if isinstance(error, Exception):
        error = f"{type(error).__name__}: {error}"
    return f"{article}: internal error, article skipped ({error}); please report it"


def translate_paths(paths: list[str | Path] | Inputs, engine: Engine, out_dir: str | Path = "output_en", *,
                    lock_timeout: float = 0.0, **options) -> RunReport:
    """Translate articles into `out_dir` (created if needed, locked for the run:
    a second run on it stops with a clear message, or waits `lock_timeout`
    seconds); `options` are `Run`'s fields. Returns the run's report."""
    from ..output.lock import OutputLock
    from ..output.saves import cut_short

    out_dir = Path(out_dir)
    prepare_output_dir(out_dir)
    with OutputLock(out_dir, timeout=lock_timeout) as lock:
        for article in lock.recover():  # what a killed run or review server left
            if options.get("on_warning"):
                options["on_warning"](cut_short(out_dir, article))
        return Run(engine, out_dir, **options).translate(paths)

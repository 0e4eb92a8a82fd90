"""Merge the output folders of `align translate --shard K/N` into one, as if one
unsharded run had written it (`align merge SHARD_DIR... -o OUT`).

Everything is checked before anything is written, and refused with one line:

* a folder that is missing, or has no readable ``manifest.json`` (an unfinished
  job has none yet, or an older one);
* folders made differently: their manifests' `signature`, `engine`, `settings`,
  `glossary.sha256` or `policy_version` differ (the first difference is named),
  or their saved protected syntax (``.align/protect.json``);
* the same article (output name, compared case-insensitively as a run compares
  them) in two folders, OUT's own run included;
* a file an article's manifest entry lists that is not there;
* OUT inside a folder to merge or the reverse (`align review` reads every TSV
  below its folder: each would show the other's articles).

**Merging into a folder that already holds a run** (OUT with a ``manifest.json``)
treats OUT's run as one more input, listed first: it must have been made alike,
none of its articles may be in a shard, its files stay where they are, and the
new manifest and index list its articles with the shards'. So a shard finished
late can be merged into the folder the others were merged into, and the same
merge run twice is refused (every article would be in two places) with OUT left
as it was. Files of articles OUT's manifest does not list (left by a merge that
was killed, or by older runs) are overwritten by the shards' articles of that name.

Then, under OUT's lock (`align.output.lock.OutputLock`, as `align translate` holds it):

1. each article's files (every output its manifest entry lists: NAME.tsv,
   NAME.en.txt, NAME.html, NAME.en.md...; and its kept source under
   ``.align/sources/``) are copied, each atomically, sub-folders kept;
2. each copied article is recorded in OUT's consistency store
   (``.align/consistency.sqlite``, align.checks.consistency), and the inconsistency flags
   of the articles whose rows joined or left an inconsistency are brought up to
   date in their TSV and review page, as a run's end does: the same French
   translated differently in two shards is flagged in both;
3. the translation memories are merged into OUT's (``.align/memory.sqlite``):
   a model translation several shards made (same key: same source, engine and
   glossary terms) is kept once, its hits added (where two shards' English
   differs, batch numerics, the first folder's is kept); reviewers' corrections are keyed
   by article, so shards of disjoint articles never hold two of one sentence
   (where they do, the newest saved is kept);
4. the saved protected syntax is copied;
5. ``manifest.json``: the first input's header (its `created`), `shard` null,
   counts summed over the articles, articles in the order an unsharded run lists
   them, `failed` concatenated (a failure every shard reports, an unreadable
   input, once), timings added up (the shards' compute time), and
   `merged_from`: each input folder with its manifest's `created` and `shard`;
   and ``index.html``. Both are streamed: the entries of 100,000 articles are
   never all in memory (their names are).

The manifest is written last, so a merge killed half-way leaves OUT's previous
manifest (or none), and running it again finishes it: the memory records which
shards it took in (``meta`` rows ``merged:FOLDER:CREATED``), so no hit is counted twice.

Order: a run lists articles in the order its inputs were walked (folders by
name, depth first; see align.read.sources.walk_articles), and a shard keeps that order.
Merged, the shards' lists are interleaved by each article's source path compared
folder by folder, which is that walk order for a corpus read from one folder (the
job-array case) or from files named in sorted order; inputs named in another
order on the command line keep each shard's order but may interleave otherwise.
"""
from __future__ import annotations

import heapq
import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Callable, Iterator

from ..errors import OutputError, UsageError
from ..output.folder import MANIFEST, OutputFolder
from ..output.manifest import ARTICLES, Manifest, RunHeader, read_members

# What must be the same in every input's manifest for the outputs to be one run's,
# in the order a difference is reported.
COMPARED_FIELDS = ("signature", "engine", "settings", "glossary.sha256", "policy_version")
# Manifest keys that describe one run's work rather than how its outputs were made.
MEMORY_MARKER = "merged:"   # meta rows of OUT's memory: the inputs merged into it
_COMMIT_EVERY = 500         # consistency-store rows are committed every this many articles


@dataclass
class MergeReport:
    """What `merge_outputs` did."""

    out_dir: Path
    inputs: list[Path] = field(default_factory=list)     # OUT first when it held a run, then the shards
    articles: int = 0            # articles OUT's manifest lists now
    copied: int = 0              # of them, copied from the shards
    files: int = 0               # files copied (outputs and kept sources)
    sentences: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)   # the merged manifest's failures
    reflagged: list[str] = field(default_factory=list)  # articles whose inconsistency flags the merge changed
    inconsistencies: int = 0     # French keys with two English variants or more in OUT
    memory_sentences: int = 0    # model translations taken into OUT's memory (new keys)
    memory_conflicts: int = 0    # keys two shards translated differently (the first kept)
    corrections: int = 0         # reviewers' corrections taken into OUT's memory
    missing_shares: list[str] = field(default_factory=list)   # "2/3": shares of N no input holds
    seconds: float = 0.0
    manifest: Manifest | None = None   # the new manifest but its articles

    @property
    def exit_code(self) -> int:
        """1 when the merged run lists failed articles (as `align translate`'s exit code)."""
        return 1 if self.failed else 0


@dataclass
class _Input:
    """One folder to merge (or OUT's own run): its manifest's header, what its
    articles are called and where their files are."""

    folder: Path
    manifest: Manifest
    in_place: bool = False        # OUT's own run: its files are already there

    def entries(self) -> Iterator[dict[str, Any]]:
        """Its manifest's article entries, in its order, streamed."""
        for key, value in read_members(OutputFolder(self.folder).manifest):
            if key == ARTICLES:
                if not isinstance(value, dict) or not isinstance(value.get("name"), str):
                    raise UsageError(f"{OutputFolder(self.folder).manifest}: an article entry without a name")
                yield value

    @property
    def label(self) -> str:
        return str(self.folder)


def _read_input(folder: Path, in_place: bool = False) -> _Input:
    """A folder's manifest header (every member but the article list)."""
    if not folder.is_dir():
        reason = "not a folder" if folder.exists() else "no such folder"
        raise UsageError(f"{folder}: {reason} (give the -o folders of align translate --shard K/N)")
    if not OutputFolder(folder).manifest.is_file():
        raise UsageError(f"{folder}: no {MANIFEST} (not an output folder of align translate, "
                         f"or its run has not finished)")
    manifest = Manifest.read_header(OutputFolder(folder).manifest)
    if not isinstance(manifest.header.signature, str):
        raise UsageError(f"{OutputFolder(folder).manifest}: not a manifest of align translate (no signature)")
    return _Input(folder, manifest, in_place)


def _compared(header: dict[str, Any], name: str) -> Any:
    value: Any = header
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


_ABSENT = object()   # a key one manifest has and the other has not


def _shown(value: Any) -> str:
    return "absent" if value is _ABSENT else json.dumps(value, ensure_ascii=False, sort_keys=True)


def first_difference(first: dict[str, Any], other: dict[str, Any]) -> tuple[str, Any, Any] | None:
    """(field, first's value, other's value) of the first of COMPARED_FIELDS in
    which two manifests differ (a mapping's first differing key, by name), or None."""
    for name in COMPARED_FIELDS:
        a, b = _compared(first, name), _compared(other, name)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            key = min(k for k in set(a) | set(b) if a.get(k, _ABSENT) != b.get(k, _ABSENT))
            return f"{name}.{key}", a.get(key, _ABSENT), b.get(key, _ABSENT)
        return name, a, b
    return None


def _protection_text(folder: Path) -> str | None:
    path = OutputFolder(folder).protection
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None


def _check_name(folder: Path, name: str) -> None:
    """An article name must stay inside the output folder and out of its hidden ones."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or "\\" in name or \
            any(part in ("", ".", "..") or part.startswith(".") for part in path.parts):
        raise UsageError(f"{OutputFolder(folder).manifest}: article {name!r} is not a relative output name")


def article_files(entry: dict[str, Any]) -> list[str]:
    """The article's outputs as paths relative to its output folder ("2024/intro.tsv"),
    from its manifest entry (which lists them as the run wrote them: under its -o).
    Raises ValueError for an output that is not the article's own file."""
    name = entry["name"]
    depth = name.count("/") + 1
    stem = PurePosixPath(name)
    files = []
    for output in entry.get("outputs") or []:
        parts = PurePath(str(output)).parts[-depth:]
        relative = PurePosixPath(*parts)
        # Only the article's own files: NAME.tsv, NAME.en.md... beside where NAME is.
        if len(parts) != depth or relative.parent != stem.parent or not relative.name.startswith(stem.name + "."):
            raise ValueError(f"article {name}: output {output!r} is not one of its files")
        files.append(relative.as_posix())
    return files


def kept_source(folder: Path, entry: dict[str, Any]) -> str | None:
    """The article's kept source (align.output.writers.formats) relative to `folder`, when
    it has one there: where the run keeps a Markdown, HTML or Word article's source."""
    from ..document import Document
    from ..read.formats import format_for
    from ..output.writers.formats import kept_source_path

    fmt = format_for(str(entry.get("source") or ""))
    if fmt is None:
        return None
    path = kept_source_path(folder, Document(name=entry["name"], format=fmt.name))
    return path.relative_to(folder).as_posix() if path.is_file() else None


def _order_key(entry: dict[str, Any]) -> tuple:
    """Where an unsharded run lists the article: by its source path, folder by folder
    (the walk order of align.read.sources); the article read from standard input last."""
    from ..read.sources import STDIN

    source = str(entry.get("source") or "")
    return (1, ()) if source == STDIN else (0, PurePath(source).parts)


# ---------------------------------------------------------------- checks
@dataclass
class _Plan:
    """What the checks found: the inputs, OUT's run first when it has one."""

    inputs: list[_Input]
    protection: str | None
    sources: set[str]     # the merged articles' sources (failures of these are dropped)
    out_stamp: tuple[int, int] | None   # OUT's manifest as checked (None: OUT had none)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _check_inputs(shards: list[Path], out_dir: Path) -> _Plan:
    """Everything that can refuse the merge, read-only (see the module's docstring)."""
    if not shards:
        raise UsageError("give the folders to merge (the -o folders of align translate --shard K/N)")
    out_resolved = out_dir.resolve()
    seen: dict[Path, Path] = {}
    for folder in shards:
        resolved = folder.resolve()
        if resolved in seen:
            raise UsageError(f"{seen[resolved]} and {folder} are the same folder; give each shard once")
        seen[resolved] = folder
        if resolved == out_resolved:
            raise UsageError(f"{folder} is both a folder to merge and the output folder; give another -o DIR")
        # align review reads every TSV under a folder: one folder inside the other
        # would show the shard's articles among the merged ones (or the reverse).
        if resolved.is_relative_to(out_resolved) or out_resolved.is_relative_to(resolved):
            raise UsageError(f"{folder} and {out_dir} are nested; give an -o DIR outside the shard folders")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: output folder is a file; choose another -o DIR")
    inputs = [_read_input(folder) for folder in shards]
    if OutputFolder(out_dir).manifest.is_file():
        inputs.insert(0, _read_input(out_dir, in_place=True))
    first = inputs[0]
    for other in inputs[1:]:
        difference = first_difference(first.manifest.to_json(), other.manifest.to_json())
        if difference is not None:
            key, a, b = difference
            raise UsageError(f"{first.label} and {other.label} were made differently ({key}: {_shown(a)} and "
                             f"{_shown(b)}); merge only the shards of one align translate command")
    protection = _protection_text(first.folder)
    for other in inputs[1:]:
        if _protection_text(other.folder) != protection:
            raise UsageError(f"{first.label} and {other.label} keep different protected syntax "
                             f"(.align/protect.json); merge only the shards of one align translate command")
    owners: dict[str, tuple[str, _Input]] = {}
    sources: set[str] = set()
    for item in inputs:
        for entry in item.entries():
            name = entry["name"]
            _check_name(item.folder, name)
            key = name.casefold()
            if key in owners:
                other_name, owner = owners[key]
                shown = name if other_name == name else f"{other_name} / {name}"
                raise UsageError(f"{owner.label} and {item.label} both hold article {shown}; "
                                 f"each article must come from one folder")
            owners[key] = (name, item)
            sources.add(str(entry.get("source") or ""))
            if item.in_place:
                continue
            try:
                files = article_files(entry)
            except ValueError as exc:
                raise UsageError(f"{OutputFolder(item.folder).manifest}: {exc}") from None
            for relative in files:
                if not (item.folder / relative).is_file():
                    raise UsageError(f"{item.folder / relative}: missing (article {name} of "
                                     f"{OutputFolder(item.folder).manifest})")
    return _Plan(inputs, protection, sources, _stamp(OutputFolder(out_dir).manifest))


def _missing_shares(inputs: list[_Input]) -> list[str]:
    """The shares K/N no input holds (OUT's run counting with the shards merged into
    it), when the inputs are shares of one N."""
    specs = []
    for item in inputs:
        merged_from = item.manifest.merged_from if item.in_place else None
        specs.extend([source.get("shard") for source in merged_from] if isinstance(merged_from, list)
                     else [item.manifest.header.shard])
    pairs: set[tuple[int, int]] = set()
    for spec in specs:
        k, slash, n = str(spec).partition("/")
        if not (slash and k.isdigit() and n.isdigit()):
            return []  # an unsharded run among them: no share is missing
        pairs.add((int(k), int(n)))
    totals = {n for _, n in pairs}
    if len(totals) != 1:
        return []
    (n,) = totals
    return [f"{k}/{n}" for k in range(1, n + 1) if (k, n) not in pairs]


# ---------------------------------------------------------------- writing
@contextmanager
def _sqlite_writes(path: Path):
    """SQLite's write failures (a full disk, a read-only file) as one OutputError line."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise OutputError(path, str(exc)) from None


def _copy(source: Path, target: Path) -> None:
    from ..output.files import atomic_write

    try:
        data = source.read_bytes()
    except OSError as exc:
        raise UsageError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    atomic_write(target, data)


def _inconsistency_flags(document) -> dict[str, list[str]]:
    """The inconsistency flags an article's files carry now, as the store keeps them."""
    from ..checks.consistency import FLAG

    flags: dict[str, list[str]] = {}
    for pair in document.pairs():
        details = [flag.detail for flag in pair.flags if flag.code == FLAG]
        if details:
            flags[pair.id] = details
    return flags


def _merge_memories(out_dir: Path, inputs: list[_Input], report: MergeReport) -> None:
    """The shards' translation memories into OUT's (see the module's docstring)."""
    from ..output.memory import TranslationMemory, default_path

    shards = [item for item in inputs if not item.in_place and default_path(item.folder).is_file()]
    if not shards:
        return
    target = default_path(out_dir)
    TranslationMemory(target).close()  # OUT's memory made, or brought to the current schema
    db = sqlite3.connect(str(target), timeout=30.0, uri=True)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        for item in shards:
            marker = f"{MEMORY_MARKER}{item.folder.resolve()}:{item.manifest.header.created}"
            if db.execute("SELECT 1 FROM meta WHERE name = ?", (marker,)).fetchone():
                continue  # taken in by a merge that was stopped before its manifest
            source = default_path(item.folder)
            try:
                db.execute("ATTACH DATABASE ? AS shard", (f"{source.resolve().as_uri()}?mode=ro",))
                columns = {table: [row[1] for row in db.execute(f"PRAGMA shard.table_info({table})")]
                           for table in ("translations", "engines", "corrections")}
            except sqlite3.DatabaseError as exc:
                raise UsageError(f"{source}: not a readable translation memory ({exc})") from None
            try:
                with _sqlite_writes(target), db:  # one transaction a shard, with its marker
                    _merge_memory_tables(db, columns, report)
                    db.execute("INSERT INTO meta (name, value) VALUES (?, ?)", (marker, str(item.folder)))
            except sqlite3.DatabaseError as exc:  # OUT's write failures are OutputErrors by now
                raise UsageError(f"{source}: not a readable translation memory ({exc})") from None
            finally:
                db.execute("DETACH DATABASE shard")
    finally:
        db.close()


def _merge_memory_tables(db: sqlite3.Connection, columns: dict[str, list[str]], report: MergeReport) -> None:
    main = {table: {row[1] for row in db.execute(f"PRAGMA main.table_info({table})")} for table in columns}
    shared = {table: [c for c in columns[table] if c in main[table]] for table in columns}
    if {"key", "target"} <= set(shared["translations"]):
        report.memory_conflicts += db.execute(
            "SELECT COUNT(*) FROM shard.translations s JOIN main.translations m ON m.key = s.key"
            " WHERE m.target != s.target").fetchone()[0]
        names = ", ".join(shared["translations"])
        # A key several shards translated: the first English kept (the same, from one
        # engine), its uses added up, first and last use kept.
        updates = [f"{c} = {expression}" for c, expression in
                   (("hits", "main.translations.hits + excluded.hits"),
                    ("created", "MIN(main.translations.created, excluded.created)"),
                    ("used", "MAX(main.translations.used, excluded.used)")) if c in shared["translations"]]
        conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
        new = db.execute("SELECT COUNT(*) FROM shard.translations s WHERE NOT EXISTS"
                         " (SELECT 1 FROM main.translations m WHERE m.key = s.key)").fetchone()[0]
        db.execute(f"INSERT INTO main.translations ({names}) SELECT {names} FROM shard.translations WHERE true"
                   f" ON CONFLICT (key) {conflict}")
        report.memory_sentences += new
    if shared["engines"]:
        names = ", ".join(shared["engines"])
        db.execute(f"INSERT OR IGNORE INTO main.engines ({names}) SELECT {names} FROM shard.engines")
    if {"article", "key", "occurrence", "updated"} <= set(shared["corrections"]):
        names = ", ".join(shared["corrections"])
        kept = [c for c in shared["corrections"] if c not in ("article", "key", "occurrence", "created")]
        changes = db.total_changes
        db.execute(f"INSERT INTO main.corrections ({names}) SELECT {names} FROM shard.corrections WHERE true"
                   f" ON CONFLICT (article, key, occurrence) DO UPDATE SET"
                   f" {', '.join(f'{c} = excluded.{c}' for c in kept)}"
                   f" WHERE excluded.updated > main.corrections.updated")
        report.corrections += db.total_changes - changes


def merge_outputs(shards: list[str | Path], out_dir: str | Path, *, lock_timeout: float = 0.0,
                  on_warning: Callable[[str], None] | None = None) -> MergeReport:
    """Merge the output folders `shards` (of `align translate --shard K/N`) into
    `out_dir`; see the module's docstring. Raises UsageError (one line, nothing
    written) when they cannot be merged; OutputError when OUT cannot be written."""
    from ..output.lock import OutputLock
    from ..output.saves import cut_short
    from ..output.lock import prepare_output_dir
    from ..output.writers import default_writers
    from ..output.files import atomic_write

    started = time.perf_counter()
    shards = [Path(folder) for folder in shards]
    out_dir = Path(out_dir)
    plan = _check_inputs(shards, out_dir)  # before OUT is created or locked: a refusal writes nothing
    prepare_output_dir(out_dir)
    with OutputLock(out_dir, timeout=lock_timeout) as lock:
        for article in lock.recover():  # what a killed run, merge or review server left
            if on_warning:
                on_warning(cut_short(out_dir, article))
        if _stamp(OutputFolder(out_dir).manifest) != plan.out_stamp:  # a run ended in OUT meanwhile: check it too
            plan = _check_inputs(shards, out_dir)
        report = MergeReport(out_dir, [item.folder for item in plan.inputs])
        report.missing_shares = _missing_shares(plan.inputs)
        if report.missing_shares and on_warning:
            one = len(report.missing_shares) == 1
            on_warning(f"{'share' if one else 'shares'} {', '.join(report.missing_shares)} "
                       f"{'is' if one else 'are'} in none of these folders; merge {'it' if one else 'them'} "
                       f"into {out_dir} when {'its job is' if one else 'their jobs are'} done")
        # The merged run's header: the first input's, no longer one share.
        header = replace(plan.inputs[0].manifest.header, shard=None)
        writers = default_writers()
        try:
            amended, inconsistencies = _copy_articles(plan, out_dir, header.to_json(), writers, report)
            _merge_memories(out_dir, plan.inputs, report)
            if plan.protection is not None and _protection_text(out_dir) != plan.protection:
                atomic_write(OutputFolder(out_dir).protection, plan.protection)
            _write_run(plan, out_dir, header, writers, amended, inconsistencies, report)
        except OutputError as exc:
            # A full disk: OUT keeps its previous manifest, so running the merge again finishes it.
            raise OutputError(exc.filename, exc.strerror, exc.errno,
                              note="the merge stopped; run it again to finish it") from None
    report.seconds = time.perf_counter() - started
    return report


def _copy_articles(plan: _Plan, out_dir: Path, header: dict[str, Any], writers: list,
                   report: MergeReport) -> tuple[dict[str, Any], Any]:
    """Steps 1-2: the shards' article files into OUT, each recorded in OUT's consistency
    store as it is copied, then every article's flags settled. Returns the new flag
    counts of the articles rewritten, and OUT's inconsistencies for the index."""
    from ..checks.consistency import ConsistencyIndex
    from ..pipeline.end import settle_consistency
    from ..output.writers.tsv import read_tsv

    store_path = OutputFolder(out_dir).consistency
    try:
        store = ConsistencyIndex(store_path)
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{store_path}: not a usable consistency store ({exc}); delete it: the next runs "
                         f"build it again from the articles they translate") from None
    copied: list[str] = []
    try:
        with _sqlite_writes(store_path):
            for item in plan.inputs:
                if item.in_place:
                    continue
                for entry in item.entries():
                    name = entry["name"]
                    files = article_files(entry)
                    kept = kept_source(item.folder, entry)
                    for relative in files + ([kept] if kept else []):
                        _copy(item.folder / relative, out_dir / relative)
                        report.files += 1
                    documents = read_tsv(OutputFolder(out_dir).tsv(name)) if f"{name}.tsv" in files else []
                    if documents:
                        document = documents[0]
                        document.name = name
                        store.record(document, commit=False)
                        # What its files say now: its shard's flags (or a stopped merge's).
                        store.set_flagged(name, _inconsistency_flags(document), commit=False)
                    copied.append(name)
                    if len(copied) % _COMMIT_EVERY == 0:
                        store.commit()
            store.commit()
            amended = settle_consistency(store, out_dir, writers, header, copied)
            inconsistencies = store.report()
    except BaseException:
        store.rollback()
        raise
    finally:
        store.close()
    report.copied = len(copied)
    report.reflagged = sorted(amended)
    report.inconsistencies = inconsistencies.total
    return amended, inconsistencies


def _write_run(plan: _Plan, out_dir: Path, header: RunHeader, writers: list, amended: dict[str, Any],
               inconsistencies, report: MergeReport) -> None:
    """Step 5: manifest.json and index.html, from the inputs' article entries
    interleaved in run order, through the run's own article log and writers."""
    from ..pipeline.end import build_manifest, end_run
    from ..pipeline.report import ArticleLog, ArticleReport, RunReport

    run = RunReport()
    failed: dict[tuple[str, str], None] = {}
    merged_from: list[dict[str, Any]] = []
    for item in plan.inputs:
        timings = item.manifest.timings
        run.seconds += float(timings.get("total_seconds") or 0)
        run.batches += int(timings.get("batches") or 0)
        for failure in item.manifest.failed:
            source, error = str(failure.get("source", "")), str(failure.get("error", ""))
            # Every shard reports the inputs that could not be read (found before the
            # corpus is split): listed once. An article another folder holds is no failure.
            if source not in plan.sources:
                failed.setdefault((source, error), None)
        if item.in_place and item.manifest.merged_from:
            merged_from.extend(item.manifest.merged_from)
        else:
            merged_from.append({"folder": str(item.folder), "created": item.manifest.header.created,
                                "shard": item.manifest.header.shard})
    run.failed = list(failed)
    known = {f.name for f in fields(ArticleReport)}
    log = ArticleLog(out_dir)
    try:
        for entry in heapq.merge(*(_placed(item, out_dir) for item in plan.inputs), key=_order_key):
            if entry["name"] in amended:
                entry["flags"] = amended[entry["name"]]
            article = ArticleReport(**{key: value for key, value in entry.items() if key in known})
            log.add(article)
            run.add(article)
        run.manifest = build_manifest(run, header, merged_from=merged_from,
                                      other=plan.inputs[0].manifest.other)
        run.inconsistencies = inconsistencies
        # (the manifest last: until it is written, OUT lists none of the copied articles, so a
        # merge stopped before here is finished by running it again, not refused as overlapping)
        end_run(out_dir, run, log, writers)
    finally:
        log.close()
    report.articles, report.sentences = run.articles, run.sentences
    report.failed = run.manifest.failed
    report.manifest = run.manifest


def _placed(item: _Input, out_dir: Path) -> Iterator[dict[str, Any]]:
    """An input's manifest entries with their outputs where they are in OUT now."""
    for entry in item.entries():
        if not item.in_place:
            entry["outputs"] = [str(out_dir / relative) for relative in article_files(entry)]
        yield entry


__all__ = ["MergeReport", "merge_outputs", "first_difference", "article_files", "kept_source"]

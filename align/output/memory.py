"""Translation memory: sentence translations kept between runs (SQLite, WAL).

A re-run after editing one sentence translates only that sentence: every other
pair is filled from the memory (``origin == "memory"``) before the engine runs,
and `translate_document` skips such pairs.

A translation is reused only when all that shapes it is the same, so the key of
a stored sentence is a hash of three parts:

* the source, normalised: NFC, whitespace runs collapsed to one space and
  trimmed, typographic apostrophes as ``'`` (so re-saving an article from a word
  processor does not invalidate it);
* the engine (`memory_key`): engine, model, revision (a commit, never a branch
  name), beams, the max-new-tokens rule, the input limit and the compute type
  (ctranslate2 and its version) — everything that changes the output, but not
  the batch size or the device — and align's own `POLICY_VERSION` (segmentation
  and term policy), so upgrading align never serves a sentence it would now
  translate differently: `stale_count` counts those, `prune` removes them;
* the glossary entries found in that sentence: sorted (entry, target) of its
  terms, so editing an unrelated glossary entry keeps the memory valid.

Term statuses (and where each target was found) are stored with the
translation, so a pair from memory keeps its line in the report, and so is the
number of pieces (the "split" flag).

Reviewers' work (`align review`, `align xliff import`) lives in a table of its
own, `corrections`, one row per article sentence: (article, normalised French,
occurrence of that French in the article). It applies whatever the engine,
model or glossary, and `fill` applies it before machine translations:

* a sentence the reviewer edited, reviewed or approved keeps its English
  (origin "reviewed"), its status, comment and version;
* a sentence only marked (needs work, or a comment) keeps its status, comment and
  version, and its English is translated again like any other;
* the same French in another article, with no correction of its own there, takes
  the newest kept correction of it, flagged `correction-reused` (detail: where
  from); saving it there makes it that article's own. No save touches another
  article's row.

A review save is recorded as pending (tables `pending_saves`, `pending_files`:
what the files it rewrites held before it) until the transaction that stores its
corrections; align.output.saves undoes a save left pending by a killed process.

A sentence whose French changed since its correction (same article and sentence
id, other French) is re-translated, flagged `source-changed`, and carries the
old correction as its `suggestion`.

Usage::

    with TranslationMemory(default_path(out_dir)) as memory:
        key = memory_key(engine.signature())
        memory.fill(document, key)          # before translate_document
        ...
        memory.store(document, key)         # after it
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .. import POLICY_VERSION
from ..document import ORIGIN_MEMORY, ORIGIN_MODEL, ORIGIN_REVIEWED, STATUS_APPROVED, STATUS_REVIEWED, Document, \
    SentencePair, Term
from ..errors import UsageError
from ..flags import FlagCode
from .folder import OutputFolder
from ..read.text import normalize_source

SCHEMA_VERSION = 1

# What in an engine signature changes the output (batch size and device do not).
ENGINE_FIELDS = ("engine", "model", "revision", "beams", "max_new_tokens", "max_input_tokens",
                 "compute_type", "ctranslate2")

_LOCAL_REVISION_RE = re.compile(r"[0-9a-f]{64}")
_CHUNK = 500  # SQLite's default limit on host parameters is 999

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS translations (
    key       TEXT PRIMARY KEY,   -- sha256(source | engine key | glossary key)
    source    TEXT NOT NULL,      -- the source as first seen
    target    TEXT NOT NULL,
    terms     TEXT NOT NULL,      -- JSON list: entry, target, status, target_start, target_end
    pieces    INTEGER NOT NULL DEFAULT 1,
    score     REAL,               -- the model's mean log-probability per token (NULL: none given)
    details   TEXT,               -- JSON: truncated, word alignment (NULL: none kept)
    engine    TEXT NOT NULL,      -- engine key (memory_key)
    glossary  TEXT NOT NULL,      -- glossary key of the sentence's terms ('' when none)
    created   TEXT NOT NULL,
    used      TEXT NOT NULL,
    hits      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS translations_engine ON translations (engine);
CREATE TABLE IF NOT EXISTS engines (
    key        TEXT PRIMARY KEY,
    signature  TEXT NOT NULL      -- JSON of the identity fields, for `align tm stats`
);
"""

_CORRECTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    article    TEXT NOT NULL,
    key        TEXT NOT NULL,       -- sha256 of the normalised French (review_key)
    occurrence INTEGER NOT NULL,    -- 0: the first sentence with this French in the article, 1: the second...
    source     TEXT NOT NULL,
    target     TEXT NOT NULL,
    status     TEXT NOT NULL,       -- translated, reviewed, approved, needs-work
    comment    TEXT NOT NULL DEFAULT '',
    edited     INTEGER NOT NULL,    -- 1: the reviewer wrote this English (else the machine's, only marked)
    version    INTEGER NOT NULL,    -- the row's save count: a stale page's save is refused
    sentence   TEXT NOT NULL,       -- sentence id when saved (p3s2): for the source-changed check
    alignment  TEXT,                -- JSON word alignment of target to source (markup is placed by it)
    created    TEXT NOT NULL,
    updated    TEXT NOT NULL,
    PRIMARY KEY (article, key, occurrence)
);
CREATE INDEX IF NOT EXISTS corrections_key ON corrections (key);
"""
# A review save under way (align.output.saves): what the files it rewrites held
# before it, committed before the first of them is replaced and deleted in the
# transaction that stores its corrections. A row left here is a save that died
# half way: `roll_back_unfinished_saves` puts those files back.
_PENDING_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_saves (
    id       INTEGER PRIMARY KEY,
    article  TEXT NOT NULL,
    flagged  TEXT,                  -- JSON: the article's inconsistency flags before the save (NULL: no store)
    started  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_files (
    save     INTEGER NOT NULL,      -- pending_saves.id
    path     TEXT NOT NULL,         -- relative to the output folder, '/'-separated
    previous BLOB                   -- its bytes before the save (NULL: it did not exist)
);
"""
# What makes a correction keep its English: the reviewer wrote or accepted it.
_KEPT = "(edited = 1 OR status IN ('reviewed', 'approved'))"
_CORRECTION_FIELDS = ("article", "key", "occurrence", "source", "target", "status", "comment", "edited", "version",
                      "sentence", "alignment", "updated")


def default_path(out_dir: str | Path) -> Path:
    """Where `align translate -o OUT` keeps its memory."""
    return OutputFolder(out_dir).memory


def engine_identity(engine_signature: dict[str, Any]) -> dict[str, Any]:
    """The fields of an engine signature that change its output."""
    identity = {name: engine_signature.get(name) for name in ENGINE_FIELDS
                if engine_signature.get(name) is not None}
    identity["policy"] = POLICY_VERSION
    revision = str(identity.get("revision") or "")
    if _LOCAL_REVISION_RE.fullmatch(revision):
        # A local model's revision is the sha256 of its files: that alone names
        # the weights, wherever the folder lives.
        identity.pop("model", None)
    return identity


def memory_key(engine_signature: dict[str, Any]) -> str:
    """The engine part of the memory key (hex sha256 of `engine_identity`)."""
    identity = engine_identity(engine_signature)
    payload = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"align-memory-v{SCHEMA_VERSION}\n{payload}".encode("utf-8")).hexdigest()


def glossary_key(pair: SentencePair) -> str:
    """Hash of the glossary entries found in this sentence ('' when none)."""
    if not pair.terms:
        return ""
    entries = sorted({(term.entry or term.source, term.target) for term in pair.terms})
    payload = json.dumps(entries, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def pair_key(pair: SentencePair, engine_key: str) -> str:
    payload = "\x1f".join((normalize_source(pair.source), engine_key, glossary_key(pair)))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def review_key(source: str) -> str:
    """Key of a reviewer's correction: the normalised source alone."""
    return hashlib.sha256(normalize_source(source).encode("utf-8")).hexdigest()


def _terms_json(pair: SentencePair) -> str:
    return json.dumps([term.to_dict() for term in pair.terms], ensure_ascii=False)


# What a sentence from memory needs besides its text and terms: its truncation flag
# and word alignment (inline markup of Markdown/HTML/DOCX articles is placed by it).
_DETAILS = ("truncated", "alignment")


def _details_json(pair: SentencePair) -> str:
    return json.dumps({key: value for key, value in pair.to_dict().items() if key in _DETAILS})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class PendingSave:
    """A review save that began and did not end (see `TranslationMemory.begin_save`)."""

    id: int
    article: str
    flagged: dict[str, list[str]] | None
    files: list[tuple[str, bytes | None]]


class TranslationMemory:
    """A SQLite file of sentence translations; use as a context manager."""

    def __init__(self, path: str | Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=timeout)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"{self.path}: cannot open translation memory ({exc})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
            with self._db:
                self._db.executescript(_SCHEMA)
                self._db.executescript(_CORRECTIONS_SCHEMA)
                self._db.executescript(_PENDING_SCHEMA)
                self._migrate_reviewed()
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(translations)")}
                if "score" not in columns:  # memories made before the model's score was kept
                    self._db.execute("ALTER TABLE translations ADD COLUMN score REAL")
                if "details" not in columns:  # ... or its alignment and truncation
                    self._db.execute("ALTER TABLE translations ADD COLUMN details TEXT")
                self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ?)",
                                 (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise UsageError(f"{self.path}: not a usable translation memory ({exc}); "
                             f"delete it or run with --no-memory") from None
        self._engines_seen: set[str] = set()

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None  # type: ignore[assignment]

    def __enter__(self) -> "TranslationMemory":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TranslationMemory({str(self.path)!r})"

    # -------------------------------------------------------------- helpers
    memory_key = staticmethod(memory_key)

    def _lookup(self, keys: list[str]) -> dict[str, tuple[str, str, int, float | None, str | None]]:
        found: dict[str, tuple[str, str, int, float | None, str | None]] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, target, terms, pieces, score, details in self._db.execute(
                    f"SELECT key, target, terms, pieces, score, details FROM translations WHERE key IN ({marks})",
                    chunk):
                found[key] = (target, terms, pieces, score, details)
        return found

    # ---------------------------------------------------------------- fill
    def fill(self, document: Document, engine_key: str) -> int:
        """Fill every translatable pair the memory knows; returns how many.

        Filled pairs get their target, origin "memory", their pieces count and
        their terms' statuses and target offsets as stored.
        """
        reviewed = self.fill_reviewed(document)
        pairs = [p for p in document.translatable_pairs() if p.origin not in (ORIGIN_MEMORY, ORIGIN_REVIEWED)]
        if not pairs:
            return reviewed
        keys = [pair_key(p, engine_key) for p in pairs]
        found = self._lookup(keys)
        used: list[str] = []
        for pair, key in zip(pairs, keys):
            if key not in found:
                continue
            target, terms_json, pieces, score, details = found[key]
            stored = [Term.from_dict(item) for item in json.loads(terms_json)]
            # Terms are found again on the current source; they must be the same
            # entries in the same order for the stored statuses to apply.
            if [(t.entry or t.source, t.target) for t in stored] != \
                    [(t.entry or t.source, t.target) for t in pair.terms]:
                continue
            for term, saved in zip(pair.terms, stored):
                term.status, term.late = saved.status, saved.late
                term.target_start, term.target_end = saved.target_start, saved.target_end
            pair.target = target
            pair.origin = ORIGIN_MEMORY
            pair.pieces = pieces
            pair.score = score
            extra = SentencePair.from_dict({"source": pair.source, **(json.loads(details) if details else {})})
            pair.truncated, pair.alignment = extra.truncated, extra.alignment
            used.append(key)
        if used:
            now = _now()
            with self._db:
                self._db.executemany("UPDATE translations SET hits = hits + 1, used = ? WHERE key = ?",
                                     [(now, key) for key in used])
        return reviewed + len(used)

    # --------------------------------------------------------------- store
    def store(self, document: Document, engine_key: str,
              engine_signature: dict[str, Any] | None = None) -> int:
        """Store the pairs the model translated (origin "model"); returns how many.

        One transaction per call: after a crash the memory holds whole articles.
        """
        pairs = [p for p in document.translatable_pairs() if p.origin == ORIGIN_MODEL]
        if not pairs:
            return 0
        now = _now()
        rows = [(pair_key(p, engine_key), p.source, p.target, _terms_json(p), p.pieces, engine_key,
                 glossary_key(p), now, now, p.score, _details_json(p)) for p in pairs]
        with self._db:
            if engine_key not in self._engines_seen:
                # Without a signature only the policy version is known (it is in every key).
                signature = json.dumps(engine_identity(engine_signature or {}), sort_keys=True, default=str)
                bare = json.dumps(engine_identity({}), sort_keys=True)
                self._db.execute("INSERT INTO engines (key, signature) VALUES (?, ?) ON CONFLICT(key)"
                                 " DO UPDATE SET signature = excluded.signature WHERE excluded.signature != ?",
                                 (engine_key, signature, bare))
                self._engines_seen.add(engine_key)
            self._db.executemany(
                "INSERT INTO translations (key, source, target, terms, pieces, engine, glossary, created, used, score,"
                " details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET target = excluded.target, terms = excluded.terms,"
                " pieces = excluded.pieces, used = excluded.used, score = excluded.score,"
                " details = excluded.details", rows)
        return len(rows)

    # ------------------------------------------------------------ reviewed
    def _migrate_reviewed(self) -> None:
        """Memories before per-article corrections kept one `reviewed` row per
        French sentence, for the article that saved it last: each becomes that
        article's first occurrence, its English kept (as those memories did)."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reviewed'").fetchone():
            return
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(reviewed)")}
        alignment = "alignment" if "alignment" in columns else "NULL"
        self._db.execute(
            f"INSERT OR IGNORE INTO corrections (article, key, occurrence, source, target, status, comment, edited,"
            f" version, sentence, alignment, created, updated) SELECT article, key, 0, source, target, status,"
            f" comment, 1, 0, sentence, {alignment}, created, updated FROM reviewed")
        self._db.execute("DROP TABLE reviewed")

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        """Drop what `store_review(..., commit=False)` stored since the last commit."""
        self._db.rollback()

    def store_review(self, document: Document, pair: SentencePair, edited: bool, commit: bool = True) -> None:
        """Keep a reviewer's work on `pair`, a sentence of `document`: its English,
        status, comment, version and word alignment. `edited`: the reviewer wrote
        the English (else it is the machine's, kept only if the status accepts it).
        With commit=False it waits for `commit()` (or `rollback()`): a review save
        writes its files in between."""
        now = _now()
        key = review_key(pair.source)
        self._db.execute(
            "INSERT INTO corrections (article, key, occurrence, source, target, status, comment, edited, version,"
            " sentence, alignment, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(article, key, occurrence) DO UPDATE SET source = excluded.source,"
            " target = excluded.target, status = excluded.status, comment = excluded.comment,"
            " edited = MAX(edited, excluded.edited), version = excluded.version, sentence = excluded.sentence,"
            " alignment = excluded.alignment, updated = excluded.updated",
            (document.name, key, occurrence(document, pair), pair.source, pair.target, pair.review_status,
             pair.comment, int(edited), pair.version, pair.id,
             json.dumps([list(link) for link in pair.alignment]) if pair.alignment else None, now, now))
        if commit:
            self._db.commit()

    # ------------------------------------------------------- unfinished saves
    def begin_save(self, article: str, previous: list[tuple[str, bytes | None]],
                   flagged: dict[str, list[str]] | None) -> int:
        """Record, and commit, a review save of `article` about to rewrite files:
        `previous` is (path relative to the output folder, its bytes now or None when
        it does not exist) for each, `flagged` the article's inconsistency flags in
        the consistency store now (None: the folder has none). Returns the save's id,
        for `end_save`. Until then, `pending_saves` lists it."""
        cursor = self._db.execute("INSERT INTO pending_saves (article, flagged, started) VALUES (?, ?, ?)",
                                  (article, None if flagged is None else json.dumps(flagged, ensure_ascii=False),
                                   _now()))
        save = cursor.lastrowid
        self._db.executemany("INSERT INTO pending_files (save, path, previous) VALUES (?, ?, ?)",
                             [(save, path, data) for path, data in previous])
        self.commit()
        return save

    def end_save(self, save: int) -> None:
        """Forget save `save`, committing with it whatever the transaction holds (the
        save's corrections, stored with commit=False): its commit point."""
        self._db.execute("DELETE FROM pending_files WHERE save = ?", (save,))
        self._db.execute("DELETE FROM pending_saves WHERE id = ?", (save,))
        self.commit()

    def pending_saves(self) -> list[PendingSave]:
        """Saves begun and never ended (their process died), oldest first."""
        saves = []
        for save, article, flagged in self._db.execute(
                "SELECT id, article, flagged FROM pending_saves ORDER BY id").fetchall():
            files = [(path, previous) for path, previous in self._db.execute(
                "SELECT path, previous FROM pending_files WHERE save = ? ORDER BY rowid", (save,))]
            saves.append(PendingSave(save, article, None if flagged is None else json.loads(flagged), files))
        return saves

    def review_for(self, source: str, article: str | None = None) -> dict[str, Any] | None:
        """The newest correction of a French sentence (in `article`, when given), or None."""
        query = f"SELECT {', '.join(_CORRECTION_FIELDS)} FROM corrections WHERE key = ?"
        arguments: tuple = (review_key(source),)
        if article is not None:
            query, arguments = query + " AND article = ?", arguments + (article,)
        row = self._db.execute(query + " ORDER BY updated DESC, rowid DESC LIMIT 1", arguments).fetchone()
        return None if row is None else dict(zip(_CORRECTION_FIELDS, row))

    def fill_reviewed(self, document: Document) -> int:
        """Apply reviewers' work to `document` (see the module's docstring): the
        article's own corrections, then those of other articles for the French it
        has none for; flag sentences whose French changed since their correction.
        Returns how many sentences took a correction's English."""
        pairs = list(document.translatable_pairs())
        places = [(review_key(p.source), occurrence) for p, occurrence in zip(pairs, occurrences(pairs))]
        own = {(row[1], row[2]): dict(zip(_CORRECTION_FIELDS, row)) for row in self._db.execute(
            f"SELECT {', '.join(_CORRECTION_FIELDS)} FROM corrections WHERE article = ?", (document.name,))}
        # For French without a correction of its own here: the newest kept correction
        # of it anywhere (another article, or another occurrence in this one).
        wanted = list(dict.fromkeys(place[0] for place in places if place not in own))
        elsewhere: dict[str, dict[str, Any]] = {}
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            for row in self._db.execute(
                    f"SELECT {', '.join(_CORRECTION_FIELDS)} FROM corrections WHERE key IN"
                    f" ({','.join('?' * len(chunk))}) AND {_KEPT} ORDER BY updated, rowid", chunk):
                elsewhere[row[1]] = dict(zip(_CORRECTION_FIELDS, row))  # the newest last
        applied = 0
        for pair, place in zip(pairs, places):
            correction = own.get(place)
            if correction is not None:
                pair.status, pair.comment, pair.version = correction["status"], correction["comment"], \
                    correction["version"]
                if correction["edited"] or correction["status"] in (STATUS_REVIEWED, STATUS_APPROVED):
                    _take_english(pair, correction)
                    applied += 1
            elif place[0] in elsewhere:
                correction = elsewhere[place[0]]
                _take_english(pair, correction)
                pair.add_flag(FlagCode.CORRECTION_REUSED, f"{correction['article']}#{correction['sentence']}")
                applied += 1
        # Corrections saved for a sentence id whose French is no longer in the article.
        present = {key for key, _ in places}
        moved: dict[str, dict[str, Any]] = {}
        for correction in sorted(own.values(), key=lambda c: c["updated"]):
            if correction["key"] not in present:
                moved[correction["sentence"]] = correction  # the newest last
        for pair, place in zip(pairs, places):
            if pair.id in moved and place not in own and pair.origin != ORIGIN_REVIEWED:
                pair.add_flag(FlagCode.SOURCE_CHANGED)
                pair.suggestion = moved[pair.id]["target"]
        return applied

    def reviewed_entries(self) -> Iterable[tuple[str, str, str]]:
        """(source, target, status) of every kept correction, oldest first."""
        yield from self._db.execute(f"SELECT source, target, status FROM corrections WHERE {_KEPT}"
                                    f" ORDER BY created, rowid")

    # --------------------------------------------------------------- stats
    def stats(self) -> dict[str, Any]:
        """Counts for `align tm stats`."""
        entries, hits, first, last = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(hits), 0), MIN(created), MAX(used) FROM translations").fetchone()
        engines = []
        for key, count, signature in self._db.execute(
                "SELECT t.engine, COUNT(*), COALESCE(e.signature, '{}') FROM translations t"
                " LEFT JOIN engines e ON e.key = t.engine GROUP BY t.engine ORDER BY COUNT(*) DESC"):
            engines.append({"key": key[:12], "entries": count, **json.loads(signature)})
        with_terms = self._db.execute("SELECT COUNT(*) FROM translations WHERE glossary != ''").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {"path": str(self.path), "entries": entries, "with_terms": with_terms, "hits": hits,
                "engines": engines, "first": first, "last_used": last, "bytes": size,
                "policy": POLICY_VERSION, "stale": self.stale_count()}

    # --------------------------------------------------------------- stale
    def _stale_engines(self) -> list[str]:
        """Engine keys written under another POLICY_VERSION than this align's (or
        before align recorded one, or with no record at all): no run of this
        version can look their sentences up again."""
        stale = []
        for (key,) in self._db.execute("SELECT DISTINCT engine FROM translations"):
            row = self._db.execute("SELECT signature FROM engines WHERE key = ?", (key,)).fetchone()
            try:
                policy = json.loads(row[0]).get("policy") if row else None
            except ValueError:
                policy = None
            if policy != POLICY_VERSION:
                stale.append(key)
        return stale

    def stale_count(self) -> int:
        """How many stored sentences a newer align (policy version) made stale."""
        keys = self._stale_engines()
        total = 0
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            total += self._db.execute(f"SELECT COUNT(*) FROM translations WHERE engine IN "
                                      f"({','.join('?' * len(chunk))})", chunk).fetchone()[0]
        return total

    def prune(self) -> int:
        """Delete the stale sentences (see `stale_count`); returns how many."""
        keys = self._stale_engines()
        removed = 0
        with self._db:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                removed += self._db.execute(f"DELETE FROM translations WHERE engine IN ({marks})", chunk).rowcount
                self._db.execute(f"DELETE FROM engines WHERE key IN ({marks})", chunk)
        if removed:
            self._db.execute("VACUUM")  # give the space back
        return removed

    def entries(self) -> Iterable[tuple[str, str, str]]:
        """(source, target, engine key) of every stored sentence, oldest first."""
        yield from self._db.execute("SELECT source, target, engine FROM translations ORDER BY created, rowid")

    # ----------------------------------------------------------------- TMX
    def export_tmx(self, path: str | Path) -> int:
        """Write every stored pair as TMX 1.4 (fr → en); returns the unit count."""
        from translate.storage.tmx import tmxfile

        store = tmxfile(sourcelanguage="fr", targetlanguage="en")
        count = 0
        corrected = set()
        # Reviewers' corrections first, marked so that CAT tools can prefer them
        # (x- props are TMX 1.4's user-defined properties).
        for source, target, status in self.reviewed_entries():
            store.addtranslation(source, "fr", target, "en")
            unit = store.units[-1]
            _add_prop(unit, "x-origin", ORIGIN_REVIEWED)
            _add_prop(unit, "x-status", status)
            corrected.add(normalize_source(source))
            count += 1
        for source, target, _engine in self.entries():
            if normalize_source(source) in corrected:
                continue
            store.addtranslation(source, "fr", target, "en")
            _add_prop(store.units[-1], "x-origin", ORIGIN_MODEL)
            count += 1
        from .files import atomic_write
        atomic_write(path, bytes(store))
        return count


def occurrences(pairs: Iterable[SentencePair]) -> list[int]:
    """For each pair, how many pairs before it have the same normalised French."""
    seen: dict[str, int] = {}
    counts = []
    for pair in pairs:
        key = normalize_source(pair.source)
        counts.append(seen.get(key, 0))
        seen[key] = counts[-1] + 1
    return counts


def occurrence(document: Document, pair: SentencePair) -> int:
    """Which occurrence of its French `pair` is among the document's translated sentences."""
    pairs = list(document.translatable_pairs())
    for candidate, count in zip(pairs, occurrences(pairs)):
        if candidate is pair:
            return count
    raise ValueError(f"{pair.id} is not a sentence of {document.name}")


def _take_english(pair: SentencePair, correction: dict[str, Any]) -> None:
    """A correction's English on `pair`, with its word alignment (whose offsets hold
    for the very French it was saved with) and where each term's target sits in it."""
    from ..terms.presence import mark_terms

    pair.target = correction["target"]
    alignment = correction["alignment"]
    pair.alignment = ([tuple(link) for link in json.loads(alignment)]
                      if alignment and correction["source"] == pair.source else [])
    pair.origin = ORIGIN_REVIEWED
    pair.suggestion = ""
    mark_terms(pair.target, pair.terms)


def _add_prop(unit, kind: str, value: str) -> None:
    """A TMX <prop type="kind">value</prop> on a translation unit (before its <tuv>s, as the DTD wants)."""
    from lxml import etree

    prop = etree.Element("prop", type=kind)
    prop.text = value
    unit.xmlelement.insert(len(unit.xmlelement.findall("prop")), prop)

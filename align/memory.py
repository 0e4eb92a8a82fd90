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

Reviewers' corrections (`align review`, `align xliff import`) live in a table
of their own, `reviewed`, keyed by the normalised source alone: a correction
applies whatever the engine, model or glossary, and `fill` gives it precedence
over machine translations (origin "reviewed"). A sentence whose French changed
since its correction (same article and sentence id, other French) is
re-translated, flagged `source-changed`, and carries the old correction as its
`suggestion`.

Usage::

    with TranslationMemory(out_dir / ".align" / "memory.sqlite") as memory:
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
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from . import POLICY_VERSION
from .document import ORIGIN_REVIEWED, Document, SentencePair
from .errors import UsageError
from .sources import plain_apostrophes

SCHEMA_VERSION = 1
MEMORY_DIR = ".align"
MEMORY_FILE = "memory.sqlite"
ORIGIN_MEMORY = "memory"
ORIGIN_MODEL = "model"

# What in an engine signature changes the output (batch size and device do not).
ENGINE_FIELDS = ("engine", "model", "revision", "beams", "max_new_tokens", "max_input_tokens",
                 "compute_type", "ctranslate2")

_SPACES_RE = re.compile(r"\s+")
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

_REVIEWED_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviewed (
    key       TEXT PRIMARY KEY,   -- sha256 of the normalised source (no engine, no glossary)
    source    TEXT NOT NULL,
    target    TEXT NOT NULL,
    status    TEXT NOT NULL,      -- translated, reviewed, approved, needs-work
    comment   TEXT NOT NULL DEFAULT '',
    article   TEXT NOT NULL,      -- where it was last saved: for the source-changed check
    sentence  TEXT NOT NULL,      -- sentence id (p3s2)
    alignment TEXT,               -- JSON word alignment of target to source (markup is placed by it)
    created   TEXT NOT NULL,
    updated   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviewed_place ON reviewed (article, sentence);
"""


def default_path(out_dir: str | Path) -> Path:
    """Where `align translate -o OUT` keeps its memory."""
    return Path(out_dir) / MEMORY_DIR / MEMORY_FILE


def normalize_source(text: str) -> str:
    """NFC, whitespace collapsed and trimmed, typographic apostrophes as '."""
    text = unicodedata.normalize("NFC", text)
    return plain_apostrophes(_SPACES_RE.sub(" ", text).strip())


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
    return json.dumps([{"entry": t.entry or t.source, "target": t.target, "status": t.status,
                        "target_start": t.target_start, "target_end": t.target_end, "late": t.late}
                       for t in pair.terms], ensure_ascii=False)


def _details_json(pair: SentencePair) -> str:
    """What a sentence from memory needs besides its text: its truncation flag and
    word alignment (inline markup of Markdown/HTML/DOCX articles is placed by it)."""
    return json.dumps({"truncated": pair.truncated, "alignment": [list(link) for link in pair.alignment]})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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
                self._db.executescript(_REVIEWED_SCHEMA)
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(translations)")}
                if "score" not in columns:  # memories made before the model's score was kept
                    self._db.execute("ALTER TABLE translations ADD COLUMN score REAL")
                if "details" not in columns:  # ... or its alignment and truncation
                    self._db.execute("ALTER TABLE translations ADD COLUMN details TEXT")
                if "alignment" not in {row[1] for row in self._db.execute("PRAGMA table_info(reviewed)")}:
                    self._db.execute("ALTER TABLE reviewed ADD COLUMN alignment TEXT")  # older memories
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
            stored = json.loads(terms_json)
            # Terms are found again on the current source; they must be the same
            # entries in the same order for the stored statuses to apply.
            if [(s["entry"], s["target"]) for s in stored] != \
                    [(t.entry or t.source, t.target) for t in pair.terms]:
                continue
            for term, saved in zip(pair.terms, stored):
                term.status = saved["status"]
                term.target_start = saved["target_start"]
                term.target_end = saved["target_end"]
                term.late = saved.get("late", False)
            pair.target = target
            pair.origin = ORIGIN_MEMORY
            pair.pieces = pieces
            pair.score = score
            extra = json.loads(details) if details else {}
            pair.truncated = bool(extra.get("truncated", False))
            pair.alignment = [tuple(link) for link in extra.get("alignment", [])]
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
    def store_review(self, article: str, pair: SentencePair) -> None:
        """Keep a reviewer's correction of `pair` (its target, status, comment)."""
        now = _now()
        with self._db:
            self._db.execute(
                "INSERT INTO reviewed (key, source, target, status, comment, article, sentence, alignment, created,"
                " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
                " source = excluded.source, target = excluded.target, status = excluded.status,"
                " comment = excluded.comment, article = excluded.article, sentence = excluded.sentence,"
                " alignment = excluded.alignment, updated = excluded.updated",
                (review_key(pair.source), pair.source, pair.target, pair.review_status, pair.comment,
                 article, pair.id, json.dumps([list(link) for link in pair.alignment]) if pair.alignment else None,
                 now, now))

    def review_for(self, source: str) -> dict[str, str] | None:
        """The stored correction of a sentence, or None."""
        row = self._db.execute("SELECT source, target, status, comment, article, sentence FROM reviewed"
                               " WHERE key = ?", (review_key(source),)).fetchone()
        return None if row is None else dict(zip(("source", "target", "status", "comment", "article",
                                                  "sentence"), row))

    def fill_reviewed(self, document: Document) -> int:
        """Apply stored corrections to `document` (origin "reviewed"); flag the
        sentences whose French changed since their correction. Returns how many
        were applied."""
        from .terms.presence import locate

        pairs = list(document.translatable_pairs())
        found: dict[str, tuple] = {}
        keys = [review_key(p.source) for p in pairs]
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i:i + _CHUNK]
            for row in self._db.execute(f"SELECT key, target, status, comment, source, alignment FROM reviewed"
                                        f" WHERE key IN ({','.join('?' * len(chunk))})", chunk):
                found[row[0]] = row[1:]
        applied = 0
        for pair, key in zip(pairs, keys):
            if key in found:
                pair.target, pair.status, pair.comment, source, alignment = found[key]
                # The correction's word alignment places the article's markup; its
                # offsets hold for the very French it was saved with (a machine
                # alignment left from the memory would be the old English's).
                pair.alignment = ([tuple(link) for link in json.loads(alignment)]
                                  if alignment and source == pair.source else [])
                pair.origin = ORIGIN_REVIEWED
                pair.suggestion = ""
                # Where each term's target sits in the corrected English.
                for term, span in zip(pair.terms, locate(pair.target, pair.terms)):
                    term.target_start, term.target_end = span if span else (-1, -1)
                    term.status = "model" if span else "failed"
                applied += 1
        if applied == len(pairs):
            return applied
        # Corrections saved for this article (one query, newest last, so the newest wins).
        saved = {sentence: (source, target) for sentence, source, target in self._db.execute(
            "SELECT sentence, source, target FROM reviewed WHERE article = ? ORDER BY updated, rowid",
            (document.name,))}
        present = {normalize_source(p.source) for p in pairs}
        for pair, key in zip(pairs, keys):
            if key in found or pair.id not in saved:
                continue
            source, target = saved[pair.id]
            # A correction whose French is still elsewhere in the article moved
            # (sentences inserted before it): it is not this sentence's.
            if normalize_source(source) not in present:
                pair.add_flag("source-changed")
                pair.suggestion = target
        return applied

    def reviewed_entries(self) -> Iterable[tuple[str, str, str]]:
        """(source, target, status) of every stored correction, oldest first."""
        yield from self._db.execute("SELECT source, target, status FROM reviewed ORDER BY created, rowid")

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
        from .writers.base import atomic_write
        atomic_write(path, bytes(store))
        return count


def _add_prop(unit, kind: str, value: str) -> None:
    """A TMX <prop type="kind">value</prop> on a translation unit (before its <tuv>s, as the DTD wants)."""
    from lxml import etree

    prop = etree.Element("prop", type=kind)
    prop.text = value
    unit.xmlelement.insert(len(unit.xmlelement.findall("prop")), prop)

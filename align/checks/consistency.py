"""Consistency across a corpus: the same French translated differently in different
places (what Xbench calls *target inconsistency*).

Three kinds of French are compared, each occurrence keyed by its French and
carrying its English (its *variant*):

* ``sentence``: a prose sentence of at least three words, keyed by its normalised
  French (`align.read.text.normalize_source`); the variant is its English,
  whitespace collapsed;
* ``term``: a glossary term found in a sentence, keyed by its French as written
  (a plural is another key, with the entry's plural target); the
  variant is the term's target where the English has it, else "" (*missing*);
* ``name``: a proper name of the French (`find_names`); the variant is the name
  itself where the English has it (same case, whole words), else the English
  aligned to it when that is written as a name (capitalised: "Ayraut", "United
  States"); an occurrence aligned to anything else ("of the") is not compared,
  as word alignment varies from one article to the next where the English does not.

A key with two or more distinct variants is an inconsistency. `ConsistencyIndex`
keeps every occurrence of an output folder in SQLite (``OUT/.align/consistency.sqlite``),
article by article, so that a run never holds the corpus in memory and recording
one article costs the same in a folder of ten articles or of 100,000: per key, the
count of each variant and of the key's variants are kept up to date by triggers
(the GROUP BY of the occurrences, maintained row by row), so asking which keys are
inconsistent, or which rows of one article are, reads an index, never every row.

The store also keeps what the pipeline needs to flag articles without reading the
corpus: the groups whose flags may have changed since the last run (`changed`: a
variant appeared or went in a group with two or more, or a variant's first article
changed, as that article is named in the flags), and the inconsistency flags each
article's files carry now (`flagged`).
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..document import METADATA, Document, SentencePair
from ..read.text import normalize_source

# The flag set on rows that take part in an inconsistency; align.flags names it
# FlagCode.INCONSISTENT (a test checks they agree: this stage imports only the data model).
FLAG = "inconsistent"
SENTENCE, TERM, NAME = "sentence", "term", "name"
KINDS = (SENTENCE, TERM, NAME)
MIN_SENTENCE_WORDS = 3     # shorter sentences ("Oui.", "Merci beaucoup.") rightly vary with context
OTHER_VARIANTS_IN_FLAG = 3  # a flag names this many of the other variants, then "and N more"
FLAG_TEXT_CHARS = 80        # longer French or English is shortened in a flag's detail
# The index lists this many inconsistent French keys, with this many rows per English variant.
INDEX_GROUPS = 200
INDEX_LINKS = 5

_SPACES_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- One row per French key: how many occurrences and distinct variants it has now.
CREATE TABLE IF NOT EXISTS groups (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- sentence, term, name
    key         TEXT NOT NULL,            -- normalised French, glossary entry, name
    variants    INTEGER NOT NULL DEFAULT 0,
    occurrences INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, key)
);
CREATE INDEX IF NOT EXISTS groups_inconsistent ON groups (occurrences DESC, id) WHERE variants >= 2;
CREATE TABLE IF NOT EXISTS occurrences (
    grp      INTEGER NOT NULL,            -- groups.id
    variant  TEXT NOT NULL,               -- the English ("" when none)
    article  TEXT NOT NULL,
    sentence TEXT NOT NULL,               -- sentence id (p3s2)
    source   TEXT NOT NULL                -- the French as the sentence has it, for flags
);
CREATE INDEX IF NOT EXISTS occurrences_article ON occurrences (article);
CREATE INDEX IF NOT EXISTS occurrences_variant ON occurrences (grp, variant, article);
-- Per key and variant: its occurrences and the first article (by name) that has it.
CREATE TABLE IF NOT EXISTS variants (
    grp           INTEGER NOT NULL,
    variant       TEXT NOT NULL,
    occurrences   INTEGER NOT NULL,
    first_article TEXT NOT NULL,
    PRIMARY KEY (grp, variant)
) WITHOUT ROWID;
-- Groups whose rows' flags may differ from what their articles' files say.
CREATE TABLE IF NOT EXISTS changed (
    grp INTEGER PRIMARY KEY
);
-- The inconsistency flags an article's files carry: JSON {sentence id: [detail, ...]}.
CREATE TABLE IF NOT EXISTS flagged (
    article TEXT PRIMARY KEY,
    flags   TEXT NOT NULL
);

CREATE TRIGGER IF NOT EXISTS occurrence_added AFTER INSERT ON occurrences BEGIN
    UPDATE groups SET occurrences = occurrences + 1,
        variants = variants + NOT EXISTS (SELECT 1 FROM variants WHERE grp = NEW.grp AND variant = NEW.variant)
        WHERE id = NEW.grp;
    -- In an inconsistent group, a new variant, or a variant's new first article, changes the flags.
    INSERT OR IGNORE INTO changed (grp)
        SELECT NEW.grp WHERE (SELECT variants FROM groups WHERE id = NEW.grp) >= 2
            AND COALESCE((SELECT NEW.article < first_article FROM variants
                          WHERE grp = NEW.grp AND variant = NEW.variant), 1);
    INSERT INTO variants (grp, variant, occurrences, first_article) VALUES (NEW.grp, NEW.variant, 1, NEW.article)
        ON CONFLICT (grp, variant) DO UPDATE SET occurrences = occurrences + 1,
            first_article = MIN(first_article, excluded.first_article);
END;

CREATE TRIGGER IF NOT EXISTS occurrence_removed AFTER DELETE ON occurrences BEGIN
    -- In an inconsistent group, a variant that goes, or its first article's row, changes the flags.
    INSERT OR IGNORE INTO changed (grp)
        SELECT OLD.grp WHERE (SELECT variants FROM groups WHERE id = OLD.grp) >= 2
            AND (SELECT occurrences = 1 OR first_article = OLD.article FROM variants
                 WHERE grp = OLD.grp AND variant = OLD.variant);
    UPDATE variants SET occurrences = occurrences - 1,
        first_article = CASE WHEN first_article = OLD.article THEN
            COALESCE((SELECT MIN(article) FROM occurrences WHERE grp = OLD.grp AND variant = OLD.variant), '')
            ELSE first_article END
        WHERE grp = OLD.grp AND variant = OLD.variant;
    UPDATE groups SET occurrences = occurrences - 1,
        variants = variants - EXISTS (SELECT 1 FROM variants WHERE grp = OLD.grp AND variant = OLD.variant
                                      AND occurrences = 0)
        WHERE id = OLD.grp;
    DELETE FROM variants WHERE grp = OLD.grp AND variant = OLD.variant AND occurrences = 0;
    DELETE FROM groups WHERE id = OLD.grp AND occurrences = 0;
END;
"""


# ------------------------------------------------------------------ proper names
# Closed-class French words (and titles): capitalised, they start a sentence or a
# quotation, or head a title, and are never a name nor part of one ("Selon Jean
# Dupont" names Jean Dupont).
FUNCTION_WORDS = frozenset("""
le la les l' un une des du de d' au aux ce cet cette ces ceci cela ça celui celle ceux celles
il ils elle elles on nous vous je j' tu me te se lui leur leurs eux moi toi soi y en
mon ma mes ton ta tes son sa ses notre nos votre vos
et ou mais donc or ni car si que qu' qui quoi dont où quand comme lorsque lorsqu' puisque puisqu'
quoique quoiqu' parce jusqu' c' n' s' m' t'
à dans pour par sur sous avec sans selon entre vers chez depuis pendant avant après contre parmi
malgré outre dès durant hors via
tout tous toute toutes chaque aucun aucune plusieurs certains certaines quel quelle quels quelles
ne pas plus aussi alors ainsi enfin puis ensuite cependant pourtant toutefois néanmoins désormais
déjà encore même très bien hier demain aujourd'hui ici là voici voilà oui non peut-être surtout
d'abord d'ailleurs certes seulement notamment
est sont a ont était fut sera c'est
m mme mmes mlle mlles mm me dr pr mgr monsieur madame mademoiselle
""".split())
# Inside a name, between capitalised words: Charles de Gaulle, Afrique du Sud,
# Valéry Giscard d'Estaing, Ludwig van Beethoven, Marine Le Pen.
PARTICLES = frozenset({"de", "du", "des", "d'", "van", "von", "le", "la"})
_ELISION_RE = re.compile(r"(?i)(jusqu|lorsqu|puisqu|quoiqu|qu|[dlnsmtcj])['’](?=\w)")
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_QUOTATION_START = "«\"“"


def _tokens(text: str) -> list[tuple[int, int]]:
    """Word spans of `text`, an elided article or pronoun (d', l', qu') a token of
    its own: "d'Estaing" is "d'" and "Estaing"."""
    spans: list[tuple[int, int]] = []
    for match in _TOKEN_RE.finditer(text):
        start, end = match.span()
        elision = _ELISION_RE.match(text, start)
        if elision and elision.end() < end:
            spans.append((start, elision.end()))
            start = elision.end()
        spans.append((start, end))
    return spans


def _plain(word: str) -> str:
    return word.replace("’", "'").lower()


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper() and word.isalpha() and _plain(word) not in FUNCTION_WORDS


def _is_capitalised(word: str) -> bool:
    """A word that can be (part of) a name: capitalised, two letters or more (an
    initial, "M." or "A" of "A la suite", is none), no function word."""
    # (the capital first: most words have none, and counting letters costs more)
    return word[0].isupper() and sum(c.isalpha() for c in word) >= 2 and _plain(word) not in FUNCTION_WORDS


def find_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the proper names in French `text`: runs of capitalised words
    (hyphenated ones included: Jean-Marc), with particles inside a run (de, du, des,
    d', van, von, le, la: Charles de Gaulle), and all-caps acronyms of two letters or
    more (SNCF, UMP). A lone capitalised word that starts the sentence or a
    quotation is not counted: its capital says nothing ("Hier", but also a name
    there, "Manning a témoigné", is missed)."""
    tokens = _tokens(text)
    names: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        start, end = tokens[i]
        word = text[start:end]
        if not _is_capitalised(word):
            i += 1
            continue
        last = i
        j = i + 1
        while j < len(tokens):
            if text[tokens[j - 1][1]:tokens[j][0]].strip():  # punctuation between: the run ends
                break
            if _is_capitalised(text[tokens[j][0]:tokens[j][1]]):
                last = j
                j += 1
                continue
            # particles (at most two: "de la") followed by a capitalised word continue the run
            k = j
            while k < len(tokens) and k - j < 2 and _plain(text[tokens[k][0]:tokens[k][1]]) in PARTICLES \
                    and not text[tokens[k - 1][1]:tokens[k][0]].strip():
                k += 1
            if k > j and k < len(tokens) and not text[tokens[k - 1][1]:tokens[k][0]].strip() \
                    and _is_capitalised(text[tokens[k][0]:tokens[k][1]]):
                last = k
                j = k + 1
                continue
            break
        name_end = tokens[last][1]
        lone = last == i and not _is_acronym(word)
        if not (lone and _starts_sentence(text, tokens, i)):
            names.append((start, name_end))
        i = last + 1
    return names


def _starts_sentence(text: str, tokens: list[tuple[int, int]], index: int) -> bool:
    """The token is the sentence's first word, or the first of a quotation."""
    before = text[tokens[index - 1][1] if index else 0:tokens[index][0]].strip()
    return index == 0 or (bool(before) and before[-1] in _QUOTATION_START)


# ------------------------------------------------------------------ occurrences
@dataclass(frozen=True)
class Occurrence:
    """One French key in one sentence, with its English."""

    kind: str
    key: str
    variant: str
    sentence: str   # the sentence's id (p3s2)
    source: str     # the French as the sentence has it


def aligned_english(pair: SentencePair, start: int, end: int) -> str:
    """The English aligned to the French span [start, end): from the first to the
    last English word linked to French overlapping it; "" when none is."""
    spans = [(ts, te) for fs, fe, ts, te in pair.alignment
             if fs < end and fe > start and 0 <= ts < te <= len(pair.target)]
    if not spans:
        return ""
    return _collapse(pair.target[min(s for s, _ in spans):max(e for _, e in spans)])


def _collapse(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def _in_english(name: str, english: str) -> bool:
    r"""Is `name` in `english` as whole words (no word character either side)? As
    `re.search(r"(?<!\w)NAME(?!\w)")` answers, without compiling a pattern for
    each name of a corpus (re's cache holds 512)."""
    start = english.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not _is_word_character(english[start - 1])) and \
                (end == len(english) or not _is_word_character(english[end])):
            return True
        start = english.find(name, start + 1)
    return False


def _is_word_character(character: str) -> bool:
    r"""re's `\w` for a str pattern: a letter, a digit or a number, or the underscore."""
    return character.isalnum() or character == "_"


def pair_occurrences(pair: SentencePair) -> list[Occurrence]:
    """The keys of one prose pair: its sentence, its glossary terms and its names."""
    found: list[Occurrence] = []
    if len(_WORD_RE.findall(pair.source)) >= MIN_SENTENCE_WORDS:
        found.append(Occurrence(SENTENCE, normalize_source(pair.source), _collapse(pair.target), pair.id,
                                pair.source))
    glossary_terms = [term for term in pair.terms if not term.verbatim]
    for term in glossary_terms:
        # The target, or missing: what word alignment puts in its place when the
        # target is missing is not a rendering of the term, and would vary by
        # article where the English does not (the term-failed flag says where).
        variant = term.target if term.status in ("model", "forced") and term.target_start >= 0 else ""
        # Keyed by the French as written: "startup" and "startups" are one entry with
        # two targets, not one French with two translations.
        found.append(Occurrence(TERM, normalize_source(term.source), variant, pair.id, term.source))
    for start, end in find_names(pair.source):
        if any(term.start <= start and end <= term.end for term in glossary_terms):
            continue  # a glossary term's own words: compared as the term
        name = normalize_source(pair.source[start:end])  # typographic apostrophes as '
        kept = _in_english(pair.source[start:end], pair.target) or _in_english(name, pair.target)
        variant = name if kept else aligned_english(pair, start, end)
        if not kept and not _names_something(variant):
            continue  # "États" aligned to "countries" or "of the": not a way of writing a name
        found.append(Occurrence(NAME, name, variant, pair.id, pair.source[start:end]))
    return found


def _names_something(english: str) -> bool:
    """Is this English a way of writing a name (Ayraut, Mohamed Morsi, the USA):
    every word capitalised, small particles aside?"""
    words = [w for w in _TOKEN_RE.findall(english) if w.lower() not in ("the", "of", "de", "van", "von", "al")]
    return bool(words) and all(w[0].isupper() for w in words)


def document_occurrences(document: Document) -> list[Occurrence]:
    """Every key of an article's prose (metadata lines are copied, not translated)."""
    return [occurrence for paragraph in document.paragraphs if paragraph.kind != METADATA
            for pair in paragraph.sentences if pair.origin != METADATA
            for occurrence in pair_occurrences(pair)]


def mark_inconsistent(document: Document, flags: dict[str, list[str]]) -> bool:
    """Set the article's inconsistency flags to `flags` (sentence id → details),
    dropping those it had; returns whether any row changed."""
    changed = False
    for pair in document.pairs():
        before = [f.detail for f in pair.flags if f.code == FLAG]
        wanted = list(dict.fromkeys(flags.get(pair.id, [])))
        if before == wanted:
            continue
        pair.flags = [f for f in pair.flags if f.code != FLAG]
        for detail in wanted:
            pair.add_flag(FLAG, detail)
        changed = True
    return changed


# ------------------------------------------------------------------ the store
@dataclass
class Variant:
    """One English of an inconsistent key: how many rows have it, and some of them."""

    text: str
    count: int
    links: list[tuple[str, str]] = field(default_factory=list)  # (article, sentence id)

    @property
    def more(self) -> int:
        return self.count - len(self.links)


@dataclass
class Inconsistency:
    """A French key with two or more English variants, most frequent first."""

    kind: str
    key: str
    occurrences: int
    variants: list[Variant]
    more_variants: int = 0   # variants beyond those listed


@dataclass
class InconsistencyReport:
    """The inconsistencies to show (the most frequent first) and how many there are."""

    groups: list[Inconsistency]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.groups)


def _shorten(text: str) -> str:
    return text if len(text) <= FLAG_TEXT_CHARS else text[:FLAG_TEXT_CHARS - 1].rstrip() + "…"


class ConsistencyIndex:
    """The occurrences of an output folder's articles, in SQLite (WAL); a context
    manager. Raises sqlite3.DatabaseError for a file that is not such a store."""

    def __init__(self, path: str | Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=timeout)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
            self._db.executescript(_SCHEMA)
            if self._db.execute("SELECT 1 FROM meta WHERE name = 'schema'").fetchone() is None:
                with self._db:  # once: a reader (the review server's index) takes no write lock
                    self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', '1')")
        except sqlite3.DatabaseError:
            self._db.close()
            raise

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None  # type: ignore[assignment]

    def __enter__(self) -> "ConsistencyIndex":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    # ------------------------------------------------------------ recording
    def record(self, document: Document, commit: bool = True) -> None:
        """Make the article's rows those of `document`. Rows that stay the same are
        kept (so re-recording an unchanged article marks no group changed), the
        others deleted and the new ones inserted, in one transaction (left open
        with commit=False)."""
        self.replace(document.name, document_occurrences(document), commit=commit)

    def replace(self, article: str, occurrences: list[Occurrence], commit: bool = True) -> None:
        """`record` with the occurrences given."""
        try:
            wanted = Counter(occurrences)
            stale: list[int] = []
            for rowid, kind, key, variant, sentence, source in self._db.execute(
                    "SELECT o.rowid, g.kind, g.key, o.variant, o.sentence, o.source FROM occurrences o"
                    " JOIN groups g ON g.id = o.grp WHERE o.article = ?", (article,)):
                kept = Occurrence(kind, key, variant, sentence, source)
                if wanted[kept] > 0:
                    wanted[kept] -= 1
                else:
                    stale.append(rowid)
            self._db.executemany("DELETE FROM occurrences WHERE rowid = ?", [(rowid,) for rowid in stale])
            added = []
            for occurrence in occurrences:  # in document order, so rowids follow it
                if wanted[occurrence] > 0:
                    wanted[occurrence] -= 1
                    added.append(occurrence)
            # Their groups first (ids in the same order), then the rows, two statements
            # for the article rather than three a row.
            self._db.executemany("INSERT INTO groups (kind, key) VALUES (?, ?) ON CONFLICT (kind, key) DO NOTHING",
                                 [(o.kind, o.key) for o in added])
            self._db.executemany(
                "INSERT INTO occurrences (grp, variant, article, sentence, source)"
                " SELECT id, ?, ?, ?, ? FROM groups WHERE kind = ? AND key = ?",
                [(o.variant, article, o.sentence, o.source, o.kind, o.key) for o in added])
            if commit:
                self._db.commit()
        except BaseException:
            if commit:  # else the caller's transaction (or savepoint) is the caller's to roll back
                self._db.rollback()
            raise

    def forget(self, article: str, commit: bool = True) -> None:
        """Remove an article (its outputs are gone)."""
        try:
            self.replace(article, [], commit=False)
            self._db.execute("DELETE FROM flagged WHERE article = ?", (article,))
        except BaseException:
            if commit:
                self._db.rollback()
            raise
        if commit:
            self._db.commit()

    @contextmanager
    def recording(self, document: Document, commit: bool = True) -> Iterator[dict[str, list[str]]]:
        """Record `document` and yield its inconsistency flags; the block writes the
        article's files with them. Kept (with the flags as the article's files now
        carry them) when the block ends normally, else the article's rows are rolled
        back, and only them. `commit`: committed at once; False: left in the open
        transaction, for `commit` once the article's files are written (a run commits
        its articles a batch at a time: align.pipeline.run)."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN")  # a savepoint outside a transaction would commit at its release
        self._db.execute("SAVEPOINT article")
        try:
            self.record(document, commit=False)
            flags = self.flags_for(document.name)
            yield flags
            self.set_flagged(document.name, flags, commit=False)
        except BaseException:
            if self._db.in_transaction:  # (some errors, a full disk, end the transaction themselves)
                self._db.execute("ROLLBACK TO article")
                self._db.execute("RELEASE article")
            if commit:
                self._db.rollback()
            raise
        self._db.execute("RELEASE article")
        if commit:
            self._db.commit()

    # ------------------------------------------------------------ reading
    def flags_for(self, article: str) -> dict[str, list[str]]:
        """The article's rows that take part in an inconsistency: sentence id →
        details, each naming the French and the other variants with the first
        article that has each, e.g. `« Jean-Marc Ayrault »: also "Jean-Marc
        Ayraut" (article 003)`."""
        flags: dict[str, list[str]] = {}
        others: dict[tuple[int, str], str] = {}
        for sentence, grp, variant, source, count in self._db.execute(
                "SELECT o.sentence, o.grp, o.variant, o.source, g.variants FROM occurrences o"
                " JOIN groups g ON g.id = o.grp WHERE o.article = ? AND g.variants >= 2 ORDER BY o.rowid",
                (article,)).fetchall():
            if (grp, variant) not in others:
                named = []
                for other, first in self._db.execute(
                        "SELECT variant, first_article FROM variants WHERE grp = ? AND variant != ?"
                        " ORDER BY variant LIMIT ?", (grp, variant, OTHER_VARIANTS_IN_FLAG)):
                    text = f'"{_shorten(other)}"' if other else "missing"
                    named.append(f"{text} ({'this article' if first == article else f'article {first}'})")
                more = count - 1 - len(named)
                others[(grp, variant)] = ", ".join(named) + (f" and {more} more" if more > 0 else "")
            detail = f"« {_shorten(source)} »: also {others[(grp, variant)]}"
            details = flags.setdefault(sentence, [])
            if detail not in details:
                details.append(detail)
        return flags

    def inconsistent_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM groups WHERE variants >= 2").fetchone()[0]

    def inconsistencies(self, limit: int = INDEX_GROUPS, links: int = INDEX_LINKS,
                        variants: int = 10) -> list[Inconsistency]:
        """The keys with two or more variants, most occurrences first (at most
        `limit`), each with its variants (most frequent first, at most `variants`),
        their counts and up to `links` (article, sentence id) each."""
        groups = []
        for grp, kind, key, occurrences, count in self._db.execute(
                "SELECT id, kind, key, occurrences, variants FROM groups WHERE variants >= 2"
                " ORDER BY occurrences DESC, id LIMIT ?", (limit,)).fetchall():
            listed = []
            for text, n in self._db.execute(
                    "SELECT variant, occurrences FROM variants WHERE grp = ? ORDER BY occurrences DESC, variant"
                    " LIMIT ?", (grp, variants)).fetchall():
                rows = self._db.execute(
                    "SELECT article, sentence FROM occurrences WHERE grp = ? AND variant = ?"
                    " ORDER BY article, rowid LIMIT ?", (grp, text, links)).fetchall()
                listed.append(Variant(text, n, [tuple(row) for row in rows]))
            groups.append(Inconsistency(kind, key, occurrences, listed, more_variants=count - len(listed)))
        return groups

    def report(self, limit: int = INDEX_GROUPS, links: int = INDEX_LINKS) -> InconsistencyReport:
        return InconsistencyReport(self.inconsistencies(limit, links), self.inconsistent_count())

    def articles(self) -> int:
        """How many articles have rows."""
        return self._db.execute("SELECT COUNT(DISTINCT article) FROM occurrences").fetchone()[0]

    # ------------------------------------------------------------ flag bookkeeping
    def changed_groups(self) -> list[int]:
        """Groups whose rows' flags may differ from what their articles' files carry."""
        return [row[0] for row in self._db.execute("SELECT grp FROM changed ORDER BY grp")]

    def changed_articles(self, groups: list[int] | None = None) -> list[str]:
        """Articles with rows in `groups` (default: `changed_groups`), by name."""
        groups = self.changed_groups() if groups is None else groups
        names: set[str] = set()
        for grp in groups:
            names.update(row[0] for row in self._db.execute(
                "SELECT DISTINCT article FROM occurrences WHERE grp = ?", (grp,)))
        return sorted(names)

    def clear_changed(self, groups: list[int] | None = None) -> None:
        """Forget that `groups` (default: all) changed: their articles' flags are set."""
        with self._db:
            if groups is None:
                self._db.execute("DELETE FROM changed")
            else:
                self._db.executemany("DELETE FROM changed WHERE grp = ?", [(grp,) for grp in groups])

    def flagged(self, article: str) -> dict[str, list[str]]:
        """The inconsistency flags the article's files carry, as last set."""
        row = self._db.execute("SELECT flags FROM flagged WHERE article = ?", (article,)).fetchone()
        return json.loads(row[0]) if row else {}

    def set_flagged(self, article: str, flags: dict[str, list[str]], commit: bool = True) -> None:
        if flags:
            self._db.execute("INSERT INTO flagged (article, flags) VALUES (?, ?) ON CONFLICT (article)"
                             " DO UPDATE SET flags = excluded.flags", (article, json.dumps(flags, ensure_ascii=False)))
        else:
            self._db.execute("DELETE FROM flagged WHERE article = ?", (article,))
        if commit:
            self._db.commit()


def open_existing(path: Path) -> ConsistencyIndex | None:
    """The output folder's store (`OutputFolder.consistency`) when it has one (a folder
    of `align pair`, or of an align before this store, has none)."""
    if not path.is_file():
        return None
    try:
        return ConsistencyIndex(path)
    except sqlite3.DatabaseError:
        return None

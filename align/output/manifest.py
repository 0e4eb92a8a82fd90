"""manifest.json, the record of a run or a merge, written and read here only.

Its members, in this order: the run's header (`RunHeader`: tool, version, policy
version, created, the one-line `Signature`, the engine, the settings, the glossary,
the shard, the environment), what it did (`counts`, `timings`, `failed`), for a merge
`merged_from`, then `articles`, one entry per article. The articles are streamed both
ways (`Manifest.write`, `read_members`): a manifest of 100,000 articles is never one
Python object. The signature names how the outputs were made in one line, as
sacrebleu's does beside a score.
"""
from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from .. import POLICY_VERSION, __version__
from ..errors import UsageError
from .files import atomic_writer

READ_CHUNK = 1 << 16       # characters of a manifest read at a time
ARTICLES = "articles"


@dataclass(frozen=True)
class Signature:
    """What made the outputs, as one line: ``align:0.1.0|engine:ctranslate2|model:...|
    rev:...|beams:4|batch:...|maxlen:...|compute:int8|glossary:<sha256[:12]>|numbers:repair``."""

    version: str
    engine: Any
    model: Any
    revision: str
    beams: Any
    batch_size: Any
    batch_tokens: Any = None
    max_new_tokens: Any = None
    compute_type: Any = None
    glossary: str | None = None     # the glossary's sha256 (None: no glossary)
    numbers: str | None = None      # "repair" or "flag" (align.checks.repair; None: before numbers were repaired)

    @classmethod
    def of(cls, engine_signature: dict[str, Any], glossary_hash: str | None,
           numbers: str | None = None) -> "Signature":
        return cls(version=__version__, numbers=numbers, engine=engine_signature.get("engine"),
                   model=engine_signature.get("model"),
                   revision=str(engine_signature.get("revision") or "unknown"), beams=engine_signature.get("beams"),
                   batch_size=engine_signature.get("batch_size"), batch_tokens=engine_signature.get("batch_tokens"),
                   max_new_tokens=engine_signature.get("max_new_tokens"),
                   compute_type=engine_signature.get("compute_type"), glossary=glossary_hash)

    def __str__(self) -> str:
        parts = [f"align:{self.version}", f"engine:{self.engine}", f"model:{self.model}",
                 f"rev:{self.revision[:12]}", f"beams:{self.beams}"]
        parts.append(f"batch:{self.batch_tokens}tok/{self.batch_size}" if self.batch_tokens
                     else f"batch:{self.batch_size}")
        parts.append(f"maxlen:{self.max_new_tokens}")
        if self.compute_type:
            parts.append(f"compute:{self.compute_type}")
        parts.append(f"glossary:{self.glossary[:12] if self.glossary else 'none'}")
        if self.numbers:
            parts.append(f"numbers:{self.numbers}")
        return "|".join(parts)


def environment() -> dict[str, str]:
    """The versions of Python and of the libraries that shaped this process's
    translations or scores: those it imported (the engine's own; a CTranslate2 run
    never imports torch, and importing it here would cost a short run seconds)."""
    versions = {"python": platform.python_version()}
    for module in ("torch", "transformers", "sentencepiece", "ctranslate2", "sacrebleu"):
        version = getattr(sys.modules.get(module), "__version__", None)
        if version:
            versions[module] = str(version)
    return versions


@dataclass
class RunHeader:
    """What identifies a run, known before any article is translated; every output
    of the run carries it (the page shows it, the TSV's memory keys follow it)."""

    signature: str
    engine: dict[str, Any]
    settings: dict[str, Any]
    glossary: dict[str, Any] | None = None     # path, sha256, entries
    shard: str | None = None                   # "K/N"
    environment: dict[str, str] = field(default_factory=dict)
    created: str | None = None                 # ISO 8601, UTC, to the second
    version: str | None = __version__
    policy_version: int | None = POLICY_VERSION
    tool: str | None = "align"

    FIELDS = ("tool", "version", "policy_version", "created", "signature", "engine", "settings", "glossary",
              "shard", "environment")

    @classmethod
    def of(cls, engine_signature: dict[str, Any], glossary, glossary_path, settings: dict[str, Any],
           shard: tuple[int, int] | None) -> "RunHeader":
        glossary_hash = getattr(glossary, "sha256", None) if glossary is not None else None
        return cls(
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            signature=str(Signature.of(engine_signature, glossary_hash, settings.get("numbers"))),
            engine=engine_signature, settings=settings,
            glossary=None if glossary is None else {"path": str(glossary_path) if glossary_path else None,
                                                    "sha256": glossary_hash, "entries": len(glossary)},
            shard=f"{shard[0]}/{shard[1]}" if shard else None, environment=environment())

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}


@dataclass
class Manifest:
    """manifest.json but its articles: the run's header, its counts, timings and
    failures, and for a merge the folders it merged. Members it does not know (a
    later align's) are kept, after its own."""

    header: RunHeader
    counts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    merged_from: list[dict[str, Any]] | None = None
    other: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, members: dict[str, Any]) -> "Manifest":
        """A manifest from its members (`articles` left out); a member an older align
        did not write is None."""
        header = RunHeader(**{name: members.get(name) for name in RunHeader.FIELDS})
        own = set(RunHeader.FIELDS) | {"counts", "timings", "failed", "merged_from", ARTICLES}
        return cls(header, counts=members.get("counts") or {}, timings=members.get("timings") or {},
                   failed=members.get("failed") or [], merged_from=members.get("merged_from"),
                   other={key: value for key, value in members.items() if key not in own})

    @classmethod
    def read_header(cls, path: Path) -> "Manifest":
        """The manifest at `path` but its articles, streamed past them."""
        return cls.from_json({key: value for key, value in read_members(path) if key != ARTICLES})

    @classmethod
    def read(cls, path: Path) -> tuple["Manifest", list[dict[str, Any]]]:
        """The manifest at `path` and its article entries (those that are objects)."""
        members: dict[str, Any] = {}
        articles: list[dict[str, Any]] = []
        for key, value in read_members(path):
            if key == ARTICLES:
                if isinstance(value, dict):
                    articles.append(value)
            else:
                members[key] = value
        return cls.from_json(members), articles

    def to_json(self) -> dict[str, Any]:
        members = {**self.header.to_json(), "counts": self.counts, "timings": self.timings, "failed": self.failed}
        if self.merged_from is not None:
            members["merged_from"] = self.merged_from
        return {**members, **self.other}

    def write(self, path: Path, articles: Iterable[dict[str, Any]]) -> Path:
        """manifest.json at `path`: the members, then "articles" streamed from `articles`
        (laid out as json.dumps(indent=2) lays out a list), written atomically."""
        head = json.dumps(self.to_json(), ensure_ascii=False, indent=2)
        with atomic_writer(path, encoding="utf-8") as stream:
            stream.write(head[:-2] + ',\n  "articles": [' if len(head) > 2 else '{\n  "articles": [')
            written = 0
            for article in articles:
                item = json.dumps(article, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                stream.write(("," if written else "") + "\n    " + item)
                written += 1
            stream.write("\n  ]\n}\n" if written else "]\n}\n")
        return path


# ---------------------------------------------------------------- reading, streamed
class _JsonReader:
    """Top-level members of a JSON object read from a text stream a chunk at a time,
    the members of its "articles" list one by one: a manifest of 100,000 articles is
    never one Python object."""

    _SPACE = " \t\r\n"

    def __init__(self, stream: IO[str], chunk: int = READ_CHUNK) -> None:
        self._stream = stream
        self._chunk = chunk
        self._buffer = ""
        self._at = 0
        self._eof = False
        self._decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(self._chunk)
        if not chunk:
            self._eof = True
            return False
        self._buffer = self._buffer[self._at:] + chunk
        self._at = 0
        return True

    def _next_char(self) -> str:
        """The next character that is not white space (not consumed); "" at the end."""
        while True:
            while self._at < len(self._buffer) and self._buffer[self._at] in self._SPACE:
                self._at += 1
            if self._at < len(self._buffer) or not self._more():
                return self._buffer[self._at:self._at + 1]

    def _expect(self, chars: str) -> str:
        char = self._next_char()
        if not char or char not in chars:
            raise ValueError(f"expected {' or '.join(repr(c) for c in chars)}, found {char or 'the end'!r}")
        self._at += 1
        return char

    def _value(self) -> Any:
        self._next_char()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._at)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise ValueError(exc.msg) from None
            # A number that ends the buffer may go on in the next chunk.
            if end == len(self._buffer) and not isinstance(value, (dict, list, str)) and self._more():
                continue
            self._at = end
            return value

    def members(self, streamed: str) -> Iterator[tuple[str, Any]]:
        """(key, value) of the object's members; the list under `streamed` as
        (streamed, item) for each of its items."""
        self._expect("{")
        if self._next_char() == "}":
            self._at += 1
            return
        while True:
            key = self._value()
            if not isinstance(key, str):
                raise ValueError("expected a member name")
            self._expect(":")
            if key == streamed and self._next_char() == "[":
                self._at += 1
                if self._next_char() == "]":
                    self._at += 1
                else:
                    while True:
                        yield key, self._value()
                        if self._expect(",]") == "]":
                            break
            else:
                yield key, self._value()
            if self._expect(",}") == "}":
                return


def read_members(path: Path, chunk: int = READ_CHUNK) -> Iterator[tuple[str, Any]]:
    """The members of manifest.json at `path`, streamed: (key, value) for each, and
    ("articles", entry) for each article entry, read `chunk` characters at a time."""
    try:
        with path.open(encoding="utf-8") as stream:
            yield from _JsonReader(stream, chunk).members("articles")
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a manifest of align translate ({exc})") from None

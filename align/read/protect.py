"""Protected syntax: text that comes back byte for byte and is never translated.

Documentation and templates carry syntax that a model would translate into noise:
template tags and macros, shortcodes, alert markers. Readers of formatted articles
(Markdown, HTML, Word) keep every span found here, as they do URLs: one that marks
structure (`is_marker`: a statement, a comment, a shortcode, an alert) becomes a
placeholder the model never sees; one that stands for words (a ``{{ value }}``, a
macro, the user's patterns) stays in the sentence the model reads and is kept
verbatim by the term policy (align.markup). Either way the writer puts the source's
text back, byte for byte, where the words around it went.

Built in (`BUILTIN`):

- ``template``: ``{{ … }}``, ``{% … %}``, ``{# … #}`` on one line — Jinja, Django,
  Liquid, Twig, Handlebars, docxtpl, MDN's ``{{jsxref("undefined")}}`` macros, Hugo's
  ``{{< shortcode >}}`` and ``{{% shortcode %}}``;
- ``shortcode``: bracket shortcodes (WordPress, Grav): ``[name key="value" …]``,
  ``[/name]``, and ``[name]`` when its name has a ``-`` or ``_`` (``[sic]`` is prose)
  and no link goes on with it (``[en-dessous](…)``, ``[en-dessous][ref]`` are link text);
- ``alert``: ``[!NOTE]``, ``[!WARNING]``… (GitHub and Microsoft Learn alerts);
- ``definition``: MDN's ``: `` that opens a definition in a list item (``- : …``), at
  the start of a paragraph only.

Users add their own with ``--protect REGEX`` (repeatable): each match is protected
too. A team shares them in a file (`PATTERNS_FILE`, ``protect.txt``; `read_patterns`):
``align translate`` reads the one beside the glossary in use, and ``--protect-file FILE``
names others; their patterns come before the ``--protect`` ones. A run records them
all in the manifest (``settings.protect``) and in the output folder
(``.align/protect.json``), and re-reading an article's kept source for its same-format
output after a review uses the same ones.

Plain-text articles have no markup: their URLs are only kept whole by the segmenter.
A template tag whose characters Word split over several runs is found across them
(align.read.formats.docx).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .text import read_bytes, utf8_text

# The user's patterns shared by a team: one Python regular expression a line, beside
# the glossary (`align translate` reads it from the glossary's folder; see read_patterns).
PATTERNS_FILE = "protect.txt"

# A template's statements and comments ({% if %}, {# … #}): structure, not words.
_STATEMENTS = r"\{%.*?%\}|\{#.*?#\}"
BUILTIN: dict[str, str] = {
    "template": r"\{\{.*?\}\}|" + _STATEMENTS,
    "shortcode": r"\[/[A-Za-z][\w-]*\]"
                 r"|\[[A-Za-z][\w-]*(?:\s+[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\]\"']+))+\s*/?\]"
                 r"|\[[A-Za-z][A-Za-z0-9]*[-_][\w-]*\](?![(\[])",  # ([en-dessous](url): a link's text)
    "alert": r"\[![A-Za-z]+\]",
}
# Only where a paragraph starts.
AT_START: dict[str, str] = {
    "definition": r":[ \t]+",
}
# Protected syntax that marks structure rather than standing for words (a template's
# {% statement %} or {# comment #}, a Hugo {{< shortcode >}} or {{% shortcode %}}, a
# [shortcode], an alert, a definition's marker): kept out of the sentence the model
# reads. The rest (a template's {{ value }}, an MDN {{macro}}, the user's patterns)
# stays in it, kept verbatim, so the model reads a whole sentence (align.markup).
_MARKER_RE = re.compile("|".join([_STATEMENTS, r"\{\{<.*?>\}\}|\{\{%.*?%\}\}", BUILTIN["shortcode"],
                                  BUILTIN["alert"], *AT_START.values()]), re.DOTALL)


def is_marker(text: str) -> bool:
    return _MARKER_RE.fullmatch(text) is not None


# A quick test before any pattern runs: text without these characters has no built-in match.
_TRIGGERS = re.compile(r"[{\[]")


@dataclass(frozen=True)
class Protection:
    """The protected syntax of a run: the built-in patterns and the user's."""

    user: tuple[str, ...] = ()
    builtin: bool = True
    _pattern: re.Pattern | None = field(default=None, compare=False, repr=False)
    _start: re.Pattern | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        parts = (list(BUILTIN.values()) if self.builtin else []) + [f"(?:{p})" for p in self.user]
        object.__setattr__(self, "_pattern", re.compile("|".join(parts)) if parts else None)
        object.__setattr__(self, "_start", re.compile("|".join(AT_START.values())) if self.builtin else None)

    @classmethod
    def with_patterns(cls, patterns: tuple[str, ...] | list[str]) -> "Protection":
        """Built-ins and the user's patterns; a pattern that does not compile, or that
        matches the empty string, is a ValueError saying which."""
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"--protect {pattern!r}: not a regular expression ({error})") from None
            problem = pattern_problem(pattern)
            if problem:
                raise ValueError(f"--protect {pattern!r}: {problem}")
        try:
            return cls(user=tuple(patterns))
        except re.error as error:  # each compiles, not all together: a group name used twice
            raise ValueError(f"the protected patterns do not go together ({error.msg}); "
                             f"give each group its own name") from None

    @classmethod
    def from_files(cls, files=(), patterns=()) -> "Protection":
        """Built-ins, then the patterns of each file of `files` (`read_patterns`), then
        `patterns` (``--protect``), each pattern once. A bad pattern in a file is an
        InputError naming the file and line; a bad one of `patterns`, a ValueError."""
        combined = [pattern for path in files for pattern in read_patterns(path)] + list(patterns)
        return cls.with_patterns(list(dict.fromkeys(combined)))

    def spans(self, text: str, at_start: bool = False) -> list[tuple[int, int]]:
        """(start, end) of each protected span of `text`, in order, never overlapping;
        `at_start`: `text` opens its paragraph."""
        spans: list[tuple[int, int]] = []
        cursor = 0
        if at_start and self._start is not None:
            match = self._start.match(text)
            if match:
                spans.append(match.span())
                cursor = match.end()
        if self._pattern is None or (not self.user and not _TRIGGERS.search(text, cursor)):
            return spans
        for match in self._pattern.finditer(text, cursor):
            if match.end() > match.start():
                spans.append(match.span())
        return spans


DEFAULT = Protection()


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a protected pattern, or None when it can."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return str(error)
    try:  # patterns run together, each in (?:…): a global flag must stay at the start
        re.compile(f"(?:{pattern})")
    except re.error as error:
        return f"{error.msg}; flags apply to one pattern: write (?i:…) rather than (?i)"
    if compiled.match(""):
        return "matches empty text; a pattern must match something"
    return None


def read_patterns(path: str | Path) -> list[str]:
    """The patterns of a `PATTERNS_FILE`: one Python regular expression a line, UTF-8
    (a BOM is skipped). Blank lines and lines starting with ``#`` are skipped, and
    spaces around a pattern are dropped (a space at a pattern's edge is ``[ ]``, a
    pattern that starts with ``#`` is written ``\\#…``). Every failure is an InputError
    of one line: an unreadable file, or ``FILE:LINE: bad pattern "…" (why)``."""

    text = utf8_text(read_bytes(path), path)
    patterns: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):  # as editors number lines
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        problem = pattern_problem(pattern)
        if problem:
            raise InputError(f'{path}:{number}: bad pattern "{pattern}" ({problem})')
        patterns.append(pattern)
    return patterns


def patterns_file_in(folder: str | Path) -> Path | None:
    """`folder`'s `PATTERNS_FILE`, or None where there is none (then there are simply no
    patterns; one that exists but cannot be read is said by `read_patterns`)."""
    path = Path(folder) / PATTERNS_FILE
    return path if path.exists() else None


# The output folder remembers the user's patterns: re-reading an article's kept source
# (for its same-format file after a review) must find the sentences its TSV has.
def saved_text(protection: Protection) -> str:
    """What `OutputFolder.protection` holds for `protection` (the pipeline writes it, `load_protection` reads it)."""
    return json.dumps({"user": list(protection.user)}, ensure_ascii=False) + "\n"


def load_protection(path: Path) -> Protection:
    """The protection a run read its articles with, from the file it saved
    (`OutputFolder.protection`)."""
    try:
        return Protection.with_patterns(json.loads(path.read_text(encoding="utf-8")).get("user", []))
    except (OSError, ValueError, AttributeError):  # none saved (an older folder), or damaged: the built-ins
        return DEFAULT

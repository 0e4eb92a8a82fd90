"""Protected syntax: text that comes back byte for byte and is never translated.

Documentation and templates carry syntax that a model would translate into noise:
template tags and macros, shortcodes, alert markers. Readers of formatted articles
(Markdown, HTML, Word) turn every span found here into a placeholder, as they do
for URLs: the model never sees it, and the writer puts it back where the words
around it went.

Built in (`BUILTIN`):

- ``template``: ``{{ … }}``, ``{% … %}``, ``{# … #}`` on one line — Jinja, Django,
  Liquid, Twig, Handlebars, docxtpl, MDN's ``{{jsxref("undefined")}}`` macros, Hugo's
  ``{{< shortcode >}}`` and ``{{% shortcode %}}``;
- ``shortcode``: bracket shortcodes (WordPress, Grav): ``[name key="value" …]``,
  ``[/name]``, and ``[name]`` when its name has a ``-`` or ``_`` (``[sic]`` is prose);
- ``alert``: ``[!NOTE]``, ``[!WARNING]``… (GitHub and Microsoft Learn alerts);
- ``definition``: MDN's ``: `` that opens a definition in a list item (``- : …``), at
  the start of a paragraph only.

Users add their own with ``--protect REGEX`` (repeatable): each match is protected
too. A run records them in the manifest (``settings.protect``) and in the output
folder (``.align/protect.json``), and re-reading an article's kept source for its
same-format output after a review uses the same ones.

Plain-text articles have no placeholders: their URLs are only kept whole by the
segmenter. A template tag whose characters Word split over several runs is not
found (each run is read on its own).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

BUILTIN: dict[str, str] = {
    "template": r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}",
    "shortcode": r"\[/[A-Za-z][\w-]*\]"
                 r"|\[[A-Za-z][\w-]*(?:\s+[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\]\"']+))+\s*/?\]"
                 r"|\[[A-Za-z][A-Za-z0-9]*[-_][\w-]*\]",
    "alert": r"\[![A-Za-z]+\]",
}
# Only where a paragraph starts.
AT_START: dict[str, str] = {
    "definition": r":[ \t]+",
}
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
                compiled = re.compile(pattern)
            except re.error as error:
                raise ValueError(f"--protect {pattern!r}: not a regular expression ({error})") from None
            if compiled.match(""):
                raise ValueError(f"--protect {pattern!r}: matches empty text; a pattern must match something")
        return cls(user=tuple(patterns))

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


# The output folder remembers the user's patterns: re-reading an article's kept source
# (for its same-format file after a review) must find the sentences its TSV has.
SAVED = Path(".align") / "protect.json"


def saved_text(protection: Protection) -> str:
    """What `SAVED` holds for `protection` (the pipeline writes it, `load_protection` reads it)."""
    return json.dumps({"user": list(protection.user)}, ensure_ascii=False) + "\n"


def load_protection(out_dir: str | Path) -> Protection:
    """The protection the last run into `out_dir` read its articles with."""
    path = Path(out_dir) / SAVED
    try:
        return Protection.with_patterns(json.loads(path.read_text(encoding="utf-8")).get("user", []))
    except (OSError, ValueError, AttributeError):  # none saved (an older folder), or damaged: the built-ins
        return DEFAULT

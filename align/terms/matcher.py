"""Find many fixed phrases in a text at once: the glossary's matcher.

`Matcher(forms).find(text)` returns the spans of `text` where the given forms
occur, with the glossary's rules (docs/glossary.md, *Matching*):

* whole words only: a match never starts or ends inside a run of Unicode letters
  and digits (a form that starts or ends with another character, such as ``-``,
  has no boundary on that side);
* ``’`` (and the other typographic apostrophes) and ``'`` are the same character,
  so an elided article stays outside the match (``l'IAG`` → ``IAG``);
* a space in a form matches any run of whitespace in the text;
* case-insensitive, except forms declared case-sensitive: those match exactly,
  or with their first letter capitalised when it is lower case (a term may
  start a sentence) unless that is turned off too (``keep-case``);
* at one start only the longest form counts (among forms of equal length the
  first given); where matches overlap the longest wins, then the earliest;
* offsets index the text as given.

How: the text is folded once (apostrophes, lower case) and cut into tokens — a
run of letters and digits, or one other character, each with the whitespace
before it, which counts as one space — and a trie of token sequences (a dict per
node, as spaCy's PhraseMatcher walks its key sequences) is walked from every
token that starts some form. Cost grows with the text, not with the
number of forms. Chosen over Aho–Corasick on characters (pyahocorasick) by
measurement: the automaton reports every form inside longer words (``ia`` in
``social``) and each report costs a Python-level boundary check; see
benchmarks/glossary_scale.py and benchmarks/README.md.

`RegexMatcher` is the previous implementation (one regex alternation, slow
beyond a few hundred forms); the tests and the benchmark use it as the
reference the trie must agree with.
"""
from __future__ import annotations

import gc
import re
from itertools import accumulate
from typing import Iterable, Sequence

from ..read.text import APOSTROPHES, plain_apostrophes

Span = tuple[int, int, int]   # (start, end, form index)

_WORD = r"[^\W_]"   # a letter or a digit
# A token: a word (letters and digits) or one other non-space character, with
# the whitespace before it: one space in a squeezed form, any run in a text.
_TOKEN = re.compile(r" ?(?:[^\W_]+|\S)")
_SPACED_TOKEN = re.compile(r"\s*(?:[^\W_]+|\S)")
_SPACES = re.compile(r"\s{2,}|[^\S ]")   # what squeezing changes: runs, and tabs, line breaks...
_TERMINAL = ""   # the trie key under which a node lists the forms ending there


# Letters Python's re treats as equal without ignoring case alike (re._casefix):
# each is folded onto one member of its class, so folding agrees with re's
# IGNORECASE on every cased character but U+0345 (a combining mark re equates
# with ι; folding it would make a mark a letter).
_EXTRA_CASES = str.maketrans(
    "\u0131\u017f\u03bc\u03c3\u03d0\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5\u1c80\u1c81\u1c82\u1c83"
    "\u1c84\u1c85\u1c86\u1c87\u1e9b\u1fd3\u1fe3\ua64b\ufb06\u1fbe",
    "\u0069\u0073\u00b5\u03c2\u03b2\u03b8\u03c6\u03c0\u03ba\u03c1\u03b5\u0432\u0434\u043e\u0441"
    "\u0442\u0442\u044a\u0463\u1e61\u0390\u03b0\u1c88\ufb05\u03b9")
_EXTRA_CASE_CHARS = re.compile("[" + "".join(chr(c) for c in _EXTRA_CASES) + "]")


def fold(text: str) -> str:
    """Lower case, one character for one, ’ as '. ``İ`` (which lower-cases to two
    characters) becomes ``i``, and letters re matches as equal (``ſ``/``s``,
    ``ς``/``σ``) fold alike, so offsets are kept and a match of folded strings is
    a case-insensitive match of the originals."""
    for apostrophe in APOSTROPHES:   # str.replace is faster than plain_apostrophes' translate
        if apostrophe in text:
            text = text.replace(apostrophe, "'")
    if "\u0130" in text:
        text = text.replace("\u0130", "i")
    text = text.lower()
    if _EXTRA_CASE_CHARS.search(text):
        text = text.translate(_EXTRA_CASES)
    return text


def _squeeze(text: str) -> str:
    """Every run of whitespace as one space."""
    return _SPACES.sub(" ", text)


def _capitalised(form: str) -> str | None:
    """`form` with its first letter upper-cased, when a case-sensitive form may
    also match that way (a lower-case first letter with a one-letter capital)."""
    first = form[0]
    upper = first.upper()
    if first.islower() and upper != first and len(upper) == 1:
        return upper + form[1:]
    return None


class Matcher:
    """Token-trie matcher over `forms`: tuples ``(form, case_sensitive)`` or
    ``(form, case_sensitive, capital_start)`` (see `add`), whose position in the
    sequence is the index `find` reports."""

    def __init__(self, forms: Iterable[tuple] = ()) -> None:
        self._root: dict = {}
        self.size = 0
        self.extend(forms)

    def add(self, form: str, case_sensitive: bool = False, capital_start: bool = True) -> int:
        """Add one form; returns its index. A case-sensitive form also matches
        with its lower-case first letter capitalised unless `capital_start` is
        false. A blank form is counted, never found."""
        squeezed = _squeeze(plain_apostrophes(form)).strip()
        return self._insert(squeezed, fold(squeezed), case_sensitive, capital_start)

    def extend(self, forms: Iterable[tuple]) -> None:
        """`add` every form; folds them all in one go, which loads large glossaries faster."""
        forms = list(forms)
        joined = "\x00".join(form[0] for form in forms)
        if joined.count("\x00") != max(len(forms) - 1, 0):   # a form holds NUL: one by one
            for form in forms:
                self.add(*form)
            return
        squeezed = _squeeze(plain_apostrophes(joined))
        # The trie is made of many small dicts, which set off the cyclic garbage
        # collector over and over (half the build time at 100,000 forms); it
        # holds no cycles, so collection waits until it is built.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for (_, *case), plain, folded in zip(forms, squeezed.split("\x00"), fold(squeezed).split("\x00")):
                self._insert(plain.strip(), folded.strip(), *case)
        finally:
            if collecting:
                gc.enable()

    def _insert(self, squeezed: str, folded: str, case_sensitive: bool = False, capital_start: bool = True) -> int:
        index = self.size
        self.size += 1
        if not squeezed:
            return index
        tokens = _TOKEN.findall(folded)
        # The first token of a match may follow a space or not: both keys lead to one node.
        first = tokens[0]
        node = self._root.get(first)
        if node is None:
            node = self._root[first] = self._root[" " + first] = {}
        for token in tokens[1:]:
            child = node.get(token)
            if child is None:
                child = node[token] = {}
            node = child
        # Case-sensitive forms keep the spellings the text must show exactly.
        exact = None
        if case_sensitive:
            exact = {squeezed}
            capital = _capitalised(squeezed) if capital_start else None
            if capital:
                exact.add(capital)
        terminal = node.get(_TERMINAL)
        if terminal is None:
            node[_TERMINAL] = [(index, exact)]
        else:
            terminal.append((index, exact))
        return index

    def find_all(self, text: str) -> list[Span]:
        """At every token where a form starts, the longest form found there
        (overlapping spans included), sorted by start."""
        if not self._root or not text:
            return []
        folded = fold(text)
        # Tokens with the whitespace before them: together they cover the text,
        # so their running lengths are offsets into `text`.
        pieces = _SPACED_TOKEN.findall(folded)
        if not pieces:
            return []
        ends = list(accumulate(map(len, pieces)))
        if _SPACES.search(folded):   # trie keys hold one plain space at most
            tokens = [" " + piece.lstrip() if piece[0].isspace() and (piece[0] != " " or piece[1].isspace())
                      else piece for piece in pieces]
        else:
            tokens = pieces
        root = self._root
        starts = [i for i, token in enumerate(tokens) if token in root]
        count = len(tokens)
        found: list[tuple[int, int, int]] = []
        for i in starts:
            token = tokens[i]
            node = root[token]
            start = -1
            best = -1
            j = i
            while True:
                terminal = node.get(_TERMINAL)
                if terminal is not None:
                    index, exact = terminal[0]
                    if exact is None:   # the first form here matches in any case
                        best, best_index = j, index
                    else:
                        if start < 0:
                            start = ends[i] - len(token) + (token[0] == " ")
                        spelling = _squeeze(plain_apostrophes(text[start:ends[j]]))
                        for index, exact in terminal:
                            if exact is None or spelling in exact:
                                best, best_index = j, index
                                break
                j += 1
                if j == count:
                    break
                node = node.get(tokens[j])
                if node is None:
                    break
            if best >= 0:
                if start < 0:
                    start = ends[i] - len(token) + (token[0] == " ")
                found.append((start, ends[best], best_index))
        return found

    def find(self, text: str) -> list[Span]:
        """Non-overlapping matches, sorted by start: see the module docstring."""
        return longest_first(self.find_all(text))


def longest_first(candidates: Sequence[Span]) -> list[Span]:
    """Keep the longest of overlapping spans (then the earliest), sorted by start."""
    ordered = sorted(candidates)
    kept: list[Span] = []
    cluster: list[Span] = []   # spans chained by overlaps, resolved together
    cluster_end = -1
    for span in ordered:
        if span[0] >= cluster_end:
            kept.extend(_resolve(cluster) if len(cluster) > 1 else cluster)
            cluster = []
        cluster.append(span)
        cluster_end = max(cluster_end, span[1])
    kept.extend(_resolve(cluster) if len(cluster) > 1 else cluster)
    return kept


def _resolve(cluster: list[Span]) -> list[Span]:
    origin = cluster[0][0]
    taken = bytearray(max(end for _, end, _ in cluster) - origin)   # 1 where a kept span lies
    kept = []
    for start, end, index in sorted(cluster, key=lambda c: (c[0] - c[1], c[0])):
        if 1 not in taken[start - origin:end - origin]:
            taken[start - origin:end - origin] = b"\x01" * (end - start)
            kept.append((start, end, index))
    return sorted(kept)


class RegexMatcher:
    """The former matcher, one regex alternation: the reference `Matcher` must
    agree with (slow: matching time grows with the number of forms)."""

    def __init__(self, forms: Iterable[tuple] = ()) -> None:
        self.forms = list(forms)
        patterns = []
        for index, (form, *case) in enumerate(self.forms):
            form = plain_apostrophes(form).strip()
            if form:
                patterns.append((len(form), index, self._pattern(form, *case)))
        # At one position the longest form is tried first.
        patterns.sort(key=lambda p: (-p[0], p[1]))
        alternatives = "|".join(f"(?P<f{index}>{pattern})" for _, index, pattern in patterns)
        self._regex = re.compile(f"(?=(?:{alternatives}))" if alternatives else r"(?!)")

    @staticmethod
    def _pattern(form: str, case_sensitive: bool = False, capital_start: bool = True) -> str:
        body = r"\s+".join(re.escape(word) for word in form.split())
        if case_sensitive:
            capital = _capitalised(form) if capital_start else None
            if capital:
                body = f"[{re.escape(form[0])}{re.escape(capital[0])}]" + body[len(re.escape(form[0])):]
        else:
            body = f"(?i:{body})"
        if re.match(_WORD, form[0]):
            body = rf"(?<!{_WORD}){body}"
        if re.match(_WORD, form[-1]):
            body = rf"{body}(?!{_WORD})"
        return body

    def find_all(self, text: str) -> list[Span]:
        found = []
        for match in self._regex.finditer(plain_apostrophes(text)):
            name = match.lastgroup
            if name is not None:
                found.append((match.start(name), match.end(name), int(name[1:])))
        return found

    def find(self, text: str) -> list[Span]:
        return longest_first(self.find_all(text))

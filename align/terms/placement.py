"""The term policy: glossary targets where their source was translated.

Both engines translate freely and return their pieces with the decoder's
cross-attention (align.mt.engines.base.Hypothesis). This module then, per sentence:

1. aligns every English word to the French word its attention peaks on
   (the rows of the word's pieces summed, EOS left out) — the same word
   alignment fills `SentencePair.alignment`;
2. finds which source term occurrences the model already translated with an
   accepted target form (align.terms.presence — the project's one definition):
   those are left alone, so no copy is ever added;
3. for each missing occurrence, replaces the English words aligned to its source
   span with the target (translate-then-substitute, as in Hasler et al. 2018's
   alignment-tied placement and Dinu et al. 2019's "code-switching" runs: the rest
   of the sentence stays what the model wrote); the words are trimmed of an edge
   article or possessive, and an `a`/`an` before them is fixed;
4. when no English word is aligned to the source span (the model dropped it),
   inserts the target after the English of the nearest preceding French word —
   the fallback, reported as `late` so the reviewer sees it (flag `term-late`).

Substitution works on text, not on the model's vocabulary, so a target the model
cannot spell (`Ørsted`, `Škoda`) comes out exactly. A term is `model` when the
model produced it, `forced` when placed here, `failed` when still missing (which
the policy never leaves, but memory or a caller's own text can).

Why not constrained beam search (Post & Vilar 2018)? On a trained model it needs
the model's agreement to place a term, and where the model disagrees (a target it
cannot spell, a term it rendered otherwise) it places the term where its scores
allow: filler then term at the length bound. Measured in benchmarks/terms.py.
"""
from __future__ import annotations

import re
from functools import lru_cache
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Sequence

if TYPE_CHECKING:
    import numpy as np

from ..document import ALIGNED_WORD_RE, TERM_FAILED, TERM_FORCED, TERM_MODEL, SentencePair, Term
from ..mt.engines.base import UNKNOWN_PIECE, WORD_BOUNDARY, Hypothesis, detokenize
from ..read.text import plain_apostrophes
from .presence import Span, at_sentence_start, locate, overlaps

# An English or French word for alignment (the data model's; apostrophes split, so an
# elided article or a possessive is its own word: `OpenAI's` → `OpenAI`, `s`).
WORD_RE = ALIGNED_WORD_RE
ARTICLES = frozenset({"the", "a", "an"})
# English words that attention often pins on a noun's French (its article, the
# auxiliary after a subject, a preposition before it) but that do not translate
# it: trimmed from the edges of the words a target replaces, so a term never
# swallows `has` in `Minister has said`.
FUNCTION_WORDS = ARTICLES | frozenset("""
    is are was were be been being has have had will would shall should can could may might must do does did
    of to in on at by for with from into about as than that which who whom whose this these those
    and or but not no i you he she it we they me him her us them my your his its our their s
""".split())
SPECIAL_PIECES = frozenset({"</s>", "<pad>", "<s>"})

Alignment = tuple[int, int, int, int]  # source start, source end, target start, target end


@dataclass
class AlignedWord:
    start: int          # span in the English text
    end: int
    piece: Span | None  # the French piece its attention peaks on (None: nothing to align)
    word: Span | None   # that piece's whole French word


def source_piece_spans(source: str, pieces: Sequence[str]) -> list[Span | None]:
    """Character span of each encoder piece in `source`, found in order.

    SentencePiece normalises some characters (NFKC), so a piece not found near
    the cursor is left unmapped rather than matched far away.
    """
    plain = plain_apostrophes(source)
    spans: list[Span | None] = []
    cursor = 0
    for piece in pieces:
        body = _piece_body(piece)
        if body is None:
            spans.append(None)
            continue
        found = plain.find(body, cursor, cursor + len(body) + 12)
        if found < 0:
            spans.append(None)
            continue
        spans.append((found, found + len(body)))
        cursor = found + len(body)
    return spans


@lru_cache(maxsize=1 << 16)  # (a vocabulary's pieces: the same few thousand over and over)
def _piece_body(piece: str) -> str | None:
    """The text a source piece stands for, as `source_piece_spans` looks for it; None
    for a piece that stands for none (special pieces, <unk>, a bare ▁)."""
    body = plain_apostrophes(piece.replace(WORD_BOUNDARY, ""))
    if piece in SPECIAL_PIECES or piece == UNKNOWN_PIECE or not body.strip():
        return None
    return body


def _word_around(words: Sequence[Span], span: Span, starts: Sequence[int] | None = None) -> Span:
    """The word of `words` (disjoint spans, in order; `starts` their starts) that
    `span` starts in or covers."""
    starts = [word[0] for word in words] if starts is None else starts
    k = bisect_right(starts, span[0]) - 1
    if k >= 0 and span[0] < words[k][1]:
        return words[k]
    k += 1
    if k < len(words) and words[k][0] < span[1]:
        return words[k]
    return span


def _in_words(span: Span, words: Sequence[Span], starts: Sequence[int]) -> bool:
    """Does `span` share a character with one of `words` (disjoint spans, in order)?"""
    k = bisect_left(starts, span[1]) - 1  # the last word starting before the span's end
    return k >= 0 and words[k][1] > span[0]


def align_words(source: str, hypothesis: Hypothesis, known: Sequence[Alignment] = ()) -> list[AlignedWord]:
    """Each English word of the hypothesis with the French it was translated from.

    A hypothesis without pieces (text that was joined or edited after decoding)
    is aligned by `known`, the alignment it already has."""
    text, piece_spans = detokenize(hypothesis.target_pieces)
    if text != hypothesis.text:
        links = {(tgt_start, tgt_end): (src_start, src_end) for src_start, src_end, tgt_start, tgt_end in known}
        return [AlignedWord(m.start(), m.end(), links.get(m.span()), links.get(m.span()))
                for m in WORD_RE.finditer(hypothesis.text)]
    import numpy as np  # here, not at import: a short run imports it while the engine works

    matrix = attention_matrix(hypothesis.attention)
    source_spans = source_piece_spans(source, hypothesis.source_pieces) if matrix.size else []
    # Only pieces inside words: attention parked on punctuation aligns nothing.
    source_words = [m.span() for m in WORD_RE.finditer(source)]
    word_starts = [word[0] for word in source_words]
    source_spans = [span if span is not None and _in_words(span, source_words, word_starts) else None
                    for span in source_spans]
    # In arrays: the columns of pieces outside words zeroed; a word's rows are the target
    # pieces overlapping it (`cover`, words × pieces), their attention summed by one
    # product, and its French piece the argmax of the sum.
    width = len(source_spans)
    matrix = _fit(matrix, width)
    matrix[:, [s for s, span in enumerate(source_spans) if span is None]] = 0.0
    english = [m.span() for m in WORD_RE.finditer(text)]
    if not english:
        return []
    spans = np.array(piece_spans, dtype=np.int64).reshape(-1, 2)[:len(matrix)]
    bounds = np.array(english, dtype=np.int64)
    cover = (spans[None, :, 0] < bounds[:, 1, None]) & (bounds[:, 0, None] < spans[None, :, 1])
    counts = cover.sum(axis=1)
    if width and len(spans):
        weights = cover.astype(np.float64) @ matrix[:len(spans)]
        best_piece = weights.argmax(axis=1)
        aligned = (counts > 0) & (weights[np.arange(len(english)), best_piece] > 0.0)
    else:
        best_piece = aligned = np.zeros(len(english), dtype=bool)
    only_row = cover.argmax(axis=1) if len(spans) else counts
    # (as lists: reading numpy's scalars one by one costs more than the products)
    best_piece, aligned, counts, only_row = best_piece.tolist(), aligned.tolist(), counts.tolist(), only_row.tolist()
    words: list[AlignedWord] = []
    for w, span in enumerate(english):
        best = source_spans[best_piece[w]] if aligned[w] else None
        if best is not None and counts[w] == 1:
            inside = _inside_copied_piece(text, piece_spans[only_row[w]], source, best, span)
            if inside is not None:  # a piece copied whole: its words map one to one
                words.append(AlignedWord(span[0], span[1], inside, inside))
                continue
        words.append(AlignedWord(span[0], span[1], best,
                                 _word_around(source_words, best, word_starts) if best else None))
    return words


def attention_matrix(attention) -> np.ndarray:
    """A hypothesis's attention (target pieces × source pieces) as a float64 array;
    ragged rows (lists of a caller's own) are padded with zeros."""
    import numpy as np

    if isinstance(attention, np.ndarray):
        return np.array(attention, dtype=np.float64, ndmin=2)  # a copy: columns are zeroed in it
    if not attention:
        return np.zeros((0, 0))
    longest = max(len(row) for row in attention)
    if all(len(row) == longest for row in attention):
        return np.array(attention, dtype=np.float64)
    matrix = np.zeros((len(attention), longest))
    for i, row in enumerate(attention):
        matrix[i, :len(row)] = row
    return matrix


def _fit(matrix: np.ndarray, width: int) -> np.ndarray:
    """`matrix` with exactly `width` columns (cut, or padded with zeros)."""
    import numpy as np

    if matrix.shape[1] >= width:
        return matrix[:, :width]
    return np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])))


def _inside_copied_piece(text: str, piece: Span, source: str, best: Span, word: Span) -> Span | None:
    """The French span of an English word that is the only word of `piece`, which
    copies the French piece `best` it attends to (`5.96|5.961` read and written as
    one piece holds three words; `n°{{` holds `n`, not the template glued to it): the
    same offsets in the French piece; None otherwise."""
    start, end = piece
    surface = text[start:end]
    body = surface.lstrip(" ")  # (a piece's ▁; a no-break space is the French's own)
    # (plain_apostrophes keeps a text's length: two lengths that differ settle it at once)
    if len(body) != best[1] - best[0]:
        return None
    body_start = start + len(surface) - len(body)
    french = source[best[0]:best[1]]
    if plain_apostrophes(body) == plain_apostrophes(french):
        offset = word[0] - body_start
        if 0 <= offset and word[1] - body_start <= len(body):
            return best[0] + offset, best[0] + offset + word[1] - word[0]
    return None


def word_alignment(words: Sequence[AlignedWord], source_offset: int = 0,
                   target_offset: int = 0) -> list[Alignment]:
    return [(w.word[0] + source_offset, w.word[1] + source_offset, w.start + target_offset, w.end + target_offset)
            for w in words if w.word is not None]


# -- English surface rules ----------------------------------------------------
_AN_LETTERS = set("AEFHILMNORSX")  # acronyms read letter by letter: an AGI, an FBI agent, a CEO
_AN_EXCEPTIONS = ("hour", "honest", "honor", "honour", "heir")
_A_EXCEPTIONS = ("uni", "use", "usu", "uti", "eu", "one", "once", "ubiq", "ura", "uro")


def indefinite_article(word: str) -> str:
    """`a` or `an` before `word` (by its sound, as far as spelling tells)."""
    if not word:
        return "a"
    letters = re.sub(r"[^\w]", "", word)
    if 1 < len(letters) <= 6 and letters.isupper():
        return "an" if letters[0] in _AN_LETTERS else "a"
    lower = word.lower()
    if lower.startswith(_AN_EXCEPTIONS):
        return "an"
    if lower.startswith(_A_EXCEPTIONS):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def capitalisable(term: Term) -> bool:
    """May the target's first letter be upper-cased at a sentence start? Not for a
    case-sensitive or keep-case entry, nor for `xAI`, `iPhone`, `eBay`."""
    target = term.target
    return (not term.case_sensitive and not term.keep_case and target[:1].islower()
            and not any(c.isupper() for c in target[1:]))


# -- placement ------------------------------------------------------------------
@dataclass
class Edit:
    start: int          # span of the English replaced (start == end: an insertion)
    end: int
    term: int           # index of the term placed
    late: bool
    # Punctuation the French had against verbatim text that the replaced English
    # carried (`def,` of `async def,`): written back around it.
    before: str = ""
    after: str = ""


def _runs(indices: list[int]) -> list[list[int]]:
    """Indices grouped into runs; one unaligned word may sit inside a run
    (`board of directors` where `of` followed `d'`)."""
    runs: list[list[int]] = []
    for index in indices:
        if runs and index - runs[-1][-1] <= 2:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _inside(piece: Span | None, span: Span) -> bool:
    return piece is not None and piece[0] < span[1] and span[0] < piece[1]


def _substitution(text: str, words: Sequence[AlignedWord], term: Term, taken: Sequence[Span]) -> Span | None:
    """The English words aligned to the term's source span, as one span to replace."""
    aligned = [i for i, w in enumerate(words) if _inside(w.piece, (term.start, term.end))
               and not overlaps((w.start, w.end), taken)]
    if not aligned:
        return None
    # The run carrying most of the term; the first where runs tie.
    run = max(_runs(aligned), key=len)
    keep = {word.lower() for word in WORD_RE.findall(term.target)}

    def trimmable(index: int) -> bool:
        word = text[words[index].start:words[index].end].lower()
        return word in FUNCTION_WORDS and word not in keep

    first = words[run[0]].start
    while run and trimmable(run[0]):
        run = run[1:]
    while run and trimmable(run[-1]):
        run = run[:-1]
    if not run:  # only function words were aligned: the term itself was dropped; it goes there
        return first, first
    start, end = _whole_token(text, words[run[0]].start, words[run[-1]].end)
    if overlaps((start, end), taken):  # a word of another term sits inside the run
        start, end = words[run[0]].start, words[run[0]].end
    return start, end


_CLOSING = ",.;:!?)]}»”\"'"
_OPENING = "([{«“\"'"
_TOKEN_RE = re.compile(r"[^\W_](?:[\w.%'-]*[^\W_])?[.%]?")


def _whole_token(text: str, start: int, end: int) -> tuple[int, int]:
    """The span grown to the whole space-delimited token (`U` of `U.S.`, `205` of
    `205%`), less its edge punctuation and a possessive `'s`; a dot stays where
    the token has another (`U.S.`) unless it ends the sentence. Tokens with other
    symbols (a URL, `and/or`) are not grown."""
    grown_start, grown_end = start, end
    while grown_start > 0 and not text[grown_start - 1].isspace():
        grown_start -= 1
    while grown_end < len(text) and not text[grown_end].isspace():
        grown_end += 1
    token = text[grown_start:grown_end]
    while token and token[0] in _OPENING:
        token, grown_start = token[1:], grown_start + 1
    sentence_end = not text[grown_end:].strip()
    while token and token[-1] in _CLOSING and (token[-1] != "." or "." not in token[:-1] or sentence_end):
        token, grown_end = token[:-1], grown_end - 1
    if plain_apostrophes(token).endswith("'s"):
        token, grown_end = token[:-2], grown_end - 2
    if not _TOKEN_RE.fullmatch(plain_apostrophes(token)) or not (grown_start <= start and end <= grown_end):
        return start, end
    return grown_start, grown_end


def _token_boundary(text: str, position: int) -> int:
    """An insertion point moved out of a token (`205|%` → `205%|`), before its closing punctuation."""
    if 0 < position < len(text) and not text[position - 1].isspace() and not text[position].isspace():
        start, end = _whole_token(text, position, position)
        return max(position, end)
    return position


def _debris(text: str, span: Span, term: Term, source: str) -> Span:
    """`span` grown over the symbols glued to it (not letters, digits, brackets or
    sentence punctuation) on each side where the French had a space or the
    sentence's edge: what the model made of a URL or code around the copy."""
    x, y = span
    spaced_before, spaced_after = _spaced_in_source(term, source)
    if spaced_before:
        while x > 0 and not text[x - 1].isspace() and not text[x - 1].isalnum() and text[x - 1] not in _OPENING:
            x -= 1
    if spaced_after:
        while y < len(text) and not text[y].isspace() and not text[y].isalnum() and text[y] not in _CLOSING:
            y += 1
    return x, y


_PUNCTUATION_AFTER = re.compile(r"[^\w\s]*")
_PUNCTUATION_BEFORE = re.compile(r"[^\w\s]*\Z")


def _punctuation(text: str) -> Counter:
    return Counter(c for c in text if not c.isspace() and not c.isalnum())


def _french_marks(term: Term, source: str) -> tuple[str, str]:
    """The punctuation the French had right against the term, before and after it."""
    return (_PUNCTUATION_BEFORE.search(source, 0, term.start).group(),
            _PUNCTUATION_AFTER.match(source, term.end).group())


def _glued_punctuation(replaced: str, term: Term, source: str) -> tuple[str, str]:
    """The punctuation the French had against a verbatim term (`,` of `async def`,)
    that the English being replaced holds beyond the term's own: the model moved
    it with the words it glued it to, and it stays the French's."""
    extra = _punctuation(replaced) - _punctuation(term.target)

    def taken(marks: str) -> str:
        kept = ""
        for mark in marks:
            if extra[mark] <= 0:
                break
            extra[mark] -= 1
            kept += mark
        return kept

    french_before, french_after = _french_marks(term, source)
    # Marks at the replaced text's edge that the French had there are the French's
    # (`/` of `gouv.fr/`, though the address has slashes of its own).
    edge_after = french_after if french_after and replaced.rstrip().endswith(french_after) else ""
    edge_before = french_before if french_before and replaced.lstrip().startswith(french_before) else ""
    extra -= _punctuation(edge_after + edge_before)
    after = edge_after or taken(french_after)
    before = edge_before or taken(french_before[::-1])[::-1]
    return before, after


def _own_marks(text: str, span: Span, term: Term, source: str) -> Span:
    """`span` grown over the punctuation around it that the verbatim text has itself:
    pieces of it the model split off (`flush: 'post'` read as `'post' flush:`, the
    braces of `{{ item.title }}` left on either side), glued or a space away, with
    the marks the French had against it (kept by `_glued_punctuation`)."""
    glued = _punctuation("".join(_french_marks(term, source)))
    budget = _punctuation(term.target) + glued - _punctuation(text[span[0]:span[1]])
    x, y = span
    grown = True
    while grown and budget:
        # marks glued on first, either side (`immediate:` of `: true immediate:`), then a
        # token of the text's marks alone a space away
        a, b = _glued_marks(text, x, -1, budget), _glued_marks(text, y, 1, budget)
        if (a, b) == (x, y):
            a = _spaced_marks(text, x, -1, budget)
            if a == x:
                b = _spaced_marks(text, y, 1, budget)
        grown = (a, b) != (x, y)
        x, y = a, b
    return x, y


def _glued_marks(text: str, edge: int, step: int, budget: Counter) -> int:
    """`edge` moved over the marks glued on it, before (`step` -1) or after (1), that
    `budget` still has (then taken from it)."""
    while 0 <= (at := edge if step > 0 else edge - 1) < len(text) and budget[text[at]] > 0:
        budget[text[at]] -= 1
        edge += step
    return edge


def _spaced_marks(text: str, edge: int, step: int, budget: Counter) -> int:
    """`edge` moved over the next token on that side if it is marks alone `budget` has."""
    if step < 0:
        end = len(text[:edge].rstrip())
        start = end
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        return start if _take_marks(text[start:end], budget) else edge
    start = len(text) - len(text[edge:].lstrip())
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return end if _take_marks(text[start:end], budget) else edge


def _copied_word_parts(words: Sequence[AlignedWord], span: Span, term: Term, source: str,
                       before: str, after: str) -> tuple[str, str]:
    """What the English being replaced copies of the French glued to the verbatim text
    (`l'` of `l'[`option x`](…)`, read `l'option x`): it stays the French's, written
    against the text as it was; else the marks `before`/`after`."""
    token_start, token_end = term.start, term.end
    while token_start > 0 and not source[token_start - 1].isspace():
        token_start -= 1
    while token_end < len(source) and not source[token_end].isspace():
        token_end += 1
    first, last = term.start, term.end
    for word in words:
        piece = word.piece
        if piece is not None and span[0] <= word.start and word.end <= span[1] \
                and piece[1] - piece[0] == word.end - word.start:  # a copy
            if token_start <= piece[0] < term.start:
                first = min(first, piece[0])
            if term.end < piece[1] <= token_end:
                last = max(last, piece[1])
    return (source[first:term.start] if first < term.start else before,
            source[term.end:last] if last > term.end else after)


_TOKEN = re.compile(r"\S+")


def _marks_copied(text: str, term: Term, source: str, taken: Sequence[Span]) -> Span | None:
    """Verbatim text of marks alone (`{{ }}`, `[ ]`), which no word aligns: the first
    English tokens of marks alone, a space apart, that hold its marks and no others
    than it and the French's marks against it (`}}), {{` of `{{ }}),`)."""
    need = _punctuation(term.target)
    allowed = need + _punctuation("".join(_french_marks(term, source)))
    for first in _TOKEN.finditer(text):
        if overlaps(first.span(), taken):
            continue
        budget, end = Counter(allowed), first.start()
        for token in _TOKEN.finditer(text, first.start()):
            if overlaps(token.span(), taken) or not _take_marks(token.group(), budget):
                break
            end = token.end()
            if not need - (allowed - budget):
                return first.start(), end
    return None


def _take_marks(token: str, budget: Counter) -> bool:
    """Whether `token` is marks alone that `budget` still has (then taken from it)."""
    marks = _punctuation(token)
    if not token or sum(marks.values()) != len(token) or marks - budget:
        return False
    budget.subtract(marks)
    return True


def _spaced_in_source(term: Term, source: str) -> tuple[bool, bool]:
    """Whether the French had a space (or the sentence's edge) before and after the term."""
    return (term.start == 0 or source[term.start - 1].isspace(),
            term.end == len(source) or source[term.end].isspace())


def _insertion_point(text: str, words: Sequence[AlignedWord], term: Term, source: str,
                     taken: Sequence[Span]) -> int:
    """Where a term the model dropped goes: after the English of the nearest
    French word before it, else before the English of the nearest after it,
    else at the proportional place of the sentence. Never tacked on at the end
    of the sentence unless its French ends the sentence too."""
    before = [w for w in words if w.word is not None and w.word[1] <= term.start]
    after = [w for w in words if w.word is not None and w.word[0] >= term.end]
    position = None
    if before:
        nearest = max(w.word[1] for w in before)
        position = max(w.end for w in before if w.word[1] == nearest)
        ends_english = not text[position:].strip(_CLOSING + " ")
        ends_french = not WORD_RE.search(source, term.end)
        if ends_english and not ends_french and after:
            position = None  # the English of the words after it comes earlier: go there
    if position is None and after:
        nearest = min(w.word[0] for w in after)
        position = min(w.start for w in after if w.word[0] == nearest)
    if position is None:
        share = term.start / max(1, len(source))
        ends = [0] + [m.end() for m in WORD_RE.finditer(text)]
        position = min(ends, key=lambda e: abs(e - share * len(text)))
    for start, end in taken:  # never inside another term's target
        if start < position < end:
            position = end
    return _token_boundary(text, position)


def _covered(terms: Sequence[Term], words: Sequence[AlignedWord], text: str) -> list[Span | None]:
    """For each term occurrence, the span of the model's own output that carries
    it, pairing present target spans with the occurrences their words were
    translated from; the spans the alignment gives to no occurrence go in order
    to those left, and a span whose words translate another term's French (the
    `def` of `async def`, for a `def` of its own) is the last resort."""
    # (words are in English order: those starting in a span found by bisection; the
    # occurrences a French piece overlaps, by bisection over their starts: thousands of
    # verbatim code spans in one sentence stay near-linear)
    word_starts = [w.start for w in words]
    by_start = sorted(range(len(terms)), key=lambda i: terms[i].start)
    starts = [terms[i].start for i in by_start]
    reach, furthest = [], -1  # the furthest end among the occurrences up to each
    for i in by_start:
        furthest = max(furthest, terms[i].end)
        reach.append(furthest)

    def aligned_to(span: Span) -> set[int]:
        """The occurrences whose French the words of `span` were translated from."""
        sources = set()
        for w in words[max(0, bisect_left(word_starts, span[0]) - 1):bisect_left(word_starts, span[1])]:
            if w.piece is None or w.end <= span[0]:
                continue
            piece = w.piece
            if piece[1] - piece[0] == w.end - w.start:  # a copy: its characters map one to one
                piece = (piece[0] + max(0, span[0] - w.start), piece[1] - max(0, w.end - span[1]))
            j = bisect_left(starts, piece[1]) - 1
            while j >= 0 and reach[j] > piece[0]:
                i = by_start[j]
                if _inside(piece, (terms[i].start, terms[i].end)):
                    sources.add(i)
                j -= 1
        return sources

    def choose(indices: list[int], spans: list[Span]) -> list[Span | None]:
        chosen: dict[int, Span] = {}
        free = list(indices)
        group = set(indices)
        unassigned, foreign = [], []
        for span in spans:
            sources = aligned_to(span)
            own = sorted(sources & set(free))
            if sources - group:
                foreign.append(span)   # some of its words translate another term's French
            elif own:
                chosen[own[0]] = span
                free.remove(own[0])
            else:
                unassigned.append(span)
        # Verbatim text is put back whole where it is not its own: a span whose words
        # translate another's (`new Boolean` of `String new Boolean`) is no copy of it.
        verbatim = all(terms[i].verbatim for i in indices)
        last_resort = [] if verbatim else foreign
        if verbatim:  # no word tells (a lone `.`): the copy with the French's neighbours first
            unassigned.sort(key=lambda span: -_same_neighbours(text, span, terms[indices[0]]))
        for span in unassigned + last_resort:
            if free:
                chosen[free.pop(0)] = span
        return [chosen.get(i) for i in indices]

    return locate(text, terms, choose)


def _same_neighbours(text: str, span: Span, term: Term) -> int:
    """On how many sides `span` has what the French had against the term (the
    character glued to it, or a space or the edge)."""
    before, after = text[span[0] - 1:span[0]].strip(), text[span[1]:span[1] + 1].strip()
    return (before == term.glued[0]) + (after == term.glued[1])


Replacement = tuple[int, int, str, Optional[Edit]]  # span of the original English, new text, edit


def _replacements(text: str, edits: list[Edit], terms: Sequence[Term], source: str = "") -> list[Replacement]:
    """The edits as text replacements, with sentence-start capitals and the
    `a`/`an` before a placed target made right."""
    replacements: list[Replacement] = []
    for edit in edits:
        term = terms[edit.term]
        target = term.target
        replaced = text[edit.start:edit.end]
        if at_sentence_start(text, edit.start) and capitalisable(term) and \
                (replaced[:1].isupper() or (edit.start == edit.end and text[edit.end:].lstrip()[:1].isupper())
                 or not text.strip()):
            target = target[0].upper() + target[1:]
        if edit.start == edit.end:  # an insertion: keep words apart
            if text[:edit.start] and not text[edit.start - 1].isspace():
                target = " " + target
            if text[edit.end:edit.end + 1].isalnum():
                target += " "
        elif term.verbatim:  # apart from a word where the French had a space (the debris between went)
            target = edit.before + target + edit.after
            spaced_before, spaced_after = _spaced_in_source(term, source)
            # (past the French's marks written with it: `gouv.fr/ permet` is spaced after `/`)
            if edit.before:
                spaced_before = not source[:term.start - len(edit.before)][-1:].strip()
            if edit.after:
                spaced_after = not source[term.end + len(edit.after):][:1].strip()
            if spaced_before and text[edit.start - 1:edit.start].isalnum():
                target = " " + target
            if spaced_after and text[edit.end:edit.end + 1].isalnum():
                target += " "
        replacements.append((edit.start, edit.end, target, edit))
    spans = [(e.start, e.end) for e in edits]
    for edit, (_, _, target, _) in zip(edits, list(replacements)):
        article = re.search(r"(?<!\w)(an?|An?)(\s+)$", text[:edit.start])
        if article and not overlaps(article.span(1), spans):
            wanted = indefinite_article(target.strip())
            if article.group(1).lower() != wanted:
                wanted = wanted.capitalize() if article.group(1)[0].isupper() else wanted
                replacements.append((article.start(1), article.end(1), wanted, None))
    return sorted(replacements, key=lambda r: (r[0], r[1]))


def _apply(text: str, replacements: list[Replacement]) -> tuple[str, list[tuple[Edit, Span]], Callable[[int], int]]:
    """The English with the replacements made, where each placed target landed,
    and a function moving an offset of the original English into the new one."""
    parts: list[str] = []
    length = cursor = 0
    placed: list[tuple[Edit, Span]] = []
    moves: list[tuple[int, int]] = []  # (original end of a replacement, change of length)
    for start, end, new, edit in replacements:
        kept = text[cursor:start]
        parts.append(kept)
        length += len(kept)
        if edit is not None:
            lead = len(new) - len(new.lstrip()) + len(edit.before)
            placed.append((edit, (length + lead, length + len(new.rstrip()) - len(edit.after))))
        parts.append(new)
        length += len(new)
        moves.append((end, len(new) - (end - start)))
        cursor = end
    parts.append(text[cursor:])

    def move(offset: int) -> int:
        return offset + sum(change for end, change in moves if end <= offset)

    return "".join(parts), placed, move


@dataclass
class Placement:
    text: str
    alignment: list[Alignment]
    statuses: list[str]
    late: list[bool]


def verbatim_terms(pair: SentencePair) -> list[Term]:
    """The pair's verbatim text (code, URLs, protected syntax: `Inline.verbatim`) as
    terms whose target is themselves, exactly: the model reads them in the sentence,
    the policy keeps them as they were."""
    source = pair.source
    spans: list[list[int]] = []
    for start, end in sorted((i.start, i.end) for i in pair.inlines if i.verbatim and i.paired and i.start < i.end):
        between = source[spans[-1][1]:start] if spans else " "
        if spans and start >= spans[-1][1] and not any(c.isalnum() or c.isspace() for c in between):
            # Glued to the one before by punctuation alone (`{{ a }}.{{ b }}`): one word to a
            # reader, kept as one piece, so the words the model moves keep it whole.
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [Term(source=source[start:end], start=start, end=end, target=source[start:end],
                 case_sensitive=True, keep_case=True, verbatim=True,
                 glued=(source[start - 1:start].strip(), source[end:end + 1].strip()))
            for start, end in spans]


def _verbatim_edit(text: str, words: Sequence[AlignedWord], index: int, term: Term, source: str,
                   taken: Sequence[Span]) -> Edit | None:
    """The English the model wrote for verbatim text, to be replaced by it: the words
    aligned to it (or, for marks alone, their copies), grown over the debris and the
    marks of its own around them, with the French's marks and letters glued on it."""
    span = _substitution(text, words, term, taken)
    if span is None and not WORD_RE.search(term.target):
        span = _marks_copied(text, term, source, taken)
    if span is None:
        return None
    span = _own_marks(text, _debris(text, span, term, source), term, source)
    before, after = _glued_punctuation(text[span[0]:span[1]], term, source)
    before, after = _copied_word_parts(words, span, term, source, before, after)
    return Edit(span[0], span[1], index, late=False, before=before, after=after)


def _final_alignment(words: Sequence[AlignedWord], replacements: list[Replacement], move: Callable[[int], int],
                     placed: list[tuple[Edit, Span]], terms: Sequence[Term], final: str) -> list[Alignment]:
    """The alignment of the final English: the model's words that were not
    replaced, moved by the edits before them, and each placed target aligned
    to its term's source."""
    alignment: list[Alignment] = []
    if not replacements:  # (most sentences: the model's words as they are)
        alignment = [(word.word[0], word.word[1], word.start, word.end) for word in words if word.word is not None]
    replaced = [(start, end) for start, end, _, _ in replacements if start < end]
    for word in words if replacements else ():
        if word.word is None or any(start < word.end and word.start < end for start, end in replaced):
            continue
        alignment.append((word.word[0], word.word[1], move(word.start), move(word.start) + word.end - word.start))
    for edit, span in placed:
        term = terms[edit.term]
        for match in WORD_RE.finditer(final, span[0], span[1]):
            alignment.append((term.start, term.end, match.start(), match.end()))
    alignment.sort(key=lambda a: (a[2], a[0]))
    return alignment


def place_terms(source: str, hypothesis: Hypothesis, terms: Sequence[Term],
                known: Sequence[Alignment] = ()) -> Placement:
    """Apply the term policy to one translated piece (see the module docstring).

    `terms` hold offsets into `source`. Returns the English with every term's
    target in it, the word alignment of that English, and each term's status.
    `known`: the alignment of a hypothesis given without pieces (align_words).
    """
    text = hypothesis.text
    words = align_words(source, hypothesis, known)
    covered = _covered(terms, words, text)
    taken: list[Span] = [span for span in covered if span is not None]
    edits: list[Edit] = []
    # Longer source spans first: a multi-word term claims its words before a
    # shorter term nested in its translation could.
    order = sorted((i for i, span in enumerate(covered) if span is None),
                   key=lambda i: (-(terms[i].end - terms[i].start), terms[i].start))
    for index, span in enumerate(covered):
        # Verbatim text the model wrote with debris glued on (`:/https://…`) loses it.
        if span is not None and terms[index].verbatim and (grown := _debris(text, span, terms[index], source)) != span:
            edits.append(Edit(grown[0], grown[1], index, late=False))
            taken.append(grown)
    for index in order:
        term = terms[index]
        if term.verbatim:
            edit = _verbatim_edit(text, words, index, term, source, taken)
        else:
            span = _substitution(text, words, term, taken)
            edit = None if span is None else Edit(span[0], span[1], index, late=False)
        if edit is not None:
            edits.append(edit)
            taken.append((edit.start, edit.end))
        else:
            position = _insertion_point(text, words, term, source, taken)
            edits.append(Edit(position, position, index, late=True))
    replacements = _replacements(text, edits, terms, source)
    final, placed, move = _apply(text, replacements)

    alignment = _final_alignment(words, replacements, move, placed, terms, final)
    statuses = [TERM_MODEL if span is not None else TERM_FORCED for span in covered]
    late = [False] * len(terms)
    for edit, _ in placed:
        late[edit.term] = edit.late
    for index, span in enumerate(locate(final, terms)):
        if span is None:
            statuses[index] = TERM_FAILED
    return Placement(final, alignment, statuses, late)

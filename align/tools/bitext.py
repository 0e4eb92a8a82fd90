"""Sentence alignment of a French text with its English translation (bitext).

`align_segments(fr, en)` returns *beads*: groups of consecutive French and English
segments that translate each other (1-1, 1-2, 2-1, 2-2, and deletions 1-0 / 0-1).

Method: one dynamic programme over beads, as in Gale & Church (1993), whose bead
cost adds

* the Gale-Church length cost: how unlikely the English length is given the French
  one (character counts, ratio estimated on the two texts), plus the bead's prior;
* a bonus for lexical anchors shared by the two sides, each weighted down when it is
  frequent in the texts: numbers, capitalised tokens (names), cognates (the same
  4-letter prefix of words of 5+ letters, accents ignored), punctuation that
  translations keep (? ! : quotes), and glossary pairs when a glossary is given;
* when machine translations of the French segments are given (`mt=`), a bonus for
  the chrF similarity of the bead's MT with its English side, as Bleualign does
  with BLEU (computed in a second pass, in a narrow band around the first path).

The programme runs in a band around the diagonal whose width doubles while the best
path touches its edge, so the cost grows about linearly with the text; each band
row is computed with numpy (the 0-1 deletions within a row by a running minimum).
"""
from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Sequence

import numpy as np

from ..document import Document, Origin, Paragraph, SentencePair
from ..flags import FlagCode

__all__ = ["Bead", "align_segments", "align_documents", "ladder_lines", "bead_kind"]


@dataclass(frozen=True)
class Bead:
    """French segment indices, English segment indices (0-based, consecutive), and a
    confidence in [0, 1] (exp of minus the bead's cost; deletions score low)."""

    fr: tuple[int, ...]
    en: tuple[int, ...]
    score: float

    @property
    def kind(self) -> str:
        return f"{len(self.fr)}-{len(self.en)}"


def bead_kind(bead: Bead) -> str:
    return bead.kind


# ----------------------------------------------------------------- parameters
# Bead types (French count, English count) and their prior probabilities.
BEADS: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 0), (0, 1))
PRIORS = {(1, 1): 0.89, (1, 2): 0.045, (2, 1): 0.045, (2, 2): 0.002, (1, 0): 0.02, (0, 1): 0.02}
GC_VARIANCE = 6.8          # Gale-Church variance of the length difference per character
LEXICAL_WEIGHT = 1.5       # cost bonus per matched anchor of weight 1
MT_WEIGHT = 6.0            # cost bonus for chrF = 100 between MT and English
INITIAL_BAND = 24
RATIO_PRIOR_CHARS = 2000.0  # weight of the prior ratio 1 in the length ratio
LEX_MODE = "raw"           # "raw": matched anchor weight; "dice": normalised
DICE_SMOOTHING = 1.0
MT_BAND = 4

ANCHOR_WEIGHTS = {"num": 2.0, "name": 1.5, "cog": 1.0, "punct": 0.7, "gloss": 2.0}

# Frequent words of 5+ letters whose prefix would make false cognates.
STOP_WORDS = set("""
comme entre avait avaient avant après depuis encore contre toutes toute autre autres
alors aussi leurs selon cette celui celle ceux pendant plusieurs parce quand aucun
faire était étaient sont peuvent pourrait doivent trois jusqu quelque notre votre
there their about would could should which other after before these those where
while being because through under again every still never first years
""".split())

WORD_RE = re.compile(r"\w+", re.UNICODE)
NUMBER_RE = re.compile(r"\d+")
PUNCT_RE = re.compile(r"[?!:«»\"“”„]")
QUOTES = set("«»\"“”„")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower case without accents (cognates: "réélection" ~ "reelection")."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def anchors(text: str) -> dict[str, str]:
    """Anchor key → anchor kind, for one segment."""
    found: dict[str, str] = {}
    for number in NUMBER_RE.findall(text):
        found["#" + number.lstrip("0")[:12] or "#0"] = "num"
    words = WORD_RE.findall(text)
    for position, word in enumerate(words):
        if word.isdigit() or "_" in word:
            continue
        folded = fold(word)
        if position > 0 and word[0].isupper() and len(word) > 1:
            found["N:" + folded] = "name"
        if len(folded) >= 5 and folded not in STOP_WORDS and word.lower() not in STOP_WORDS:
            found.setdefault("C:" + folded[:4], "cog")
    for mark in PUNCT_RE.findall(text):
        found["P:" + ("q" if mark in QUOTES else mark)] = "punct"
    return found


# ------------------------------------------------------------- cost functions
_AS = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def log_erfc(x: np.ndarray) -> np.ndarray:
    """log(erfc(x)) for x >= 0, stable for large x (Abramowitz & Stegun 7.1.26)."""
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (_AS[0] + t * (_AS[1] + t * (_AS[2] + t * (_AS[3] + t * _AS[4]))))
    return np.log(np.maximum(poly, 1e-300)) - x * x


def length_cost(lf: np.ndarray, le: np.ndarray, ratio: float) -> np.ndarray:
    """Gale-Church: -log P(|delta|) with delta the normalised length difference."""
    mean = (lf + le / ratio) / 2.0
    delta = np.abs(le - lf * ratio) / np.sqrt(GC_VARIANCE * np.maximum(mean, 1.0))
    return -(math.log(1.0) + log_erfc(delta / math.sqrt(2.0)))


def shrink_ratio(ratio: float, characters: float) -> float:
    """English/French length ratio measured on `characters`, pulled towards 1 for
    short texts (a few sentences measure it badly) and kept within [0.5, 2]."""
    trust = characters / (characters + RATIO_PRIOR_CHARS)
    return min(2.0, max(0.5, math.exp(trust * math.log(max(ratio, 1e-6)))))


PRIOR_COST = {bead: -math.log(p) for bead, p in PRIORS.items()}


class _Features:
    """Lengths, weighted anchors and postings of the two sides."""

    def __init__(self, fr: Sequence[str], en: Sequence[str], glossary: Any = None):
        self.lf = np.array([len(s.replace(" ", "")) for s in fr], dtype=np.float64)
        self.le = np.array([len(s.replace(" ", "")) for s in en], dtype=np.float64)
        total_f, total_e = float(self.lf.sum()), float(self.le.sum())
        # First guess from the mean segment lengths (robust to deleted segments;
        # align_segments measures it again on the aligned beads).
        mean_ratio = (total_e / len(en)) / (total_f / len(fr)) if total_f and total_e else 1.0
        self.ratio = shrink_ratio(mean_ratio, total_f + total_e)
        fr_anchors = [anchors(s) for s in fr]
        en_anchors = [anchors(s) for s in en]
        if glossary is not None:
            self._add_glossary(glossary, fr, en, fr_anchors, en_anchors)
        document_frequency: dict[str, int] = {}
        for side in (fr_anchors, en_anchors):
            for found in side:
                for key in found:
                    document_frequency[key] = document_frequency.get(key, 0) + 1
        segments = max(len(fr) + len(en), 1)
        weights: dict[str, float] = {}
        for key, count in document_frequency.items():
            share = count / segments
            # Anchors in more than ~25% of the segments tell little about position.
            weights[key] = max(0.0, 1.0 - max(0.0, share - 0.05) / 0.2)
        self.fr_weighted = [[(key, ANCHOR_WEIGHTS[kind] * weights[key]) for key, kind in found.items()
                             if weights[key] > 0] for found in fr_anchors]
        self.wf = np.array([sum(w for _, w in found) for found in self.fr_weighted])
        self.we = np.array([sum(ANCHOR_WEIGHTS[kind] * weights[key] for key, kind in found.items())
                            for found in en_anchors])
        self.postings: dict[str, list[int]] = {}
        for index, found in enumerate(en_anchors):
            for key in found:
                if weights[key] > 0:
                    self.postings.setdefault(key, []).append(index)
        # Anchors shared by consecutive segments, so that a merged bead counts each
        # anchor once: fr_shared[a] = A(a-1) & A(a); en posting b = B(b-1) & B(b).
        self.fr_shared: list[list[tuple[str, float]]] = [[]]
        for a in range(1, len(fr_anchors)):
            previous = fr_anchors[a - 1]
            self.fr_shared.append([(key, w) for key, w in self.fr_weighted[a] if key in previous])
        self.shared_postings: dict[str, list[int]] = {}
        for index in range(1, len(en_anchors)):
            previous = en_anchors[index - 1]
            for key in en_anchors[index]:
                if key in previous and weights[key] > 0:
                    self.shared_postings.setdefault(key, []).append(index)

    @staticmethod
    def _add_glossary(glossary, fr, en, fr_anchors, en_anchors) -> None:
        from ..terms.presence import is_present

        targets: dict[str, Any] = {}  # anchor key → a term with that target
        for index, text in enumerate(fr):
            try:
                terms = glossary.find(text)
            except Exception:  # a glossary that cannot look at this text adds nothing
                continue
            for term in terms:
                target = (getattr(term, "target", "") or "").strip().lower()
                if target:
                    fr_anchors[index]["G:" + target] = "gloss"
                    targets.setdefault(target, term)
        for index, text in enumerate(en):
            for target, term in targets.items():
                if is_present(text, term):  # the project's one definition: whole words, accepted forms
                    en_anchors[index]["G:" + target] = "gloss"

    def overlap(self, a: int, start: int, width: int, kind: str = "") -> np.ndarray:
        """Weighted anchors that French segment `a` shares with English segments
        start .. start+width-1 (zeros outside the text). kind "F": the anchors `a`
        shares with a-1 instead; kind "E": with the anchors English segment b shares
        with b-1."""
        out = np.zeros(width)
        if a < 0 or a >= len(self.fr_weighted):
            return out
        stop = start + width
        found = self.fr_shared[a] if kind == "F" else self.fr_weighted[a]
        postings = self.shared_postings if kind == "E" else self.postings
        for key, weight in found:
            posting = postings.get(key)
            if not posting:
                continue
            k = bisect_left(posting, start)
            while k < len(posting) and posting[k] < stop:
                out[posting[k] - start] += weight
                k += 1
        return out


# ----------------------------------------------------------------- the DP
_INF = float("inf")
_CODES = {bead: code for code, bead in enumerate(BEADS)}


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index] with +inf where index is outside values."""
    ok = (index >= 0) & (index < len(values))
    out = np.full(len(index), _INF)
    out[ok] = values[index[ok]]
    return out


def _dp(n: int, m: int, centers: np.ndarray, half: int, bead_cost) -> tuple[list[tuple[int, int, int]], bool]:
    """Best path through cells (i, j), j within `half` of centers[i]. Returns the path
    as (i, j, bead code) steps from (0, 0) and whether it came near the band's edge."""
    width = 2 * half + 1
    lo = np.round(centers).astype(np.int64) - half
    lo[0] = min(lo[0], 0)
    lo[n] = max(min(lo[n], m - half), m - width + 1)
    D = np.full((n + 1, width), _INF)
    B = np.zeros((n + 1, width), dtype=np.int8)
    ks = np.arange(width)
    for i in range(n + 1):
        j = lo[i] + ks
        valid = (j >= 0) & (j <= m)
        best = np.full(width, _INF)
        move = np.zeros(width, dtype=np.int8)
        if i == 0:
            best[j == 0] = 0.0
        else:
            for bead in ((1, 1), (1, 2), (2, 1), (2, 2), (1, 0)):
                di, dj = bead
                if di > i:
                    continue
                previous = _take(D[i - di], j - dj - lo[i - di])
                if not np.isfinite(previous).any():
                    continue
                total = previous + bead_cost(bead, i, j, lo[i])
                better = total < best
                best[better] = total[better]
                move[better] = _CODES[bead]
        # 0-1 deletions within the row: D[k] = min(best[k], D[k-1] + d[k]).
        skip = bead_cost((0, 1), i, j, lo[i])
        skip = np.where((j >= 1) & (j <= m), skip, 0.0)
        skip[0] = 0.0
        cumulative = np.cumsum(skip)
        shifted = best - cumulative
        running = np.minimum.accumulate(shifted)
        row = running + cumulative
        from_skip = shifted > running
        move[from_skip] = _CODES[(0, 1)]
        row[~valid] = _INF
        D[i] = row
        B[i] = move
    # Trace back from (n, m).
    path: list[tuple[int, int, int]] = []
    i, j = n, m
    near_edge = False
    while i > 0 or j > 0:
        k = j - lo[i]
        if not 0 <= k < width or not np.isfinite(D[i, k]):
            raise RuntimeError("alignment band lost the path")  # pragma: no cover
        if (k <= 1 and lo[i] > 0) or (k >= width - 2 and lo[i] + width - 1 < m):
            near_edge = True
        code = int(B[i, k])
        path.append((i, j, code))
        di, dj = BEADS[code]
        i, j = i - di, j - dj
    path.reverse()
    return path, near_edge


def align_segments(fr: Sequence[str], en: Sequence[str], *, glossary: Any = None,
                   mt: Sequence[str] | None = None, allow_22: bool = True,
                   band: int = INITIAL_BAND) -> list[Bead]:
    """Align French segments with English segments; returns beads in text order.

    `glossary`: an object with `.find(text) -> list[Term]` (align.glossary.Glossary);
    its pairs are anchors. `mt`: machine translations of the French segments, one per
    segment, whose chrF with the English side is added to the score.
    """
    fr = [s.strip() for s in fr]
    en = [s.strip() for s in en]
    n, m = len(fr), len(en)
    if mt is not None and len(mt) != n:
        raise ValueError(f"mt has {len(mt)} translations for {n} French segments")
    if n == 0 or m == 0:
        deletion = math.exp(-PRIOR_COST[(1, 0)])
        return [Bead((a,), (), deletion) for a in range(n)] + [Bead((), (b,), deletion) for b in range(m)]
    features = _Features(fr, en, glossary)
    cost = _CostModel(features, allow_22)
    half = max(band, int(abs(n - m) * 1.2) + 4)
    centers = np.arange(n + 1) * (m / n)
    for _ in range(3):
        while True:
            path, near_edge = _dp(n, m, centers, half, cost)
            if not near_edge or 2 * half + 1 > 2 * (n + m):
                break
            half *= 2
        # The length ratio was guessed from the totals, which deletions distort:
        # measure it on the aligned beads and align again if it was far off.
        ratio = _bead_ratio(path, features)
        if ratio is None or abs(ratio / features.ratio - 1.0) < 0.05:
            break
        features.ratio = ratio
    if mt is not None:
        cost.mt = _MtSimilarity(list(mt), en)
        centers = _path_centers(path, n)
        path, _ = _dp(n, m, centers, MT_BAND + 1, cost)
    return _beads(path, cost)


def _bead_ratio(path: list[tuple[int, int, int]], features: _Features) -> float | None:
    total_f = total_e = 0.0
    for i, j, code in path:
        di, dj = BEADS[code]
        if di and dj:
            total_f += features.lf[i - di:i].sum()
            total_e += features.le[j - dj:j].sum()
    if not total_f or not total_e:
        return None
    return shrink_ratio(total_e / total_f, total_f + total_e)


def _path_centers(path: list[tuple[int, int, int]], n: int) -> np.ndarray:
    centers = np.zeros(n + 1)
    seen: dict[int, list[int]] = {0: [0]}
    for i, j, _ in path:
        seen.setdefault(i, []).append(j)
    for i in range(n + 1):
        js = seen.get(i) or [centers[i - 1]]
        centers[i] = (min(js) + max(js)) / 2.0
    return centers


class _MtSimilarity:
    """chrF (sacrebleu) of the MT of French segments with English segments, cached."""

    def __init__(self, mt: list[str], en: list[str]):
        from sacrebleu.metrics import CHRF
        self.metric = CHRF()
        self.mt, self.en = mt, en
        self.cache: dict[tuple[int, int, int, int], float] = {}

    def __call__(self, a0: int, a1: int, b0: int, b1: int) -> float:
        key = (a0, a1, b0, b1)
        value = self.cache.get(key)
        if value is None:
            hypothesis = " ".join(self.mt[a0:a1])
            reference = " ".join(self.en[b0:b1])
            value = self.metric.sentence_score(hypothesis, [reference]).score / 100.0
            self.cache[key] = value
        return value


class _CostModel:
    """Bead costs for a band row, vectorised over the row's English positions."""

    def __init__(self, features: _Features, allow_22: bool):
        self.f = features
        self.allow_22 = allow_22
        self.mt: _MtSimilarity | None = None
        self._row_cache: tuple[int, int, dict[int, np.ndarray]] | None = None

    def _overlaps(self, i: int, lo: int, width: int, a: int, kind: str = "") -> np.ndarray:
        """Overlap of French segment a with English segments lo-2 .. lo+width-1."""
        if self._row_cache is None or self._row_cache[:2] != (i, lo):
            self._row_cache = (i, lo, {})
        cache = self._row_cache[2]
        if (a, kind) not in cache:
            cache[a, kind] = self.f.overlap(a, lo - 2, width + 2, kind)
        return cache[a, kind]

    def _bead_overlap(self, bead: tuple[int, int], i: int, lo: int, width: int) -> np.ndarray:
        """Weighted anchors shared by the bead's two sides, each counted once (inclusion-
        exclusion over consecutive segments; exact for 1-1, 2-1 and 1-2)."""
        a = i - 1
        at1 = np.arange(width) + 1      # English segment j-1
        at2 = np.arange(width)          # English segment j-2

        def ov(fr: int, kind: str = "") -> np.ndarray:
            return self._overlaps(i, lo, width, fr, kind)

        if bead == (1, 1):
            return ov(a)[at1]
        if bead == (2, 1):
            return ov(a - 1)[at1] + ov(a)[at1] - ov(a, "F")[at1]
        if bead == (1, 2):
            return ov(a)[at1] + ov(a)[at2] - ov(a, "E")[at1]
        total = (ov(a - 1)[at1] + ov(a - 1)[at2] + ov(a)[at1] + ov(a)[at2]
                 - ov(a, "F")[at1] - ov(a, "F")[at2] - ov(a - 1, "E")[at1] - ov(a, "E")[at1])
        return np.maximum(total, 0.0)

    def __call__(self, bead: tuple[int, int], i: int, j: np.ndarray, lo: int) -> np.ndarray:
        f = self.f
        di, dj = bead
        width = len(j)
        prior = PRIOR_COST[bead]
        if bead == (1, 0):
            return np.full(width, prior)
        if bead == (0, 1):
            return np.full(width, prior)
        if bead == (2, 2) and not self.allow_22:
            return np.full(width, _INF)
        m = len(f.le)
        # English segments j-dj .. j-1, French segments i-di .. i-1.
        lf = f.lf[i - di:i].sum()
        le = np.zeros(width)
        we = np.zeros(width)
        for back in range(1, dj + 1):
            b = np.clip(j - back, 0, m - 1)
            le += f.le[b]
            we += f.we[b]
        overlap = self._bead_overlap(bead, i, lo, width)
        if LEX_MODE == "dice":
            wf = f.wf[i - di:i].sum()
            overlap = np.minimum(overlap, np.minimum(wf, we))
            lexical = (di + dj) / 2.0 * 2.0 * overlap / (wf + we + DICE_SMOOTHING)
        else:
            wf = f.wf[i - di:i].sum()
            lexical = np.minimum(overlap, np.minimum(wf, we))
        cost = length_cost(np.full(width, lf), le, f.ratio) + prior - LEXICAL_WEIGHT * lexical
        if self.mt is not None:
            valid = (j - dj >= 0) & (j <= m)
            bonus = np.zeros(width)
            for k in np.nonzero(valid)[0]:
                bonus[k] = self.mt(i - di, i, int(j[k]) - dj, int(j[k]))
            cost = cost - MT_WEIGHT * bonus
        return cost


def _beads(path: list[tuple[int, int, int]], cost: _CostModel) -> list[Bead]:
    beads: list[Bead] = []
    for i, j, code in path:
        di, dj = BEADS[code]
        value = float(cost(BEADS[code], i, np.array([j]), j)[0])
        beads.append(Bead(tuple(range(i - di, i)), tuple(range(j - dj, j)),
                          round(math.exp(-max(value, 0.0)), 4)))
    return beads


# ------------------------------------------------------------------ output
def ladder_lines(beads: Iterable[Bead]) -> list[str]:
    """Vecalign's format, one bead per line: `[0,1]:[0]:0.8312`."""
    return [f"[{','.join(map(str, b.fr))}]:[{','.join(map(str, b.en))}]:{b.score:.4f}" for b in beads]


def document_segments(document: Document, lang: str, segmented: bool) -> list[tuple[int, str]]:
    """(paragraph number, segment) for the prose of a document; with `segmented`,
    each paragraph (line) is one segment, otherwise align.segment splits it."""
    segments: list[tuple[int, str]] = []
    for paragraph in document.paragraphs:
        if not paragraph.translatable:
            continue
        if segmented:
            pieces = [paragraph.text]
        else:
            from ..segment import split_sentences
            pieces = split_sentences(paragraph.text, lang)
        segments.extend((paragraph.number, piece.strip()) for piece in pieces if piece.strip())
    return segments


def align_documents(fr_doc: Document, en_doc: Document, *, segmented: bool = False,
                    glossary: Any = None, mt: Sequence[str] | None = None, engine: Any = None,
                    beads_out: list[Bead] | None = None) -> Document:
    """Align two documents; returns a Document of the French one's paragraphs whose
    sentence pairs are the beads (origin "pair", flag `bead:K-L` unless 1-1).

    A bead goes to the paragraph of its first French segment (of its first English
    segment's position for an English-only bead). `mt`: translations of the French
    segments; or `engine` (align.mt.engines.base.Engine) to make them. `beads_out`, when
    given, receives the beads (for ladder output)."""
    fr_segments = document_segments(fr_doc, "fr", segmented)
    en_segments = document_segments(en_doc, "en", segmented)
    fr_texts = [text for _, text in fr_segments]
    en_texts = [text for _, text in en_segments]
    if mt is None and engine is not None and fr_texts and en_texts:
        mt = [hypothesis.text for hypothesis in engine.translate(fr_texts)]
    beads = align_segments(fr_texts, en_texts, glossary=glossary, mt=mt)
    if beads_out is not None:
        beads_out.extend(beads)

    paragraphs = [Paragraph(text=p.text, number=p.number, kind=p.kind) for p in fr_doc.paragraphs]
    by_number = {p.number: p for p in paragraphs}
    prose = [p for p in paragraphs if p.translatable]
    if not prose:  # an empty French side: one paragraph to hold the English-only pairs
        holder = Paragraph(text="", number=len(paragraphs) + 1)
        paragraphs.append(holder)
        by_number[holder.number] = holder
        prose = [holder]
    current = prose[0].number
    for bead in beads:
        if bead.fr:
            current = fr_segments[bead.fr[0]][0]
        paragraph = by_number[current]
        pair = SentencePair(
            source=" ".join(fr_texts[a] for a in bead.fr),
            target=" ".join(en_texts[b] for b in bead.en),
            paragraph=paragraph.number,
            number=len(paragraph.sentences) + 1,
            origin=Origin.PAIR,
        )
        if bead.kind != "1-1":
            pair.add_flag(FlagCode.BEAD, bead.kind)
        paragraph.sentences.append(pair)
    return Document(name=fr_doc.name, paragraphs=paragraphs, path=fr_doc.path,
                    metadata=dict(fr_doc.metadata), encoding=fr_doc.encoding,
                    warnings=list(fr_doc.warnings) + list(en_doc.warnings))

"""Scoring translations against references: sacrebleu's BLEU, chrF and TER (each with
its signature, as the sacrebleu command prints them) and glossary term accuracy.

Hypothesis and reference are line-aligned; when their line counts differ they are
first aligned with `align.tools.bitext.align_segments` and the beads are scored as pairs
(a segment left unaligned is scored against an empty line, so it costs, as it should).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError
from ..read.text import decode, normalize_text, read_bytes


@dataclass
class TermScore:
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class ScoreResult:
    """Corpus scores; `str()` gives sacrebleu-style lines, one per metric."""

    bleu: Any
    chrf: Any
    ter: Any
    signatures: dict[str, str]
    segments: int
    terms: TermScore | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            self.bleu.format(signature=self.signatures["BLEU"]),
            self.chrf.format(signature=self.signatures["chrF"]),
            self.ter.format(signature=self.signatures["TER"]),
        ]
        if self.terms is not None:
            out.append(f"Terms|glossary = {100 * self.terms.accuracy:.1f}% "
                       f"({self.terms.correct}/{self.terms.total} term occurrences translated)")
        return out + self.notes

    def format(self) -> str:
        return "\n".join(self.lines())

    __str__ = format

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "BLEU": round(self.bleu.score, 2), "chrF": round(self.chrf.score, 2),
            "TER": round(self.ter.score, 2), "signatures": dict(self.signatures),
            "segments": self.segments,
        }
        if self.terms is not None:
            data["terms"] = {"correct": self.terms.correct, "total": self.terms.total,
                             "accuracy": round(self.terms.accuracy, 4)}
        return data


def term_accuracy(hypotheses: Sequence[str], sources: Sequence[str], glossary: Any) -> TermScore:
    """Share of glossary term occurrences found in French sources whose target
    appears in the hypothesis of the same line, by the project's one definition
    of presence (align.terms.presence: whole words, accepted forms, counting)."""
    from ..terms.presence import locate

    correct = total = 0
    for hypothesis, source in zip(hypotheses, sources):
        terms = glossary.find(source)
        total += len(terms)
        correct += sum(span is not None for span in locate(hypothesis, terms))
    return TermScore(correct, total)


def _aligned(hyp: list[str], ref: list[str], sources: list[str] | None):
    from .bitext import align_segments

    beads = align_segments(hyp, ref)
    pairs_h = [" ".join(hyp[i] for i in bead.fr) for bead in beads]
    pairs_r = [" ".join(ref[j] for j in bead.en) for bead in beads]
    pairs_s = None
    if sources is not None:
        pairs_s = [" ".join(sources[i] for i in bead.fr) for bead in beads]
    unaligned = sum(1 for bead in beads if not bead.fr or not bead.en)
    note = (f"Aligned: {len(hyp)} hypothesis lines with {len(ref)} reference lines in "
            f"{len(beads)} beads ({unaligned} unaligned), scored bead by bead")
    return pairs_h, pairs_r, pairs_s, note


def score_files(hyp_lines: Sequence[str], ref_lines: Sequence[str], glossary: Any = None,
                sources: Sequence[str] | None = None) -> ScoreResult:
    """Score hypothesis lines against reference lines (one reference).

    `sources`: the French lines the hypotheses translate (line-aligned with them);
    with a glossary they give the term accuracy."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    hyp = [line.strip() for line in hyp_lines]
    ref = [line.strip() for line in ref_lines]
    src = None if sources is None else [line.strip() for line in sources]
    if src is not None and len(src) != len(hyp):
        raise InputError(f"sources have {len(src)} lines but the hypothesis has {len(hyp)}")
    notes: list[str] = []
    if len(hyp) != len(ref):
        hyp, ref, src, note = _aligned(hyp, ref, src)
        notes.append(note)
    metrics = {"BLEU": BLEU(), "chrF": CHRF(), "TER": TER()}
    scores = {name: metric.corpus_score(hyp, [ref]) for name, metric in metrics.items()}
    signatures = {name: str(metric.get_signature()) for name, metric in metrics.items()}
    terms = term_accuracy(hyp, src, glossary) if glossary is not None and src is not None else None
    return ScoreResult(scores["BLEU"], scores["chrF"], scores["TER"], signatures, len(hyp), terms, notes)


# ------------------------------------------------------------ files and folders
def read_lines(path: str | Path) -> list[str]:
    """The lines of a text file (decoded and normalised as articles are); blank lines
    are kept, since line numbers pair the files."""
    path = Path(path)
    text, _, _ = decode(read_bytes(path), str(path))
    lines = normalize_text(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def article_name(path: Path) -> str:
    """`X.txt`, `X.en.txt`, `X.fr.md`, `X.en.docx`... all name article X: the
    format's suffix and a language tag before it are dropped, so an article pairs
    with its translation whatever `align translate` or a translator named it."""
    from ..read.sources import ARTICLE_SUFFIXES

    name = path.name
    suffix = next((s for s in ARTICLE_SUFFIXES if name.lower().endswith(s)), None)
    if suffix is None:
        return name
    name = name[: -len(suffix)]
    return name[:-3] if name.lower().endswith((".en", ".fr")) else name


def folder_articles(folder: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
                    skip: tuple[Path, ...] = (), errors: list[str] | None = None) -> dict[str, Path]:
    """Articles anywhere under `folder`, by name: the path relative to the folder
    without its suffix (``2024/intro``). Problems (link loops, unreadable
    folders) are appended to `errors` when given."""
    from ..read.sources import walk_articles

    found, problems = walk_articles(folder, include=include, exclude=exclude, skip=skip)
    if errors is not None:
        errors.extend(problems)
    articles: dict[str, Path] = {}
    for path in found:
        relative = path.relative_to(folder)
        name = (relative.parent / article_name(relative)).as_posix()
        # One file per article: translate's English text first (an output folder
        # also holds X.html, the review page, and X.en.md), then plain text.
        if name not in articles or _preference(path) < _preference(articles[name]):
            articles[name] = path
    return articles


def _preference(path: Path) -> int:
    lower = path.name.lower()
    return 0 if lower.endswith(".en.txt") else 1 if lower.endswith(".txt") else 2 if ".en." in lower else 3


def match_folders(first: Path, second: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
                  skip: tuple[Path, ...] = (), errors: list[str] | None = None) -> list[tuple[str, Path, Path]]:
    """(name, path in first, path in second) for articles present in both folders
    (matched by their paths relative to each folder)."""
    a = folder_articles(first, include, exclude, skip, errors)
    b = folder_articles(second, include, exclude, skip, errors)
    common = [name for name in a if name in b]
    if not common:
        raise InputError(f"{first} and {second}: no article names in common (X.txt pairs with X.txt or X.en.txt, "
                         "X.md with X.en.md...)")
    return [(name, a[name], b[name]) for name in common]


def score_paths(hyp: str | Path, ref: str | Path, glossary: Any = None,
                source: str | Path | None = None) -> ScoreResult:
    """Score a hypothesis file or folder against a reference file or folder; folders
    are matched by article name and scored as one corpus (articles in only one
    folder are named in the result's notes)."""
    hyp, ref = Path(hyp), Path(ref)
    source_path = Path(source) if source is not None else None
    for path in (hyp, ref) + ((source_path,) if source_path else ()):
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
    notes: list[str] = []
    if hyp.is_dir() != ref.is_dir():
        raise InputError(f"{hyp} and {ref}: give two files or two folders")
    if not hyp.is_dir():
        sources = read_lines(source_path) if source_path else None
        return score_files(read_lines(hyp), read_lines(ref), glossary, sources)
    all_hyp: list[str] = []
    all_ref: list[str] = []
    all_src: list[str] | None = [] if source_path else None
    source_articles = folder_articles(source_path) if source_path and source_path.is_dir() else {}
    matched = match_folders(hyp, ref)
    for name, hyp_file, ref_file in matched:
        h, r = read_lines(hyp_file), read_lines(ref_file)
        s = None
        if all_src is not None:
            if name not in source_articles:
                raise InputError(f"{source_path}: no source article {name}.txt for {hyp_file}")
            s = read_lines(source_articles[name])
            if len(s) != len(h):
                raise InputError(f"{source_articles[name]}: {len(s)} lines but {hyp_file} has {len(h)}")
        if len(h) != len(r):
            h, r, s, note = _aligned(h, r, s)
            notes.append(f"{name}: {note}")
        all_hyp += h
        all_ref += r
        if all_src is not None and s is not None:
            all_src += s
    left_out = sorted(set(folder_articles(hyp)) ^ set(folder_articles(ref)))
    if left_out:
        notes.append(f"Not in both folders (left out): {', '.join(left_out)}")
    result = score_files(all_hyp, all_ref, glossary, all_src)
    result.notes.extend(notes)
    return result

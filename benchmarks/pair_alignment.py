"""Sentence-alignment benchmark: align.tools.bitext against NLTK's Gale-Church.

Gold: data/newstest2013.{fr,en} (3000 line-aligned sentences), cut into documents
of 40 sentences. On each side (seeded) about 8% of the sentences are merged with the
next one into one line (2-1 and 1-2 beads) and about 3% are dropped (1-0 and 0-1
beads); events never touch the same or adjacent sentences, so every gold bead is
1-1, 2-1, 1-2, 1-0 or 0-1. Each document is aligned as segmented input (one segment
per line). Strict scores, as in vecalign: a bead counts only if its (French index
set, English index set) equals a gold bead; all beads but empty ones are counted,
deletions included.

    python benchmarks/pair_alignment.py [--docs N] [--mt] [--no-scale]

`--mt` adds the MT mode with a tiny *random* Marian model built on the fly: its F1
only shows that the mode runs, random weights translate nothing.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from align.tools.bitext import align_segments  # noqa: E402

DATA = REPO / "data"
DOC_LINES = 40
MERGE_RATE = 0.08
DROP_RATE = 0.03
SEED = 2013

Bead = tuple[tuple[int, ...], tuple[int, ...]]


def load(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")][:3000]


def corrupt(fr: list[str], en: list[str], rng: random.Random) -> tuple[list[str], list[str], set[Bead]]:
    """Merge and drop sentences on both sides; returns the two segment lists and the
    gold beads over segment indices."""
    count = len(fr)
    # One event per sentence at most, never on adjacent sentences.
    events: dict[int, tuple[str, str]] = {}   # sentence -> (side, "merge"|"drop")
    busy: set[int] = set()
    for s in range(count):
        if s in busy:
            continue
        roll = rng.random()
        side = rng.choice(("fr", "en"))
        if roll < MERGE_RATE and s + 1 < count and s + 1 not in busy:
            events[s] = (side, "merge")
            busy.update({s - 1, s, s + 1, s + 2})
        elif roll < MERGE_RATE + DROP_RATE:
            events[s] = (side, "drop")
            busy.update({s - 1, s, s + 1})
    sides = {"fr": (fr, [], {}), "en": (en, [], {})}  # lines, segments, sentence -> segment
    for name, (lines, segments, where) in sides.items():
        s = 0
        while s < count:
            side, kind = events.get(s, ("", ""))
            if side == name and kind == "drop":
                s += 1
                continue
            if side == name and kind == "merge":
                where[s] = where[s + 1] = len(segments)
                segments.append(lines[s] + " " + lines[s + 1])
                s += 2
                continue
            where[s] = len(segments)
            segments.append(lines[s])
            s += 1
    fr_where, en_where = sides["fr"][2], sides["en"][2]
    gold: set[Bead] = set()
    seen: set[int] = set()
    for s in range(count):
        if s in seen:
            continue
        group = {s}
        if events.get(s, ("", ""))[1] == "merge":
            group.add(s + 1)
        seen |= group
        fr_set = tuple(sorted({fr_where[t] for t in group if t in fr_where}))
        en_set = tuple(sorted({en_where[t] for t in group if t in en_where}))
        gold.add((fr_set, en_set))
    return sides["fr"][1], sides["en"][1], gold


def nltk_beads(fr: list[str], en: list[str]) -> set[Bead]:
    """NLTK Gale-Church links turned into beads (connected components; unlinked
    segments are deletions)."""
    from nltk.translate.gale_church import align_blocks
    links = align_blocks([len(s) for s in fr], [len(s) for s in en])
    fr_of: dict[int, set[int]] = {}
    en_of: dict[int, set[int]] = {}
    for a, b in links:
        fr_of.setdefault(a, set()).add(b)
        en_of.setdefault(b, set()).add(a)
    beads: set[Bead] = set()
    done_fr: set[int] = set()
    for a in range(len(fr)):
        if a in done_fr:
            continue
        group_fr, group_en, todo = {a}, set(), [("fr", a)]
        while todo:
            side, x = todo.pop()
            neighbours = fr_of.get(x, set()) if side == "fr" else en_of.get(x, set())
            for y in neighbours:
                target = group_en if side == "fr" else group_fr
                if y not in target:
                    target.add(y)
                    todo.append(("en" if side == "fr" else "fr", y))
        done_fr |= group_fr
        beads.add((tuple(sorted(group_fr)), tuple(sorted(group_en))))
    linked_en = set(en_of)
    beads |= {((), (b,)) for b in range(len(en)) if b not in linked_en}
    return beads


def prf(gold: set[Bead], test: set[Bead]) -> tuple[int, int, int]:
    test = {b for b in test if b != ((), ())}
    gold = {b for b in gold if b != ((), ())}
    return len(gold & test), len(test), len(gold)


def summary(tp: int, tested: int, gold: int) -> tuple[float, float, float]:
    p = tp / tested if tested else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def scale_check(rng: random.Random, fr_all: list[str], en_all: list[str], size: int = 10_000) -> tuple[float, float]:
    """Time one alignment of a `size`-sentence synthetic book (newstest repeated,
    corrupted like the documents); returns (seconds, strict F1)."""
    repeat = size // len(fr_all) + 1
    fr = (fr_all * repeat)[:size]
    en = (en_all * repeat)[:size]
    fr_seg, en_seg, gold = corrupt(fr, en, rng)
    start = time.perf_counter()
    beads = align_segments(fr_seg, en_seg)
    seconds = time.perf_counter() - start
    return seconds, summary(*prf(gold, {(b.fr, b.en) for b in beads}))[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=0, help="only the first N documents (0: all 75)")
    parser.add_argument("--mt", action="store_true", help="also run the MT mode with a tiny random model")
    parser.add_argument("--no-scale", action="store_true", help="skip the 10,000-sentence timing")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    fr_all, en_all = load(DATA / "newstest2013.fr"), load(DATA / "newstest2013.en")
    rng = random.Random(args.seed)
    documents = []
    for start in range(0, len(fr_all), DOC_LINES):
        documents.append(corrupt(fr_all[start:start + DOC_LINES], en_all[start:start + DOC_LINES], rng))
    if args.docs:
        documents = documents[:args.docs]

    systems: dict[str, object] = {
        "align.tools.bitext (length + anchors)": lambda fr, en: {(b.fr, b.en) for b in align_segments(fr, en)},
        "NLTK Gale-Church (align_blocks)": nltk_beads,
    }
    engine = None
    if args.mt:
        from align.mt.engines.base import GenerationSettings
        from align.mt.engines.transformers import TransformersEngine
        from align.mt.random_model import build_random_marian
        model_dir = Path(tempfile.mkdtemp(prefix="pair-bench-model-"))
        build_random_marian(model_dir, fr_all[:300], en_all[:300])
        engine = TransformersEngine(str(model_dir), settings=GenerationSettings(beams=1, batch_size=32))
        if not args.docs:  # random-model decoding is slow on CPU: a few documents show the mode runs
            documents = documents[:3]

        def with_mt(fr: list[str], en: list[str]) -> set[Bead]:
            mt = [h.text for h in engine.translate(fr)]
            return {(b.fr, b.en) for b in align_segments(fr, en, mt=mt)}
        systems["align.tools.bitext + MT chrF (RANDOM tiny model: F1 meaningless)"] = with_mt

    gold_kinds: dict[str, int] = {}
    for _, _, gold in documents:
        for fr_set, en_set in gold:
            kind = f"{len(fr_set)}-{len(en_set)}"
            gold_kinds[kind] = gold_kinds.get(kind, 0) + 1
    print(f"{len(documents)} documents of {DOC_LINES} sentences from newstest2013, seed {args.seed}; "
          f"gold beads: " + ", ".join(f"{k} {v}" for k, v in sorted(gold_kinds.items())))
    print()
    print("| aligner | strict P | strict R | strict F1 | time (s) |")
    print("|---|---:|---:|---:|---:|")
    for name, system in systems.items():
        totals = [0, 0, 0]
        start = time.perf_counter()
        for fr, en, gold in documents:
            counts = prf(gold, system(fr, en))
            totals = [x + y for x, y in zip(totals, counts)]
        seconds = time.perf_counter() - start
        p, r, f = summary(*totals)
        print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {seconds:.2f} |")
    if not args.no_scale:
        seconds, f1 = scale_check(random.Random(args.seed), fr_all, en_all)
        print()
        print(f"Scale: one 10,000-sentence synthetic book (newstest repeated, same corruption) "
              f"aligned in {seconds:.1f} s, strict F1 {f1:.3f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

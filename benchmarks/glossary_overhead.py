"""Cost of glossary enforcement: the same sentences translated with and without it.

    python benchmarks/glossary_overhead.py [--sentences 64] [--models tiny,full] [--repeats 2]

Sentences are those of sources_fr/ that contain glossary terms (the case where
enforcement does work). Models are randomly initialised, shaped like opus-mt-fr-en
("full") or tiny: their output is noise and never emits EOS, so every sentence runs
to its length bound, and nearly every term has to be forced — the worst case for
enforcement. Output lengths are those the engine would produce (bounded by the
source length); with enforcement, terms add their own tokens to that bound.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def term_sentences(limit: int):
    from align.terms.glossary import Glossary, find_terms
    from align.segment import segment_document
    from align.sources import read_document

    glossary = Glossary.load(ROOT / "glossary.tsv")
    pairs = []
    for path in sorted((ROOT / "sources_fr").glob("*.txt")):
        document = find_terms(segment_document(read_document(path)), glossary)
        pairs.extend(p for p in document.translatable_pairs() if p.terms)
    return pairs[:limit]


def build_model(kind: str, directory: Path) -> Path:
    from align.random_model import build_random_marian

    french = [l for p in sorted((ROOT / "sources_fr").glob("*.txt"))
              for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
    english = (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:2000]
    return build_random_marian(directory / kind, french, english, full_size=(kind == "full"))


def measure(engine, pairs, constrained: bool, repeats: int) -> tuple[float, int, float]:
    from align.terms.enforce import constraint_for, find_target

    sources = [p.source for p in pairs]
    constraints = [[constraint_for(t) for t in p.terms] for p in pairs] if constrained else None
    times, tokens, satisfied = [], 0, 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        hypotheses = engine.translate(sources, constraints)
        times.append(time.perf_counter() - start)
        tokens = sum(h.tokens for h in hypotheses)
    found = sum(1 for p, h in zip(pairs, hypotheses) for t in p.terms if find_target(h.text, t.target) >= 0)
    satisfied = found / sum(len(p.terms) for p in pairs)
    return statistics.median(times), tokens, satisfied


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--models", default="tiny,full")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    import torch

    from align.engines.base import GenerationSettings
    from align.engines.transformers import TransformersEngine

    torch.manual_seed(0)
    pairs = term_sentences(args.sentences)
    terms = sum(len(p.terms) for p in pairs)
    print(f"{len(pairs)} sentences with {terms} glossary terms, beams from the model (4), "
          f"batch {args.batch_size}, median of {args.repeats}, {torch.get_num_threads()} torch threads\n")
    print("| model | enforcement | seconds | output tokens | tokens/s | terms in output | overhead |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.models.split(","):
            engine = TransformersEngine(str(build_model(kind, Path(tmp))),
                                        GenerationSettings(batch_size=args.batch_size))
            engine.translate([p.source for p in pairs[:4]])  # warm-up
            base = measure(engine, pairs, False, args.repeats)
            forced = measure(engine, pairs, True, args.repeats)
            for label, (seconds, tokens, share) in (("off", base), ("on", forced)):
                overhead = "" if label == "off" else f"{100 * (seconds / base[0] - 1):+.1f}%"
                print(f"| {kind} | {label} | {seconds:.2f} | {tokens} | {tokens / seconds:.0f} | "
                      f"{100 * share:.1f}% | {overhead} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

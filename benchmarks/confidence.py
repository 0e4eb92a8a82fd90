"""Does the `low-confidence` flag point at the worst translations?

Translates the first N sentences of newstest2013 (French) with a model (default:
the small trained test model, tests/models/small-fr-en), groups them into
"articles" of K consecutive sentences, flags them with `align.checks.pair.low_confidence`
exactly as `align translate` does, and compares each sentence's chrF against the
reference (sacrebleu's sentence chrF) between flagged and unflagged sentences.
Also the Spearman rank correlation between score and chrF over all sentences.

    python benchmarks/confidence.py [--model DIR] [--data DIR] [--sentences 300] [--article 30]
                                    [--beams N] [--engine transformers|ctranslate2] [--json FILE]

Scores come from the engine (`Hypothesis.score`: mean log-probability per output
token, EOS included; `--engine transformers|ctranslate2`), as `align translate`
stores them.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from align.checks.pair import CONFIDENT_SCORE, LOW_CONFIDENCE_SHARE, low_confidence  # noqa: E402
from align.document import SentencePair  # noqa: E402


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(x: list[float], y: list[float]) -> float:
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


def permutation_p(low: list[float], rest: list[float], rounds: int = 10000, seed: int = 2013) -> float | None:
    """One-sided permutation test: how often a random set of len(low) sentences
    has a mean chrF as far below the rest as the flagged ones."""
    import random

    if not low or not rest:
        return None
    pooled, k = low + rest, len(low)
    observed = statistics.fmean(rest) - statistics.fmean(low)
    total = sum(pooled)
    rng = random.Random(seed)
    hits = 0
    for _ in range(rounds):
        sample = sum(rng.sample(pooled, k))
        if (total - sample) / (len(pooled) - k) - sample / k >= observed:
            hits += 1
    return round((hits + 1) / (rounds + 1), 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--data", default=str(ROOT / "data"), help="folder with newstest2013.fr/.en")
    parser.add_argument("--engine", default="transformers", choices=("transformers", "ctranslate2"))
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--article", type=int, default=30, help="sentences per article")
    parser.add_argument("--beams", type=int, default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    data = Path(args.data)
    try:
        french = (data / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:args.sentences]
        english = (data / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:args.sentences]
    except OSError as exc:
        print(f"confidence.py: {exc.filename}: not found (give --data DIR with newstest2013.fr/.en)", file=sys.stderr)
        return 2

    import sacrebleu
    import torch

    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings

    torch.set_num_threads(2)
    engine = load_engine(args.engine, args.model, GenerationSettings(beams=args.beams, batch_size=16, device="cpu"))
    started = time.perf_counter()
    hypotheses = engine.translate(french, with_attention=False)
    seconds = time.perf_counter() - started
    outputs = [h.text.strip() for h in hypotheses]
    scores = [h.score for h in hypotheses]
    source = f"engine ({args.engine})"
    chrf = [sacrebleu.sentence_chrf(o, [r]).score for o, r in zip(outputs, english)]

    pairs = [SentencePair(f, o, 1 + i // args.article, 1 + i % args.article, origin="model", score=s)
             for i, (f, o, s) in enumerate(zip(french, outputs, scores))]

    def compare(share: float, confident: float) -> dict:
        flagged: set[int] = set()
        for start in range(0, len(pairs), args.article):
            article = pairs[start:start + args.article]
            flagged.update(id(p) for p in low_confidence(article, share=share, confident=confident))
        low = [c for p, c in zip(pairs, chrf) if id(p) in flagged]
        rest = [c for p, c in zip(pairs, chrf) if id(p) not in flagged]
        bottom = sorted(chrf)[len(chrf) // 4]
        return {"share": share, "confident": confident, "flagged": len(low),
                "p_value": permutation_p(low, rest),
                "chrf_flagged": round(statistics.fmean(low), 2) if low else None,
                "chrf_rest": round(statistics.fmean(rest), 2) if rest else None,
                "flagged_in_worst_quarter": round(sum(c <= bottom for c in low) / len(low), 3) if low else None}

    report = {
        "model": args.model, "data": str(data), "sentences": len(pairs), "article_size": args.article,
        "scores": source, "translate_seconds": round(seconds, 1),
        "corpus_chrf": round(sacrebleu.corpus_chrf(outputs, [english]).score, 2),
        "score_mean": round(statistics.fmean(scores), 3),
        "score_quartiles": [round(q, 3) for q in statistics.quantiles(scores, n=4)],
        "spearman_score_chrf": round(spearman(scores, chrf), 3),
        "chrf_all": round(statistics.fmean(chrf), 2),
        "default": compare(LOW_CONFIDENCE_SHARE, CONFIDENT_SCORE),
        "variants": [compare(share, confident) for share, confident in
                     ((0.1, 0.0), (0.2, CONFIDENT_SCORE), (0.05, CONFIDENT_SCORE), (1.0, -1.0), (1.0, -1.5))],
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Batch sizes by measurement: sentences/s of each engine against the batch's token budget.

    python benchmarks/batch_sizes.py [--model tests/models/small-fr-en] [--sentences 400]
                                     [--budgets 256 512 1024 2048 4096 8192] [--engines transformers ctranslate2]
                                     [--json FILE]

The trained test model translates held-out news sentences (newstest2013 lines 1000 on,
which it never saw) with its own settings (4 beams), on the CPU, once per token budget
(a batch holds at most that many source tokens, padding included; the sentence cap is
lifted to 1,024 so that tokens decide). Raw CTranslate2 (`translate_batch` on
pre-tokenized input, with attention and scores, as align asks for them) runs at the
same budgets with `batch_type="tokens"`, so its best setting is known too. Each
engine is loaded once and warmed up; every setting runs `--repeats` passes, the
settings interleaved (a slow minute on a shared machine hits them all), and the
median is reported; the machine should be otherwise idle.
The defaults in `GenerationSettings` (engines' `default_batch_tokens`) come from this
table (benchmarks/README.md, "Batch sizes").

Batch composition: each engine also translates every sentence in a batch of its own
(no padding); the table counts, per budget, the sentences whose English differs from
that. An engine whose numerics did not depend on the batch would differ on none.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from align.mt.engines import load_engine  # noqa: E402
from align.mt.engines.base import GenerationSettings  # noqa: E402


def held_out(count: int) -> list[str]:
    lines = (REPO / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
    return [line for line in lines[1000:] if line.strip()][:count]


def load(name: str, model: str, cache: str | None):
    engine = load_engine("ctranslate2" if name == "raw-ctranslate2" else name, model,
                         GenerationSettings(batch_size=1024, device="cpu"), cache_dir=cache)
    engine.translate(held_out(4))  # warm-up
    return engine


def measure(name: str, engine, sentences: list[str], budget: int) -> tuple[float, list[str]]:
    """Sentences/s of one pass over `sentences` at this token budget, and the English."""
    if name == "raw-ctranslate2":  # CTranslate2 batching by itself, as align asks for attention and scores
        tokens = engine.source_tokens(sentences)
        start = time.perf_counter()
        results = engine.translator.translate_batch(tokens, beam_size=engine.num_beams, return_attention=True,
                                                    return_scores=True, max_batch_size=budget, batch_type="tokens")
        seconds = time.perf_counter() - start
        return len(sentences) / seconds, [" ".join(r.hypotheses[0]) for r in results]
    engine.settings.batch_tokens = budget
    start = time.perf_counter()
    english = [h.text for h in engine.translate(sentences)]
    return len(sentences) / (time.perf_counter() - start), english


def alone(engine, sentences: list[str]) -> list[str]:
    """Each sentence translated in a batch of its own: no padding, the batch-invariant reference."""
    return [engine.translate_batch([sentence])[0].text for sentence in sentences]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(REPO / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--budgets", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    parser.add_argument("--engines", nargs="+", default=["transformers", "ctranslate2", "raw-ctranslate2"])
    parser.add_argument("--cache", default=None, help="CTranslate2 conversion cache [default: $ALIGN_CACHE]")
    parser.add_argument("--repeats", type=int, default=3, help="passes per setting; the median is reported")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    sentences = held_out(args.sentences)
    rows = []
    for name in args.engines:
        engine = load(name, args.model, args.cache)
        rates: dict[int, list[float]] = {budget: [] for budget in args.budgets}
        english: dict[int, list[str]] = {}
        for _ in range(args.repeats):  # settings interleaved, so a slow minute hits them all
            for budget in args.budgets:
                rate, english[budget] = measure(name, engine, sentences, budget)
                rates[budget].append(rate)
        reference = alone(engine, sentences) if name != "raw-ctranslate2" else None
        for budget in args.budgets:
            rate = statistics.median(rates[budget])
            # Batch composition: sentences whose English differs from the sentence translated alone.
            changed = None if reference is None else sum(a != b for a, b in zip(english[budget], reference))
            rows.append({"engine": name, "batch_tokens": budget, "sentences_per_second": round(rate, 2),
                         "runs": [round(r, 2) for r in rates[budget]], "differs_from_alone": changed})
            print(f"{name:16s} {budget:6d} tokens  {rate:7.2f} sentences/s  "
                  f"({', '.join(f'{r:.1f}' for r in rates[budget])})"
                  + ("" if changed is None else f"  {changed} of {len(sentences)} differ from alone"), flush=True)
        del engine
    print("\n| engine | " + " | ".join(f"{b} tokens" for b in args.budgets) + " |")
    print("|---|" + "---:|" * len(args.budgets))
    for name in args.engines:
        rates = [r["sentences_per_second"] for r in rows if r["engine"] == name]
        best = max(rates)
        cells = [f"**{r:.1f}**" if r == best else f"{r:.1f}" for r in rates]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nSentences whose English differs from the sentence translated alone:\n")
    print("| engine | " + " | ".join(f"{b} tokens" for b in args.budgets) + " |")
    print("|---|" + "---:|" * len(args.budgets))
    for name in args.engines:
        changed = [r["differs_from_alone"] for r in rows if r["engine"] == name]
        if None not in changed:
            print(f"| {name} | " + " | ".join(f"{c} of {len(sentences)}" for c in changed) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"sentences": len(sentences), "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()

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
configuration runs once after one warm-up batch; the machine should be otherwise idle.
The defaults in `GenerationSettings` (engines' `default_batch_tokens`) come from this
table (benchmarks/README.md, "Batch sizes").
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from align.engines import load_engine  # noqa: E402
from align.engines.base import GenerationSettings  # noqa: E402


def held_out(count: int) -> list[str]:
    lines = (REPO / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
    return [line for line in lines[1000:] if line.strip()][:count]


def measure_engine(name: str, model: str, sentences: list[str], budget: int, cache: str | None) -> float:
    engine = load_engine(name, model, GenerationSettings(batch_tokens=budget, batch_size=1024, device="cpu"),
                         cache_dir=cache)
    engine.translate(sentences[:4])  # warm-up
    start = time.perf_counter()
    engine.translate(sentences)
    return len(sentences) / (time.perf_counter() - start)


def measure_raw_ct2(model: str, sentences: list[str], budget: int, cache: str | None) -> float:
    engine = load_engine("ctranslate2", model, GenerationSettings(device="cpu"), cache_dir=cache)
    tokens = engine.source_tokens(sentences)
    translator = engine.translator
    options = dict(beam_size=engine.num_beams, return_attention=True, return_scores=True,
                   max_batch_size=budget, batch_type="tokens")
    translator.translate_batch(tokens[:4], **options)
    start = time.perf_counter()
    translator.translate_batch(tokens, **options)
    return len(sentences) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(REPO / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--budgets", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    parser.add_argument("--engines", nargs="+", default=["transformers", "ctranslate2", "raw-ctranslate2"])
    parser.add_argument("--cache", default=None, help="CTranslate2 conversion cache [default: $ALIGN_CACHE]")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    sentences = held_out(args.sentences)
    rows = []
    for name in args.engines:
        for budget in args.budgets:
            if name == "raw-ctranslate2":
                rate = measure_raw_ct2(args.model, sentences, budget, args.cache)
            else:
                rate = measure_engine(name, args.model, sentences, budget, args.cache)
            rows.append({"engine": name, "batch_tokens": budget, "sentences_per_second": round(rate, 2)})
            print(f"{name:16s} {budget:6d} tokens  {rate:7.2f} sentences/s", flush=True)
    print("\n| engine | " + " | ".join(f"{b} tokens" for b in args.budgets) + " |")
    print("|---|" + "---:|" * len(args.budgets))
    for name in args.engines:
        rates = [r["sentences_per_second"] for r in rows if r["engine"] == name]
        best = max(rates)
        cells = [f"**{r:.1f}**" if r == best else f"{r:.1f}" for r in rates]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"sentences": len(sentences), "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()

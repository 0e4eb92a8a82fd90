"""Numbers the reader can trust: `--numbers repair` against `--numbers flag`, and the
human translation, on sentences the small trained model never saw.

    python benchmarks/number_repair.py [--model tests/models/small-fr-en] [--per-set 134] [--json FILE]

Sets (data/README.md): newstest2012, 2013 and 2014 (the model was trained on
newstest2009–2011), the first `--per-set` French lines holding a digit of each, and
FLORES-200 devtest, every line holding a digit. Each set is one plain-text article, a
line a paragraph, translated by `align translate`'s pipeline with both engines, once
with `--numbers flag` and once with `--numbers repair` (no glossary, no memory).

- **missing**: the share of sentences (lines) where a number the French writes in
  digits is not among the English's numbers, by this script's own value check (not
  align.checks.numbers): French `40 000`, `3,5`, `1.500` read as 40000, 3.5, 1500;
  English `40,000`, `3.5`; nothing else (no words, no scales, no times): the same
  check for the machine's English, before and after repair, and for the human one;
- BLEU and chrF (sacrebleu, the human translation as reference), before and after;
- repairs per 1,000 sentences (`number-repaired` flags), the run's time with repair and
  the numbers stage's own share of it (timed alone: two runs on a shared machine differ by
  more than the stage costs).
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file is named as the issue asks, like the standard library's `numbers`, which
# `decimal` imports: its folder must not come first on the path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from decimal import Decimal, InvalidOperation  # noqa: E402

SETS = ("newstest2012", "newstest2013", "newstest2014", "flores200-devtest")
_FRENCH = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:\.\d{3})+(?![\d,])|\d+)"
                     r"(?:,\d+)?(?![\d])")
_ENGLISH = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")


def _values(text: str, pattern: re.Pattern[str], group: str, decimal: str) -> set[Decimal]:
    values = set()
    for match in pattern.finditer(text):
        digits = re.sub(f"[{re.escape(group)}]", "", match.group()).replace(decimal, ".")
        try:
            values.add(Decimal(digits).normalize())
        except InvalidOperation:
            continue
    return values


def french_values(text: str) -> set[Decimal]:
    return _values(text, _FRENCH, " \u00a0\u202f.", ",")


def english_values(text: str) -> set[Decimal]:
    return _values(text, _ENGLISH, ",", ".")


def misses(french: str, english: str) -> bool:
    """A number the French writes in digits is not among the English's numbers."""
    return bool(french_values(french) - english_values(english))


def load(name: str, per_set: int) -> tuple[list[str], list[str]]:
    fr = (ROOT / "data" / f"{name}.fr").read_text(encoding="utf-8").splitlines()
    en = (ROOT / "data" / f"{name}.en").read_text(encoding="utf-8").splitlines()
    pairs = [(f, e) for f, e in zip(fr, en) if re.search(r"\d", f) and f.strip() and e.strip()]
    if not name.startswith("flores"):
        pairs = pairs[:per_set]
    return [f for f, _ in pairs], [e for _, e in pairs]


def translate(lines: list[str], engine, numbers: str, folder: Path) -> tuple[list[str], int, float, float]:
    """The English of each line, the repairs made, the run's seconds and those of its
    numbers stage (the repair, timed alone: the run's own time varies more than it costs)."""
    import align.pipeline.run as pipeline
    from align.output.writers.tsv import flags_from_text, read_rows
    from align.pipeline.run import translate_paths

    stage = [0.0]
    repair_numbers = pipeline.repair_numbers

    def timed(document):
        started = time.perf_counter()
        try:
            return repair_numbers(document)
        finally:
            stage[0] += time.perf_counter() - started

    pipeline.repair_numbers = timed

    source = folder / "in" / "set.txt"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    out = folder / f"out-{numbers}"
    started = time.perf_counter()
    try:
        translate_paths([source], engine, out, glossary=None, numbers=numbers)
    finally:
        pipeline.repair_numbers = repair_numbers
    seconds = time.perf_counter() - started
    english: dict[int, list[str]] = {}
    repairs = 0
    for row in read_rows(out / "set.tsv"):
        english.setdefault(int(row["paragraph"]), []).append(row["en"])
        repairs += sum(1 for flag in flags_from_text(row["flags"]) if flag.code == "number-repaired")
    return [" ".join(english.get(i + 1, [])) for i in range(len(lines))], repairs, seconds, stage[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--per-set", type=int, default=134)
    parser.add_argument("--engines", default="ctranslate2,transformers")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import sacrebleu

    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        engines = {name: load_engine(name, args.model, GenerationSettings(device="cpu"),
                                     cache_dir=Path(scratch) / "cache") for name in args.engines.split(",")}
        for name in SETS:
            french, human = load(name, args.per_set)
            row = {"set": name, "sentences": len(french),
                   "human_missing": sum(map(misses, french, human)) / len(french)}
            for engine_name, engine in engines.items():
                for numbers in ("flag", "repair"):
                    english, repairs, seconds, repair_seconds = translate(french, engine, numbers,
                                                          Path(scratch) / name / engine_name)
                    key = f"{engine_name}.{numbers}"
                    row[key] = {
                        "missing": sum(map(misses, french, english)) / len(french),
                        "bleu": sacrebleu.corpus_bleu(english, [human]).score,
                        "chrf": sacrebleu.corpus_chrf(english, [human]).score,
                        "repairs_per_1000": 1000 * repairs / len(french),
                        "seconds": seconds,
                        "repair_seconds": repair_seconds,
                    }
                    print(f"{name} {key}: {row[key]}", file=sys.stderr)
            results.append(row)
    print("| set | sentences | engine | human missing | missing flag → repair | BLEU flag → repair "
          "| chrF flag → repair | repairs /1000 | run s (repair) | repair's share |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in results:
        for engine_name in args.engines.split(","):
            flag, repair = row[f"{engine_name}.flag"], row[f"{engine_name}.repair"]
            print(f"| {row['set']} | {row['sentences']} | {engine_name} | {100 * row['human_missing']:.1f}% "
                  f"| {100 * flag['missing']:.1f}% → {100 * repair['missing']:.1f}% "
                  f"| {flag['bleu']:.2f} → {repair['bleu']:.2f} | {flag['chrf']:.2f} → {repair['chrf']:.2f} "
                  f"| {repair['repairs_per_1000']:.0f} | {repair['seconds']:.1f} ({repair['repair_seconds']:.2f}) "
                  f"| {100 * repair['repair_seconds'] / repair['seconds']:.1f}% |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

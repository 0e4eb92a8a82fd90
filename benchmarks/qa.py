"""The number check on human translations: false alarms and recall.

    python benchmarks/qa.py [--model tests/models/small-fr-en] [--no-model] [--json FILE]

For each test set (data/newstest2013, 2014 and 2012: development, the check was
tuned on their flags; data/newstest2011: held out, measured once the check was
done and not tuned on):

- **false alarms**: `number-mismatch` flags on the human translation, among the
  sentence pairs holding a number written with digits on either side (a human
  translation is taken as correct: every flag is a false alarm, though a few are
  the translator's own slips);
- **recall**: the same English with one number changed, three ways — ×10, one
  digit changed, the number dropped — on every pair whose English holds a number
  written with digits (one seeded choice of the number per pair and way); the
  share of changed pairs flagged. The changes are made by this script's own regex,
  not by align's number reader;
- the same two figures for the baseline: the multiset of digit runs (`\\d+`) of
  the French and of the English differ;
- with `--model`, the share of the model's translations of the development set
  flagged (the small trained test model: its English is poor, nothing here
  measures opus-mt-fr-en).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from align.checks.numbers import mismatch_detail, number_mismatch  # noqa: E402

SETS = {"newstest2013 (development)": "newstest2013", "newstest2014 (development)": "newstest2014",
        "newstest2012 (development)": "newstest2012", "newstest2011 (held out)": "newstest2011"}
# A number written with digits in English text: 10,000 / 3.5 / 2013 (not inside a word).
EN_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d\w])|(?<![\w.,])\d+(?:\.\d+)?(?![\d\w])")
DIGITS = re.compile(r"\d")


def baseline_flags(fr: str, en: str) -> bool:
    return Counter(re.findall(r"\d+", fr)) != Counter(re.findall(r"\d+", en))


def align_flags(fr: str, en: str) -> bool:
    missing, extra = number_mismatch(fr, en)
    return bool(missing or extra)


def times_ten(number: str) -> str:
    grouped = "," in number
    value = Decimal(number.replace(",", "")) * 10
    text = format(value.normalize(), "f") if "." in number else str(int(value))
    if grouped and "." not in text:
        text = f"{int(text):,}"
    return text


def change_digit(number: str, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(number) if c.isdigit()]
    position = rng.choice(positions)
    choices = [d for d in "0123456789" if d != number[position] and not (d == "0" and position == 0)]
    return number[:position] + rng.choice(choices) + number[position + 1:]


def mutate(en: str, how: str, rng: random.Random) -> str | None:
    numbers = list(EN_NUMBER.finditer(en))
    if how == "x10":   # ×10 of a zero changes nothing
        numbers = [n for n in numbers if Decimal(n.group().replace(",", ""))]
    if not numbers:
        return None
    match = rng.choice(numbers)
    if how == "x10":
        new = times_ten(match.group())
    elif how == "digit":
        new = change_digit(match.group(), rng)
    else:  # dropped, with one space beside it
        start, end = match.start(), match.end()
        if end < len(en) and en[end] == " ":
            end += 1
        elif start > 0 and en[start - 1] == " ":
            start -= 1
        return en[:start] + en[end:]
    return en[:match.start()] + new + en[match.end():]


def measure(fr_lines: list[str], en_lines: list[str], seed: int = 2013) -> dict:
    with_numbers = [(f, e) for f, e in zip(fr_lines, en_lines) if DIGITS.search(f) or DIGITS.search(e)]
    result: dict = {"pairs": len(fr_lines), "pairs_with_numbers": len(with_numbers)}
    started = time.perf_counter()
    for name, check in (("align", align_flags), ("baseline", baseline_flags)):
        flagged = [(f, e) for f, e in with_numbers if check(f, e)]
        result[f"{name}_false_alarms"] = len(flagged)
        result[f"{name}_false_alarm_rate"] = len(flagged) / len(with_numbers)
        if name == "align":
            result["align_false_alarm_examples"] = [
                {"fr": f, "en": e, "flag": mismatch_detail(*number_mismatch(f, e))} for f, e in flagged]
    result["check_seconds"] = round(time.perf_counter() - started, 2)
    for how in ("x10", "digit", "dropped"):
        rng = random.Random(f"{seed}-{how}")
        mutants = [(f, m) for f, e in zip(fr_lines, en_lines) if (m := mutate(e, how, rng)) not in (None, e)]
        for name, check in (("align", align_flags), ("baseline", baseline_flags)):
            caught = sum(1 for f, m in mutants if check(f, m))
            result[f"{name}_recall_{how}"] = caught / len(mutants)
        result[f"mutants_{how}"] = len(mutants)
        if how == "digit":
            result["align_missed_digit_examples"] = [{"fr": f, "en": m} for f, m in mutants
                                                     if not align_flags(f, m)][:20]
    for name in ("align", "baseline"):
        total = sum(result[f"mutants_{how}"] for how in ("x10", "digit", "dropped"))
        result[f"{name}_recall"] = sum(result[f"{name}_recall_{how}"] * result[f"mutants_{how}"]
                                       for how in ("x10", "digit", "dropped")) / total
    return result


def model_share(model: str, fr_lines: list[str]) -> dict:
    from align.mt.engines import GenerationSettings, load_engine

    engine = load_engine("ctranslate2", model, GenerationSettings(device="cpu"))
    started = time.perf_counter()
    english = [h.text for h in engine.translate(fr_lines)]
    seconds = time.perf_counter() - started
    with_numbers = [i for i, f in enumerate(fr_lines) if DIGITS.search(f) or DIGITS.search(english[i])]
    flagged = [i for i in range(len(fr_lines)) if align_flags(fr_lines[i], english[i])]
    return {"model": model, "sentences": len(fr_lines), "translate_seconds": round(seconds, 1),
            "flagged": len(flagged), "flagged_share": len(flagged) / len(fr_lines),
            "with_numbers": len(with_numbers),
            "flagged_share_of_number_pairs": len(flagged) / max(1, len(with_numbers)),
            "examples": [{"fr": fr_lines[i], "en": english[i],
                          "flag": mismatch_detail(*number_mismatch(fr_lines[i], english[i]))} for i in flagged[:15]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(HERE / "data"))
    parser.add_argument("--model", default=str(HERE / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--no-model", action="store_true", help="Skip the model's translations.")
    parser.add_argument("--json", default=None, help="Also write every figure and example here.")
    args = parser.parse_args()
    report = {}
    for label, stem in SETS.items():
        fr = (Path(args.data) / f"{stem}.fr").read_text(encoding="utf-8").splitlines()
        en = (Path(args.data) / f"{stem}.en").read_text(encoding="utf-8").splitlines()
        report[label] = figures = measure(fr, en)
        print(f"{label}: {figures['pairs']} pairs, {figures['pairs_with_numbers']} with numbers "
              f"({figures['check_seconds']} s for both checks)")
        print(f"  {'':10} {'false alarms':>22} {'recall ×10':>11} {'digit':>7} {'dropped':>8} {'all':>7}")
        for name in ("align", "baseline"):
            print(f"  {name:10} {figures[f'{name}_false_alarms']:>6} ({figures[f'{name}_false_alarm_rate']:6.1%})"
                  f"{'':7} {figures[f'{name}_recall_x10']:>10.1%} {figures[f'{name}_recall_digit']:>7.1%}"
                  f" {figures[f'{name}_recall_dropped']:>8.1%} {figures[f'{name}_recall']:>7.1%}")
        print(f"  changed pairs: ×10 {figures['mutants_x10']}, digit {figures['mutants_digit']}, "
              f"dropped {figures['mutants_dropped']}")
    if not args.no_model:
        fr = (Path(args.data) / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
        report["model"] = share = model_share(args.model, fr)
        print(f"model {Path(args.model).name} on newstest2013: {share['flagged']} of {share['sentences']} "
              f"sentences flagged ({share['flagged_share']:.1%}; {share['flagged_share_of_number_pairs']:.1%} "
              f"of the {share['with_numbers']} with numbers), translated in {share['translate_seconds']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Glossary terms on a trained model: what pinning does to the translation.

    python benchmarks/terms.py [--sentences 150] [--engines transformers,ctranslate2] [--model DIR]

Held-out news (newstest2013, which the small test model never saw) with a
glossary of ~60 general news terms (tests/data/news_glossary.tsv): the first
`--sentences` sentences holding at least one term are translated by the small
trained model (tests/models/small-fr-en), once unpinned (the model alone) and
once pinned (align's term policy), with each engine. Every figure comes from an
*independent* checker written here (its own whole-word matching, not
align.terms.presence), so the project's own report can be checked against it:

  success      term occurrences whose target (an accepted form) is in the output,
               counting repeats (a source with a term twice needs it twice)
  report       the project's own success rate (model + forced) / all
  disagree     occurrences where the project and the checker disagree
  dup          (sentence, entry) pairs with more target occurrences than source ones
  late         targets in the last quarter of the output whose source is in the first half
  tacked       sentences ending in a term whose source does not end in it
  mid-word     target spellings found inside a longer word (`AI` in `OpenAI`)
  len          output characters / reference characters
  BLEU, chrF   sacrebleu, corpus level, against the references
  seconds      translate_document, the model's pass included; `bare` is the engine
               alone without attention (what a user without a glossary would need)

The model is small and poor (BLEU ~15 on this set): the figures measure what the
policy does to a model's output, never the quality of opus-mt-fr-en.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GLOSSARY = ROOT / "tests" / "data" / "news_glossary.tsv"
MODEL = ROOT / "tests" / "models" / "small-fr-en"


def load_sentences(glossary, limit: int):
    french = (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
    english = (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()
    chosen = [(f, e) for f, e in zip(french, english) if f.strip() and glossary.find(f)]
    return chosen[:limit]


def build_document(sentences, glossary):
    from align.document import Document, Paragraph, SentencePair
    from align.terms.glossary import find_terms

    paragraphs = [Paragraph(fr, i + 1, sentences=[SentencePair(fr, paragraph=i + 1, number=1)])
                  for i, (fr, _) in enumerate(sentences)]
    return find_terms(Document("newstest2013", paragraphs), glossary)


# -- the independent checker -------------------------------------------------------
def _spellings(glossary, entry_key: str) -> list[str]:
    entry = glossary.get(entry_key)
    forms = {target for _, target in entry.forms()} if entry else set()
    return sorted({f.replace("’", "'") for f in forms if f}, key=len, reverse=True)


def _whole_word_count(text: str, spellings: list[str]) -> tuple[int, list[int], int]:
    """(whole-word occurrences, their start offsets, occurrences inside longer words)."""
    text = text.replace("’", "'").lower()
    taken: list[tuple[int, int]] = []
    whole, starts, inside = 0, [], 0
    for spelling in spellings:
        needle = spelling.lower()
        position = text.find(needle)
        while position >= 0:
            end = position + len(needle)
            if not any(position < b and a < end for a, b in taken):
                before = text[position - 1] if position else " "
                after = text[end] if end < len(text) else " "
                if before.isalnum() or after.isalnum():
                    inside += 1
                else:
                    whole += 1
                    starts.append(position)
                    taken.append((position, end))
            position = text.find(needle, position + 1)
    return whole, starts, inside


def check(document, glossary) -> dict[str, float]:
    occurrences = found = dup_pairs = dup = late = late_total = tacked = inside = 0
    agree_errors = 0
    for pair in document.pairs():
        output = pair.target
        by_entry: dict[str, list] = {}
        for term in pair.terms:
            by_entry.setdefault(term.entry or term.source, []).append(term)
        for entry_key, terms in by_entry.items():
            spellings = _spellings(glossary, entry_key)
            whole, starts, mid = _whole_word_count(output, spellings)
            occurrences += len(terms)
            hit = min(whole, len(terms))
            found += hit
            dup_pairs += 1
            dup += whole > len(terms)
            inside += mid
            reported = sum(t.status in ("model", "forced") for t in terms)
            agree_errors += abs(reported - hit)
            for term, start in zip(terms, sorted(starts)):
                if term.start / max(1, len(pair.source)) < 0.5:
                    late_total += 1
                    late += start / max(1, len(output)) >= 0.75
        stripped = re.sub(r"[\s.!?\"'»”)]+$", "", output.replace("’", "'")).lower()
        source_stripped = re.sub(r"[\s.!?\"'»”)]+$", "", pair.source)
        for term in pair.terms:
            if any(stripped.endswith(s.lower()) for s in _spellings(glossary, term.entry or term.source)) \
                    and not source_stripped.endswith(term.source):
                tacked += 1
                break
    sentences = sum(1 for _ in document.pairs())
    return {"occurrences": occurrences, "success": found / occurrences, "disagree": agree_errors,
            "dup": dup / dup_pairs, "late": late / max(1, late_total), "tacked": tacked / sentences,
            "mid-word": inside}


def score(document, references) -> tuple[float, float, float]:
    import sacrebleu

    hypotheses = [p.target for p in document.pairs()]
    bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
    chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score
    length = sum(map(len, hypotheses)) / sum(map(len, references))
    return bleu, chrf, length


def run(engine_name: str, model: Path, sentences, glossary, repeats: int):
    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.pipeline.translate import translate_document

    engine = load_engine(engine_name, str(model), GenerationSettings(batch_size=16))
    references = [e for _, e in sentences]
    template = build_document(sentences, glossary)
    engine.translate([s for s, _ in sentences[:16]])  # warm-up
    rows = {}
    # Runs interleaved, the fastest of `repeats` kept: a shared machine's noise
    # then falls on every run alike.
    times: dict[str, list[float]] = {"bare": [], "unpinned": [], "pinned": []}
    documents = {}
    for _ in range(repeats):
        start = time.perf_counter()
        engine.translate([s for s, _ in sentences], with_attention=False)
        times["bare"].append(time.perf_counter() - start)
        for label, enforce in (("unpinned", False), ("pinned", True)):
            document = copy.deepcopy(template)
            start = time.perf_counter()
            translate_document(document, engine, enforce_terms=enforce)
            times[label].append(time.perf_counter() - start)
            documents[label] = document
    for label, enforce in (("unpinned", False), ("pinned", True)):
        document = documents[label]
        figures = check(document, glossary)
        if enforce:
            counts = document.term_counts()
            figures["report"] = (counts["model"] + counts["forced"]) / max(1, sum(counts.values()))
            figures["forced"] = counts["forced"]
            figures["term-late"] = sum(t.late for p in document.pairs() for t in p.terms)
        else:
            figures["report"] = None
            figures["disagree"] = None
        figures["bleu"], figures["chrf"], figures["len"] = score(document, references)
        figures["seconds"] = min(times[label])
        rows[label] = figures
    rows["bare"] = min(times["bare"])
    return rows


def main() -> None:
    from align.terms.glossary import Glossary

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=150)
    parser.add_argument("--engines", default="transformers,ctranslate2")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    glossary = Glossary.load(GLOSSARY)
    sentences = load_sentences(glossary, args.sentences)
    print(f"{len(sentences)} sentences of newstest2013 with terms, glossary {GLOSSARY.name} "
          f"({len(glossary)} entries), model {args.model.name}")
    print("| engine | run | occurrences | success | report | disagree | dup | late | tacked | mid-word | len | "
          "BLEU | chrF | seconds | forced | term-late |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.engines.split(","):
        rows = run(name, args.model, sentences, glossary, args.repeats)
        for label in ("unpinned", "pinned"):
            f = rows[label]
            report = "–" if f["report"] is None else f"{f['report']:.3f}"
            disagree = "–" if f["disagree"] is None else str(f["disagree"])
            print(f"| {name} | {label} | {f['occurrences']} | {f['success']:.3f} | {report} | {disagree} | "
                  f"{100 * f['dup']:.1f}% | {100 * f['late']:.1f}% | {100 * f['tacked']:.1f}% | {f['mid-word']} | "
                  f"×{f['len']:.3f} | {f['bleu']:.2f} | {f['chrf']:.2f} | {f['seconds']:.2f} | "
                  f"{f.get('forced', '–')} | {f.get('term-late', '–')} |")
        overhead = rows["pinned"]["seconds"] / rows["unpinned"]["seconds"] - 1
        over_bare = rows["pinned"]["seconds"] / rows["bare"] - 1
        print(f"| {name} | bare engine (no attention, no policy) | | | | | | | | | | | | {rows['bare']:.2f} | | |")
        print(f"\n{name}: pinned vs unpinned time {100 * overhead:+.1f}%, pinned vs bare engine {100 * over_bare:+.1f}%\n")


if __name__ == "__main__":
    main()

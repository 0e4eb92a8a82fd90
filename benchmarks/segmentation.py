"""Sentence-segmentation benchmark: align.segment against pysbd, sentencex and syntok.

Gold: newstest2013.fr (one sentence per line). Runs of up to 8 consecutive lines are
joined into paragraphs (a new paragraph starts after a line without sentence-final
punctuation, e.g. a headline), (1) with a normal space, (2) with the space after a
sentence-final mark dropped 30% of the time (seeded). A boundary is the offset of a
sentence start inside a paragraph (the paragraph start excluded).

    python benchmarks/segmentation.py [--data DIR] [--lang fr] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "data"  # a copy of ../shared/data, so a fresh clone runs it
MAX_LINES = 8
DROP_RATE = 0.3
SEED = 2013
FINAL = re.compile(r"[.!?…][\s\"»”’)\]]*$")


# ----------------------------------------------------------------------- corpus
def load_lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip()]


def make_paragraphs(lines: list[str]) -> list[list[str]]:
    paras: list[list[str]] = []
    cur: list[str] = []
    for ln in lines:
        cur.append(ln)
        if len(cur) == MAX_LINES or not FINAL.search(ln):
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    return paras


def join(paras: list[list[str]], drop: float, seed: int) -> list[tuple[str, list[int]]]:
    """(paragraph text, gold boundary offsets); the space after a sentence-final
    line is dropped with probability `drop`."""
    rng = random.Random(seed)
    out = []
    for lines in paras:
        text = lines[0]
        gold = []
        for prev, ln in zip(lines, lines[1:]):
            sep = "" if FINAL.search(prev) and rng.random() < drop else " "
            text += sep
            gold.append(len(text))
            text += ln
        out.append((text, gold))
    return out


# -------------------------------------------------------------------- mapping
def starts_from_strings(text: str, sents) -> list[int]:
    """Start offsets of the tool's sentences in text, found by searching forward;
    falls back to aligning non-whitespace characters if a tool altered spacing."""
    starts, pos = [], 0
    nonspace = None
    for s in sents:
        s = s.strip()
        if not s:
            continue
        i = text.find(s, pos)
        if i < 0:
            if nonspace is None:
                nonspace = [j for j, c in enumerate(text) if not c.isspace()]
            # count non-space characters of the text before pos, then take the next one
            k = sum(1 for j in nonspace if j < pos)
            if k >= len(nonspace):
                break
            i = nonspace[k]
            pos = nonspace[min(k + sum(not c.isspace() for c in s), len(nonspace)) - 1] + 1
        else:
            pos = i + len(s)
        starts.append(i)
    return starts


def tools(lang: str):
    """name -> function(text) -> list of sentence start offsets."""
    from align.segment import sentence_spans

    out = {"align": lambda t: [s for s, _ in sentence_spans(t, lang)]}
    try:
        import pysbd

        seg = pysbd.Segmenter(language=lang, clean=False, char_span=False)
        out["pysbd"] = lambda t: starts_from_strings(t, seg.segment(t))
    except ImportError:
        print("pysbd not installed; skipped", file=sys.stderr)
    try:
        import sentencex

        out["sentencex"] = lambda t: starts_from_strings(t, sentencex.segment(lang, t))
    except ImportError:
        print("sentencex not installed; skipped", file=sys.stderr)
    try:
        import syntok.segmenter as syn

        def syntok_starts(t):
            return [sent[0].offset for para in syn.analyze(t) for sent in para if sent]

        out["syntok"] = syntok_starts
    except ImportError:
        print("syntok not installed; skipped", file=sys.stderr)
    return out


def evaluate(fn, corpus, n_sentences: int) -> dict:
    tp = fp = fn_ = 0
    predicted = []
    fn(corpus[0][0])  # warm-up (imports, regex compilation, caches)
    t0 = time.perf_counter()
    for text, _ in corpus:
        predicted.append(fn(text))
    elapsed = time.perf_counter() - t0
    errors = []
    for (text, gold), starts in zip(corpus, predicted):
        pred = {s for s in starts if s > 0}
        g = set(gold)
        tp += len(pred & g)
        fp += len(pred - g)
        fn_ += len(g - pred)
        for b in sorted(pred ^ g):
            kind = "FP" if b in pred else "FN"
            errors.append(f"{kind} …{text[max(0, b - 50):b]}|{text[b:b + 30]}…")
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn_) if tp + fn_ else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn_,
            "seconds": elapsed, "sentences_per_s": n_sentences / elapsed if elapsed else 0.0,
            "errors": errors}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="directory with newstest2013.<lang> (default: %(default)s)")
    ap.add_argument("--lang", default="fr", choices=["fr", "en"])
    ap.add_argument("--json", type=Path, help="write the results to this JSON file")
    ap.add_argument("--tools", help="comma-separated subset of align,pysbd,sentencex,syntok")
    ap.add_argument("--errors", type=int, default=0, metavar="N",
                    help="print up to N boundary errors of align per setting")
    args = ap.parse_args(argv)

    path = args.data / f"newstest2013.{args.lang}"
    if not path.is_file():
        print(f"error: benchmark data not found: {path}\n"
              f"(expected newstest2013.{args.lang} under --data DIR)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))

    lines = load_lines(path)
    paras = make_paragraphs(lines)
    settings = {
        "spaced": join(paras, 0.0, SEED),
        "glued 30%": join(paras, DROP_RATE, SEED),
    }
    available = tools(args.lang)
    if args.tools:
        available = {k: v for k, v in available.items() if k in args.tools.split(",")}

    print(f"# Sentence segmentation, newstest2013.{args.lang}: {len(lines)} sentences, "
          f"{len(paras)} paragraphs, "
          f"{sum(len(g) for _, g in settings['spaced'])} gold boundaries\n")
    print("| setting | tool | precision | recall | F1 | sentences/s |")
    print("|---|---|---:|---:|---:|---:|")
    results = {}
    for sname, corpus in settings.items():
        for tname, fn in available.items():
            res = evaluate(fn, corpus, len(lines))
            results.setdefault(sname, {})[tname] = res
            print(f"| {sname} | {tname} | {res['precision']:.4f} | {res['recall']:.4f} "
                  f"| {res['f1']:.4f} | {res['sentences_per_s']:,.0f} |", flush=True)
    if args.errors:
        for sname in settings:
            errs = results[sname].get("align", {}).get("errors", [])
            print(f"\n## align errors, {sname} ({len(errs)})")
            for e in errs[: args.errors]:
                print(e)
    if args.json:
        args.json.write_text(json.dumps(
            {"data": str(path), "seed": SEED, "drop_rate": DROP_RATE,
             "max_lines": MAX_LINES, "n_sentences": len(lines), "results": results},
            ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

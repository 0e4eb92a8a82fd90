"""Markup placement on hostile inputs (issue 27, item 3): seconds through the whole
document path (`align.pipeline.run.translate_paths` with the copying engine of
tests/copy_engines.py, or with `--engine reverse` the one that reverses each
sentence's words, so every verbatim span is found and placed again), each input at
its size and at twice that, to show that the time grows linearly. Not a test: a
number to read.

    python benchmarks/slow_markup.py [--scale 0.25] [--limit 512] [--only NAME] [--engine reverse]

Before (issue 27): 4,000 code spans > 60 s, emphasis nested 8,000 deep 15 s,
20,000 unclosed <b> 14 s. Placement queries are now logarithmic (align.markup.placement),
the attention alignment one argmax per word (align.terms.placement), the review page's
styles one sweep (align.output.writers.html), a long sentence's verbatim text found once, not
once per piece the engine translates (align.pipeline.translate).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from align.pipeline.run import translate_paths  # noqa: E402
from copy_engines import CopyEngine, ReverseEngine  # noqa: E402

# name -> (file suffix, size, text for a size)
INPUTS = {
    # one paragraph of 4,000 code spans (16 KB), after a word
    "markdown code spans": (".md", 4000, lambda n: "Voir " + "`a` " * n + "\n"),
    # 4,000 code spans of marks alone, which no word aligns
    "markdown code spans of marks": (".md", 4000, lambda n: "Voir " + "`[ ]` " * n + "\n"),
    # emphasis nested 8,000 deep around words
    "markdown nested emphasis": (".md", 8000, lambda n: "*mot " * n + "fin" + "*" * n + "\n"),
    "html nested emphasis": (".html", 8000, lambda n: "<p>" + "<em>mot " * n + "fin" + "</em>" * n + "</p>\n"),
    # 20,000 <b> never closed, a word after each
    "html unclosed bold": (".html", 20000, lambda n: "<p>" + "<b>mot " * n + "</p>\n"),
}


ENGINES = {"copy": CopyEngine, "reverse": ReverseEngine}


def seconds(suffix: str, text: str, limit: int = 512, engine: str = "copy") -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("input" + suffix)
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        report = translate_paths([path], ENGINES[engine](limit), Path(folder) / "out",
                                 glossary=None, typography="keep", numbers="flag")
        elapsed = time.perf_counter() - start
        if report.failed:
            print("   failed:", report.failed)
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (default 1)")
    parser.add_argument("--limit", type=int, default=512,
                        help="the engine's input limit in tokens (default 512, MarianMT's: longer sentences are "
                             "split to fit, as with a real model; the copying engine's attention is a dense matrix, "
                             "quadratic in a piece's length)")
    parser.add_argument("--only", help="run the inputs whose name contains this")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="copy",
                        help="copy the French (default), or reverse each sentence's words: every verbatim "
                             "span then moves and is placed again")
    args = parser.parse_args()
    seconds(".md", "Un mot.\n")  # imports and first-run costs out of the numbers
    print(f"{'input':32} {'size':>7} {'bytes':>8} {'seconds':>8}")
    for name, (suffix, size, make) in INPUTS.items():
        if args.only and args.only not in name:
            continue
        for n in (int(size * args.scale), 2 * int(size * args.scale)):
            text = make(n)
            print(f"{name:32} {n:7d} {len(text.encode()):8d} {seconds(suffix, text, args.limit, args.engine):8.2f}", flush=True)


if __name__ == "__main__":
    main()

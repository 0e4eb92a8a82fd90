"""Reading and writing Markdown, HTML and DOCX articles against translation time.

    python benchmarks/formats_overhead.py [--model tests/models/small-fr-en] [--beams N]
        [--json FILE] [--svg benchmarks/formats_overhead.svg] [--big-mb 10]

For the same article (sources_fr/004, and its conversions in tests/data/) in each
format: read (parse + segment), translate (the engine), write (every default
writer: TXT, TSV, review page, and the same-format file) — the best of 3 runs
for reading and writing, one translation. Overhead = (read + write of the format)
− (read + write of plain text), as a share of the translation time. Also: the HTML
parsers that were candidates (html.parser, lxml, html5lib) on the article and on a
10 MB single-line page, and reading/writing that page through align.read.formats.
The HTML parsers that were candidates: align's tokenizer, the standard
library's html.parser, lxml and html5lib.

The small test model translates much faster than opus-mt, so its overhead shares
are an upper bound of what a real model run sees.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from align.checks.pair import check_document  # noqa: E402
from align.pipeline.run import prepare_document  # noqa: E402
from align.segment import segment_document  # noqa: E402
from align.pipeline.translate import translate_document  # noqa: E402
from align.output.writers import default_writers  # noqa: E402

ARTICLES = {
    "txt": ROOT / "sources_fr" / "004_4308e03e8e9adbfa.txt",
    "md": ROOT / "tests" / "data" / "altman-md.md",
    "html": ROOT / "tests" / "data" / "altman-html.html",
    "docx": ROOT / "tests" / "data" / "altman-docx.docx",
}


def best(function, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def article_rows(engine, out: Path) -> list[dict]:
    rows = []
    writers = default_writers()
    for fmt, path in ARTICLES.items():
        read_s, document = best(lambda: prepare_document(path))
        started = time.perf_counter()
        translate_document(document, engine, enforce_terms=False)
        translate_s = time.perf_counter() - started
        check_document(document)
        write_s, _ = best(lambda: [w.write(document, out) for w in writers])
        rows.append({"format": fmt, "sentences": document.sentence_count, "read_s": read_s,
                     "translate_s": translate_s, "write_s": write_s})
    plain = rows[0]["read_s"] + rows[0]["write_s"]
    for row in rows:
        row["overhead_s"] = row["read_s"] + row["write_s"] - plain
        row["overhead_pct"] = 100 * row["overhead_s"] / row["translate_s"]
    return rows


def parser_rows(big_mb: int) -> list[dict]:
    from html.parser import HTMLParser

    from align.read.formats.html import HtmlFormat, tokenize

    article = ARTICLES["html"].read_text(encoding="utf-8")
    block = "<p>Une phrase <b>assez</b> courte &eacute;crite ici.</p>"
    big = "<html><body>" + block * (big_mb * 2**20 // len(block)) + "</body></html>"
    class Tokens(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=False)
            self.count = 0

        def handle_starttag(self, tag, attrs):
            self.count += 1

    def stdlib(text):
        parser = Tokens()
        parser.feed(text)
        parser.close()
        return parser.count

    candidates = {"align.read.formats.html.tokenize": lambda text: tokenize(text), "html.parser (stdlib)": stdlib}
    try:
        import lxml.html
        candidates["lxml.html tree"] = lambda text: lxml.html.document_fromstring(text)
    except ImportError:
        pass
    try:
        import html5lib
        candidates["html5lib tree"] = lambda text: html5lib.parse(text)
    except ImportError:
        pass
    rows = []
    for name, parse in candidates.items():
        small_s, _ = best(lambda: parse(article))
        big_s, _ = best(lambda: parse(big), repeat=1)
        rows.append({"parser": name, "article_ms": 1000 * small_s, f"page_{big_mb}mb_s": big_s})
    fmt = HtmlFormat()
    started = time.perf_counter()
    document = segment_document(fmt.parse(big.encode(), "big.html"))
    read_s = time.perf_counter() - started
    for pair in document.pairs():
        pair.target = pair.source
        pair.alignment = [(m.start(), m.end(), m.start(), m.end()) for m in re.finditer(r"\w+", pair.source)]
    started = time.perf_counter()
    same = fmt.write(document) == big.encode()
    rows.append({"parser": "align.read.formats.html read+segment / write", "read_s": read_s,
                 "write_s": time.perf_counter() - started, "identical": same,
                 "paragraphs": len(document.paragraphs)})
    return rows


def svg(rows: list[dict]) -> str:
    """Bars: read, write and translation seconds per format, overhead share on the right."""
    width, bar_h, gap, left = 640, 22, 16, 60
    scale = (width - left - 150) / max(r["read_s"] + r["write_s"] + r["translate_s"] for r in rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{len(rows) * (bar_h + gap) + 70}" '
             'font-family="sans-serif" font-size="12">',
             '<text x="10" y="18" font-size="14">Time per article (s): read, translate, write; '
             'overhead vs plain text</text>']
    colours = {"read_s": "#4c78a8", "translate_s": "#bbbbbb", "write_s": "#f58518"}
    for n, row in enumerate(rows):
        y = 36 + n * (bar_h + gap)
        parts.append(f'<text x="10" y="{y + 15}">{row["format"]}</text>')
        x = left
        for key in ("read_s", "translate_s", "write_s"):
            w = max(row[key] * scale, 1)
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colours[key]}"/>')
            x += w
        label = "baseline" if row["format"] == "txt" else f'{row["overhead_pct"]:+.1f}%'
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{label}</text>')
    y = 36 + len(rows) * (bar_h + gap)
    for n, (key, name) in enumerate((("read_s", "read"), ("translate_s", "translate"), ("write_s", "write"))):
        parts.append(f'<rect x="{left + n * 110}" y="{y}" width="12" height="12" fill="{colours[key]}"/>'
                     f'<text x="{left + n * 110 + 16}" y="{y + 11}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(ROOT / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--beams", type=int, default=None)
    parser.add_argument("--json")
    parser.add_argument("--svg", default=str(ROOT / "benchmarks" / "formats_overhead.svg"))
    parser.add_argument("--big-mb", type=int, default=10)
    args = parser.parse_args()

    import tempfile

    from align.mt.engines.base import GenerationSettings
    from align.mt.engines.transformers import TransformersEngine

    engine = TransformersEngine(args.model, GenerationSettings(beams=args.beams))
    with tempfile.TemporaryDirectory() as out:
        rows = article_rows(engine, Path(out))
    print("| format | sentences | read s | translate s | write s | overhead vs txt |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f'| {r["format"]} | {r["sentences"]} | {r["read_s"]:.3f} | {r["translate_s"]:.2f} | '
              f'{r["write_s"]:.3f} | {r["overhead_s"]:+.3f} s ({r["overhead_pct"]:+.1f}%) |')
    parsers = parser_rows(args.big_mb)
    print()
    for p in parsers:
        print(json.dumps(p))
    Path(args.svg).write_text(svg(rows), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps({"articles": rows, "parsers": parsers}, indent=2) + "\n")


if __name__ == "__main__":
    main()

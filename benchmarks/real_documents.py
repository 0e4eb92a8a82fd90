"""Real documents through a real model: what comes back glued, lost or emptied.

    python benchmarks/real_documents.py [--model tests/models/small-fr-en] [--engine ctranslate2] [--json FILE]
    python benchmarks/real_documents.py --engine copy      # every document back byte for byte?
    python benchmarks/real_documents.py --engine reverse   # words reversed: every element and word kept?

The Markdown and HTML files of tests/data/real/ (public documentation, reference and
administration pages; provenance in its PROVENANCE.md) are translated by
`align.pipeline.run.translate_paths` (no glossary, no memory), and each output is read with
parsers align does not use to read it (markdown-it's plain CommonMark, lxml) beside its
source:

- code glued: code spans (`code`, `<code>`, `<kbd>`) with a letter or digit right
  against them on a side where no occurrence of the same code had one in the source
  (the issue's "the method`map`.", rendered "methodmap");
- links glued: the same for links;
- links lost, links empty: links of the source missing from the output (by URL), and
  links with no words in the output beyond those of the same URL with none in the
  source (a logo's link);
- protected lost: template tags, shortcodes and alerts of the source missing.

The small trained test model writes poor English; what is measured is what align does
with the markup around it. Run it on another checkout (`--repo DIR`) to compare versions.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\[![A-Z]+\]")


def markdown_items(text: str) -> list[tuple[str, str, str, str]]:
    """(kind, content, character before, character after) of each code span and link."""
    from markdown_it import MarkdownIt

    front = re.match(r"\A---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", text, re.DOTALL)
    tokens = MarkdownIt("commonmark").enable("table").parse(text[front.end():] if front else text)
    items = []
    for token in tokens:
        children = token.children or []

        def neighbour(n: int, last: bool) -> str:
            if 0 <= n < len(children) and children[n].type == "text":
                return children[n].content[-1:] if last else children[n].content[:1]
            return ""

        for n, child in enumerate(children):
            if child.type == "code_inline":
                items.append(("code", child.content, neighbour(n - 1, True), neighbour(n + 1, False)))
            elif child.type == "link_open":
                close = next((k for k in range(n + 1, len(children)) if children[k].type == "link_close"), n)
                words = "".join(c.content for c in children[n + 1:close] if c.type in ("text", "code_inline"))
                items.append(("link", child.attrs.get("href", "") + "\0" + words,
                              neighbour(n - 1, True), neighbour(close + 1, False)))
    return items


def html_items(data: bytes) -> list[tuple[str, str, str, str]]:
    import lxml.html

    root = lxml.html.document_fromstring(data)
    items = []
    for element in root.iter("code", "kbd", "a"):
        previous = element.getprevious()
        before = (previous.tail if previous is not None else element.getparent().text) or ""
        kind = "link" if element.tag == "a" else "code"
        content = (element.get("href", "") + "\0" + element.text_content()) if kind == "link" else element.text_content()
        items.append((kind, content, before[-1:], (element.tail or "")[:1]))
    return items


def compare(source_items, output_items) -> Counter:
    counts: Counter = Counter()
    sides: dict[tuple[str, str], list[bool]] = {}
    for kind, content, before, after in source_items:
        key = (kind, content.split("\0")[0] if kind == "link" else content)
        seen = sides.setdefault(key, [False, False])
        seen[0] |= before.isalnum()
        seen[1] |= after.isalnum()
    for kind, content, before, after in output_items:
        key = (kind, content.split("\0")[0] if kind == "link" else content)
        seen = sides.get(key, [True, True])
        if (before.isalnum() and not seen[0]) or (after.isalnum() and not seen[1]):
            counts[f"{kind}s glued"] += 1
    source_links = Counter(c.split("\0")[0] for k, c, _, _ in source_items if k == "link")
    output_links = Counter(c.split("\0")[0] for k, c, _, _ in output_items if k == "link")
    counts["links lost"] += sum((source_links - output_links).values())
    # Links with no words, by URL: those beyond the source's own (a logo's link has none)
    def empty(items) -> Counter:
        return Counter(c.split("\0")[0] for k, c, _, _ in items
                       if k == "link" and not any(x.isalnum() for x in c.split("\0")[1]))
    counts["links empty"] += sum((empty(output_items) - empty(source_items)).values())
    counts["code spans"] += sum(1 for k, *_ in source_items if k == "code")
    counts["links"] += sum(source_links.values())
    return counts


def document_path(args, kind: str) -> None:
    """`--engine copy`: every Markdown, HTML and Word document of the corpus through an
    engine that copies its French: how many come back byte for byte. `--engine reverse`:
    each sentence's words reversed: how many a reader (markdown-it, lxml, the Word XML;
    tests/test_document_path.py) sees with the same elements and words."""
    sys.path.insert(0, str(Path(args.repo) / "tests"))
    from copy_engines import CopyEngine, ReverseEngine
    from test_document_path import REAL, REAL_FOLDERS, copies_differing, reading_differences, run

    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        errors = run(REAL_FOLDERS, Path(work), CopyEngine() if kind == "copy" else ReverseEngine())
        seconds = time.perf_counter() - started
        differing = copies_differing(REAL, Path(work)) if kind == "copy" else reading_differences(REAL, Path(work))
    documents = [p for folder in REAL_FOLDERS for p in folder.iterdir()]
    by_format = Counter(p.suffix for p in documents)
    failing = Counter(Path(line.split(":")[0]).suffix for line in differing)
    what = "unchanged, byte for byte" if kind == "copy" else "read the same: every element and word"
    print(f"align at {args.repo}, {kind} engine: {len(documents)} documents, {seconds:.1f} s, {len(errors)} failed")
    for suffix, count in sorted(by_format.items()):
        print(f"  {suffix}: {count - failing[suffix]} of {count} {what}")
    for line in differing:
        print(f"  {line[:300]}")
    if args.json:
        Path(args.json).write_text(json.dumps({"documents": len(documents), "differing": differing,
                                               "failed": sorted(errors)}, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default=str(HERE), help="the align checkout to measure [default: this one]")
    parser.add_argument("--model", default=str(HERE / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--engine", default="ctranslate2",
                        help="ctranslate2 | transformers, or copy | reverse: the document path alone "
                             "(tests/copy_engines.py)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    if args.engine in ("copy", "reverse"):
        document_path(args, args.engine)
        return
    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.pipeline.run import translate_paths

    real = HERE / "tests" / "data" / "real"
    engine = load_engine(args.engine, args.model, GenerationSettings(device="cpu"))
    totals: Counter = Counter()
    with tempfile.TemporaryDirectory() as work:
        inputs = Path(work) / "in"
        for folder in ("markdown", "html"):
            (inputs / folder).mkdir(parents=True)
            for path in (real / folder).iterdir():
                (inputs / folder / path.name).write_bytes(path.read_bytes())
        started = time.perf_counter()
        report = translate_paths([inputs], engine, Path(work) / "out")
        seconds = time.perf_counter() - started
        for path in sorted(inputs.rglob("*")):
            if path.suffix not in (".md", ".html"):
                continue
            output = Path(work) / "out" / path.parent.name / (path.stem + ".en" + path.suffix)
            if not output.is_file():
                totals["documents failed"] += 1
                continue
            source, english = path.read_bytes(), output.read_bytes()
            if path.suffix == ".md":
                counts = compare(markdown_items(source.decode()), markdown_items(english.decode()))
            else:
                counts = compare(html_items(source), html_items(english))
            protected = Counter(TEMPLATE.findall(source.decode("utf-8", "replace")))
            kept = Counter(TEMPLATE.findall(english.decode("utf-8", "replace")))
            counts["protected"] += sum(protected.values())
            counts["protected lost"] += sum((protected - kept).values())
            totals.update(counts)
            totals["documents"] += 1
    totals["sentences"] = report.sentences
    print(f"align at {args.repo}: {report.articles} documents, {report.sentences} sentences, {seconds:.1f} s")
    for key in ("documents", "code spans", "codes glued", "links", "links glued", "links lost", "links empty",
                "protected", "protected lost", "documents failed"):
        print(f"  {key}: {totals.get(key, 0)}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(totals), indent=1) + "\n")


if __name__ == "__main__":
    main()

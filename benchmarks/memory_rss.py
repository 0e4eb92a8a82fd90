"""Bounded memory: peak RSS of `translate_paths` does not grow with the folder.

Generates folders of 5, 20 and 50 MB of French text (articles of ~100 KB made
of sources_fr sentences, shuffled with a fixed seed), translates each in a
fresh subprocess and reports the subprocess's peak RSS (getrusage ru_maxrss).

The engine is a stub subclass of `Engine` that returns each source uppercased,
with whitespace-separated words as "tokens". This is deliberate: a real model
would take hours for 50 MB on CPU, and its weights and activations (hundreds of
MB, constant per batch) would hide the pipeline's own memory, which is what this
measures: reading, segmentation, glossary matching, checks, writers, the
translation memory (SQLite) and the manifest. With streaming (one article at a time) the
peak must stay flat as the folder grows; a pipeline that kept every Document
would grow by several times the folder size.

    python benchmarks/memory_rss.py [--sizes 5 20 50] [--workdir DIR] [--glossary glossary.tsv]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ARTICLE_BYTES = 100_000


def french_sentences() -> list[str]:
    from align.segment import split_sentences

    sentences = []
    for path in sorted((REPO / "sources_fr").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences.extend(s for s in split_sentences(line) if len(s) > 10 and not s.startswith("date "))
    return sentences


def make_folder(folder: Path, megabytes: int, seed: int = 2025) -> tuple[int, int]:
    """Articles of ~100 KB until the folder holds `megabytes` MB; (files, bytes)."""
    rng = random.Random(seed)
    sentences = french_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    total, files = 0, 0
    while total < megabytes * 1_000_000:
        paragraphs, size = [], 0
        while size < ARTICLE_BYTES:
            paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8)))
            paragraphs.append(paragraph)
            size += len(paragraph.encode("utf-8")) + 1
        data = ("\n".join(paragraphs) + "\n").encode("utf-8")
        (folder / f"{files:04d}_article.txt").write_bytes(data)
        total += len(data)
        files += 1
    return files, total


def child(folder: str, out: str, glossary_path: str | None) -> None:
    """Runs in the subprocess: translate `folder` with the stub engine, print JSON."""
    from align.mt.engines.base import Engine, Hypothesis
    from align.pipeline.run import translate_paths

    class UpperEngine(Engine):
        """The source uppercased: isolates the pipeline's memory from a model's."""

        name = "upper"

        @property
        def max_input_tokens(self) -> int:
            return 512

        def count_tokens(self, texts):
            return [len(text.split()) + 1 for text in texts]

        def translate_batch(self, sources, with_attention=True):
            return [Hypothesis(text.upper()) for text in sources]

        def signature(self):
            return {"engine": self.name, "model": "upper", "revision": "1", "beams": 1, "batch_size": 1}

    glossary = None
    if glossary_path:
        from align.terms.glossary import Glossary
        glossary = Glossary.load(glossary_path)
    # The manifest records library versions (align.pipeline.run.environment imports
    # torch, transformers...): import them first, so the baseline includes them
    # and the growth is the pipeline's own.
    from align.output.manifest import environment
    environment()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    from align.output.memory import TranslationMemory, default_path

    Path(out).mkdir(parents=True, exist_ok=True)
    with TranslationMemory(default_path(out)) as memory:  # as `align translate` runs it
        report = translate_paths([folder], UpperEngine(), out, glossary=glossary, memory=memory)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"articles": report.articles, "failed": len(report.failed),
                      "sentences": report.sentences, "seconds": round(seconds, 1),
                      "baseline_kib": baseline, "peak_kib": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 50], help="folder sizes in MB")
    parser.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temp dir)")
    parser.add_argument("--glossary", default=None, help="also match this glossary.tsv")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.glossary)
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="align-rss-"))
    rows = []
    try:
        for megabytes in args.sizes:
            folder = workdir / f"fr_{megabytes}mb"
            files, size = make_folder(folder, megabytes)
            command = [sys.executable, __file__, "--child", str(folder), str(workdir / f"out_{megabytes}mb")]
            if args.glossary:
                command += ["--glossary", args.glossary]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                sys.exit(f"size {megabytes} MB failed:\n{result.stderr}")
            stats = json.loads(result.stdout.strip().splitlines()[-1])
            rows.append((megabytes, files, size, stats))
            print(f"{megabytes} MB done: {stats}", file=sys.stderr)
            shutil.rmtree(folder)
            shutil.rmtree(workdir / f"out_{megabytes}mb")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print("| folder | articles | sentences | time (s) | RSS after imports (MiB) | peak RSS (MiB) | growth (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for megabytes, files, size, stats in rows:
        base, peak = stats["baseline_kib"] / 1024, stats["peak_kib"] / 1024
        print(f"| {size / 1e6:.1f} MB | {files} | {stats['sentences']:,} | {stats['seconds']} | {base:.0f} | "
              f"{peak:.0f} | {peak - base:.0f} |")


if __name__ == "__main__":
    main()

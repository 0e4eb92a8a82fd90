"""A corpus of short articles at corpus speed: sentences/s and peak RSS against the
number of articles, both engines, beside the same sentences as one article.

    python benchmarks/corpus.py [--model tests/models/small-fr-en] [--sizes 1 10 100 1000 10000]
                                [--engines ctranslate2 transformers] [--workdir DIR] [--json FILE]
                                [--skip-criteria] [--skip-series] [--skip-long]
                                [--svg FILE] [--replot JSON]

Three parts, in one run:

0. **One long article** (FLORES-200 devtest, 1,012 lines, never seen by the small
   model): `align translate`'s work on it (`translate_paths`, default writers, no
   memory) against raw CTranslate2 `translate_batch` on the same pre-tokenized
   sentences at each token budget (2,048 to 16,384), attention and scores in both;
   three passes, interleaved, medians, and align's rate over the best raw one.

1. **Criteria** (400 held-out sentences, newstest2013 lines 1000 on): the same
   sentences translated as 200 two-sentence articles, as one article, and, for
   CTranslate2, by raw `translate_batch` on pre-tokenized input at its best token
   budget (swept: 2,048 to 16,384, `batch_type="tokens"`, with attention and scores as
   align asks for them). Three passes of each, interleaved, medians reported: a
   shared 2-core machine drifts by ±10 % from one minute to the next.
2. **Series**: folders of N articles of one to three sentences (newstest2013 lines in
   order, lengths drawn with seed 2013), and for N ≥ 1,000 of one sentence each; each
   run in a fresh process through `align.pipeline.run.translate_paths` with every default
   writer (text, TSV, review page, index, manifest), as `align translate` runs it, with
   no translation memory (the data repeats after 3,000 lines, and a memory would serve
   the repeats); the folder of `--as-one` articles is also run as one article. Peak RSS
   is the process's VmHWM, time per article is wall time over articles, and time per
   1,000 source tokens (the model's pieces) puts folders whose sentences differ in
   length side by side. `--engines instant` runs the series with an engine that
   answers at once: what is left is align's own cost (reading, segmenting, the
   scheduler, term placement, checks and every writer), per article.

The small trained test model shows align's own costs; its translations are poor and
its speed is not opus-mt-fr-en's (which is about 6× larger).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def news() -> list[str]:
    return [line for line in (REPO / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def make_folder(folder: Path, articles: int, lengths: str, seed: int = 2013) -> int:
    """`articles` files of 1–3 sentences ("mixed") or 1 ("one"); returns the sentence count."""
    lines = news()
    rng = random.Random(seed)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cursor = 0
    for index in range(articles):
        count = rng.randint(1, 3) if lengths == "mixed" else 1
        chosen = [lines[(cursor + k) % len(lines)] for k in range(count)]
        cursor += count
        sub = folder / f"{index // 1000:03d}"  # 1,000 files a folder, as sites keep them
        sub.mkdir(exist_ok=True)
        (sub / f"a{index:06d}.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return cursor


def one_article(folder: Path, target: Path) -> None:
    """Every sentence of `folder`'s articles, in order, as one article."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with (target / "all.txt").open("w", encoding="utf-8") as out:
        for path in sorted(folder.rglob("*.txt")):
            out.write(path.read_text(encoding="utf-8"))


def source_tokens(folder: Path, model: str) -> int:
    """The folder's French in the model's source pieces (what its cost follows)."""
    import sentencepiece

    pieces = sentencepiece.SentencePieceProcessor(model_file=str(Path(model) / "source.spm"))
    return sum(len(pieces.encode(line)) + 1 for path in folder.rglob("*.txt")
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def instant_engine():
    """An engine that answers at once (the French upper-cased, each word aligned to
    itself): what is left of a run's time is align's own, per article."""
    from align.mt.engines.base import Engine, GenerationSettings, Hypothesis

    class Instant(Engine):
        name = "instant"
        max_input_tokens = 512

        def __init__(self):
            self.settings = GenerationSettings(batch_tokens=4096, batch_size=256)

        def count_tokens(self, texts):
            return [len(t.split()) + 1 for t in texts]

        def translate_batch(self, sources, with_attention=True):
            out = []
            for source in sources:
                words = source.split()
                pieces = ["\u2581" + w for w in words]
                attention = [[1.0 if i == j else 0.0 for j in range(len(words) + 1)] for i in range(len(words))]
                out.append(Hypothesis(text=source.upper(), tokens=len(words), score=-0.5, target_pieces=[
                    p.upper() for p in pieces], source_pieces=pieces + ["</s>"], attention=attention))
            return out

        def signature(self):
            return {"engine": self.name, "model": "instant", "revision": "0", "beams": 1}

    return Instant()


# ------------------------------------------------------------------ one run, in a child
def child(engine_name: str, model: str, folder: str, out: str, cache: str) -> None:
    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.output.manifest import environment
    from align.pipeline.run import translate_paths

    environment()  # the imports the manifest records, before the clock starts
    engine = instant_engine() if engine_name == "instant" else \
        load_engine(engine_name, model, GenerationSettings(device="cpu"), cache_dir=cache)
    engine.translate(news()[:4])  # warm-up
    start = time.perf_counter()
    report = translate_paths([folder], engine, out)
    seconds = time.perf_counter() - start
    print(json.dumps({"articles": report.articles, "sentences": report.sentences, "seconds": seconds,
                      "failed": len(report.failed), "batches": report.batches,
                      "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(engine: str, model: str, folder: Path, out: Path, cache: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run([sys.executable, __file__, "--child", engine, model, str(folder), str(out), str(cache)],
                            capture_output=True, text=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    if result.returncode != 0:
        raise SystemExit(f"child failed ({engine}, {folder}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ figure
def figure(series: list[dict]) -> str:
    """Two panels against the number of articles (log scale): sentences/s and peak RSS,
    one line per engine and kind of article; the same sentences as one article is a
    hollow marker."""
    import math

    colours = {"ctranslate2": "#4c78a8", "transformers": "#f58518", "instant": "#54a24b"}
    panel_w, panel_h, left, top = 330, 220, 55, 40
    sizes = sorted({row["size"] for row in series})
    span = max(1.0, math.log10(max(sizes)))

    def x_of(size: int, panel: int) -> float:
        return left + panel * (panel_w + 70) + (math.log10(size) / span) * (panel_w - 20) + 10

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * panel_w + 70 + left + 20}" '
             f'height="{top + panel_h + 90}" font-family="sans-serif" font-size="11">']
    panels = (("sentences/s", lambda r: r["sentences"] / r["seconds"]), ("peak RSS (MB)", lambda r: r["peak_rss_mb"]))
    for panel, (title, value) in enumerate(panels):
        x0 = left + panel * (panel_w + 70)
        highest = max(value(r) for r in series)
        step = min(m * 10 ** e for e in range(-1, 6) for m in (1, 2, 2.5, 5) if m * 10 ** e * 4 >= highest)
        top_value = 4 * step  # round ticks
        y_of = lambda v: top + panel_h - v / top_value * panel_h  # noqa: E731
        parts.append(f'<text x="{x0}" y="{top - 14}" font-size="13">{title} against articles</text>')
        parts.append(f'<rect x="{x0}" y="{top}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#999"/>')
        for tick in range(5):
            v = top_value * tick / 4
            parts.append(f'<text x="{x0 - 6}" y="{y_of(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        for size in sizes:
            parts.append(f'<text x="{x_of(size, panel):.1f}" y="{top + panel_h + 15}" '
                         f'text-anchor="middle">{size:,}</text>')
        for engine in colours:
            for lengths, dash in (("mixed", ""), ("one", ' stroke-dasharray="5,3"')):
                rows = sorted((r for r in series if r["engine"] == engine and r["lengths"] == lengths),
                              key=lambda r: r["size"])
                if not rows:
                    continue
                points = " ".join(f"{x_of(r['size'], panel):.1f},{y_of(value(r)):.1f}" for r in rows)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{colours[engine]}" '
                             f'stroke-width="2"{dash}/>')
                parts.extend(f'<circle cx="{x_of(r["size"], panel):.1f}" cy="{y_of(value(r)):.1f}" r="3" '
                             f'fill="{colours[engine]}"/>' for r in rows)
            for r in series:
                if r["engine"] == engine and r["lengths"].endswith("as one article"):
                    parts.append(f'<circle cx="{x_of(r["size"], panel):.1f}" cy="{y_of(value(r)):.1f}" r="5" '
                                 f'fill="none" stroke="{colours[engine]}" stroke-width="2"/>')
    y = top + panel_h + 40
    legend = [(engine, colour) for engine, colour in colours.items() if any(r["engine"] == engine for r in series)]
    for n, (engine, colour) in enumerate(legend):
        parts.append(f'<line x1="{left + n * 130}" y1="{y}" x2="{left + n * 130 + 20}" y2="{y}" stroke="{colour}" '
                     f'stroke-width="2"/><text x="{left + n * 130 + 25}" y="{y + 4}">{engine}</text>')
    parts.append(f'<text x="{left}" y="{y + 24}">solid: 1–3 sentences an article; dashed: one sentence an article; '
                 'hollow: the same sentences as one article</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------ criteria
def criteria(model: str, workdir: Path, cache: Path, engines: list[str], repeats: int = 3) -> list[dict]:
    """Short articles against one article against raw CTranslate2, in this process."""
    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.output.manifest import environment
    from align.pipeline.run import translate_paths

    environment()
    sentences = news()[1000:1400]
    many, one = workdir / "criteria-many", workdir / "criteria-one"
    for folder in (many, one):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for index in range(0, len(sentences), 2):
        (many / f"a{index:03d}.txt").write_text("\n".join(sentences[index:index + 2]) + "\n", encoding="utf-8")
    (one / "all.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    rows = []
    for name in engines:
        engine = load_engine(name, model, GenerationSettings(device="cpu"), cache_dir=cache)
        engine.translate(sentences[:4])
        rates: dict[str, list[float]] = {}

        def timed(label: str, work) -> None:
            start = time.perf_counter()
            count = work()
            rates.setdefault(label, []).append(count / (time.perf_counter() - start))

        for _ in range(repeats):
            timed("200 two-sentence articles",
                  lambda: translate_paths([many], engine, workdir / "criteria-out", writers=None).sentences)
            timed("one article of the same sentences",
                  lambda: translate_paths([one], engine, workdir / "criteria-out", writers=None).sentences)
            if name == "ctranslate2":
                # Sentences as align's reader segments them, pre-tokenized as align does.
                from align.pipeline.run import prepare_document
                segmented = [p.source for p in prepare_document(one / "all.txt").pairs()]
                tokens = engine.source_tokens(segmented)
                for budget in (2048, 4096, 8192, 16384):
                    timed(f"raw CTranslate2, {budget} tokens", lambda: len(engine.translator.translate_batch(
                        tokens, beam_size=engine.num_beams, return_attention=True, return_scores=True,
                        max_batch_size=budget, batch_type="tokens")))
        quality = score_one_article(workdir / "criteria-out" / "all.en.txt", 1000, len(sentences))
        for label, values in rates.items():
            rows.append({"engine": name, "setting": label, "sentences_per_second": round(statistics.median(values), 2),
                         "runs": [round(v, 2) for v in values],
                         **(quality if label == "one article of the same sentences" else {})})
    return rows


def long_article(model: str, workdir: Path, cache: Path, repeats: int = 3) -> list[dict]:
    """One long article (FLORES-200 devtest, 1,012 lines, never seen by the small
    model) as `align translate` runs it (default writers: text, TSV, page; no memory)
    against raw CTranslate2 on the same pre-tokenized sentences at each batch budget,
    attention and scores returned by both; interleaved, medians of `repeats`."""
    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.pipeline.run import prepare_document, translate_paths

    folder = workdir / "long"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = [line for line in (REPO / "data" / "flores200-devtest.fr").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    (folder / "flores.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = load_engine("ctranslate2", model, GenerationSettings(device="cpu"), cache_dir=cache)
    engine.translate(lines[:4])
    segmented = [pair.source for pair in prepare_document(folder / "flores.txt").pairs()]
    tokens = engine.source_tokens(segmented)
    rates: dict[str, list[float]] = {}
    for _ in range(repeats):
        shutil.rmtree(workdir / "long-out", ignore_errors=True)
        started = time.perf_counter()
        report = translate_paths([folder], engine, workdir / "long-out")
        rates.setdefault("align translate, one article", []).append(report.sentences / (time.perf_counter() - started))
        for budget in (2048, 4096, 8192, 16384):
            started = time.perf_counter()
            count = len(engine.translator.translate_batch(tokens, beam_size=engine.num_beams, return_attention=True,
                                                          return_scores=True, max_batch_size=budget,
                                                          batch_type="tokens"))
            rates.setdefault(f"raw CTranslate2, {budget} tokens", []).append(count / (time.perf_counter() - started))
    medians = {label: statistics.median(values) for label, values in rates.items()}
    best = max((label for label in medians if label.startswith("raw")), key=medians.get)
    align_rate = medians["align translate, one article"]
    return [{"setting": label, "sentences": len(segmented), "sentences_per_second": round(value, 2),
             "runs": [round(v, 2) for v in rates[label]],
             "vs_best_raw": round(value / medians[best], 3)} for label, value in medians.items()] + \
        [{"setting": "summary", "align_vs_best_raw": round(align_rate / medians[best], 3), "best_raw": best}]


def score_one_article(english: Path, first: int, count: int) -> dict:
    """BLEU and chrF (sacrebleu) of the one-article run: one paragraph per line of
    newstest2013, against its reference lines."""
    import sacrebleu

    hypotheses = [line for line in english.read_text(encoding="utf-8").splitlines() if line.strip()]
    references = [line for line in (REPO / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()
                  if line.strip()][first:first + count]
    assert len(hypotheses) == len(references), (len(hypotheses), len(references))
    return {"bleu": round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 1),
            "chrf": round(sacrebleu.corpus_chrf(hypotheses, [references]).score, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(REPO / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000, 10000])
    parser.add_argument("--engines", nargs="+", default=["ctranslate2", "transformers"],
                        help="ctranslate2, transformers, and `instant` (an engine that answers at once: align's "
                             "own cost per article)")
    parser.add_argument("--workdir", default=None, help="[default: a temporary folder, removed]")
    parser.add_argument("--json", default=None)
    parser.add_argument("--as-one", type=int, default=1000,
                        help="the folder of this many articles is also run as one article [default: 1000]")
    parser.add_argument("--skip-criteria", action="store_true")
    parser.add_argument("--skip-series", action="store_true")
    parser.add_argument("--skip-long", action="store_true", help="skip the long article (FLORES-200 devtest)")
    parser.add_argument("--svg", default=None, help="draw the series (e.g. benchmarks/corpus.svg)")
    parser.add_argument("--replot", default=None, metavar="JSON",
                        help="only draw --svg from the series of an earlier --json")
    args = parser.parse_args()
    if args.replot:
        Path(args.svg).write_text(figure(json.loads(Path(args.replot).read_text())["series"]), encoding="utf-8")
        return
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="align-corpus-"))
    cache = workdir / "ct2-cache"
    results: dict = {"criteria": [], "long_article": [], "series": []}
    try:
        if not args.skip_long:
            results["long_article"] = long_article(args.model, workdir, cache)
            print("\n| one long article (FLORES-200 devtest) | sentences/s (median of 3) | runs | vs best raw |\n"
                  "|---|---:|---|---:|")
            for row in results["long_article"][:-1]:
                print(f"| {row['setting']} | {row['sentences_per_second']:.1f} | "
                      f"{', '.join(f'{r:.1f}' for r in row['runs'])} | {row['vs_best_raw']:.3f} |", flush=True)
        if not args.skip_criteria:
            results["criteria"] = criteria(args.model, workdir, cache, args.engines)
            print("\n| engine | setting | sentences/s (median of 3) | runs | BLEU | chrF |\n"
                  "|---|---|---:|---|---:|---:|")
            for row in results["criteria"]:
                print(f"| {row['engine']} | {row['setting']} | {row['sentences_per_second']:.1f} | "
                      f"{', '.join(f'{r:.1f}' for r in row['runs'])} | {row.get('bleu', '')} | "
                      f"{row.get('chrf', '')} |", flush=True)
        if not args.skip_series:
            print("\n| engine | articles | sentences a article | sentences | sentences/s | ms/article "
                  "| ms per 1,000 source tokens | peak RSS (MB) | batches |\n|---|---:|---|---:|---:|---:|---:|---:|---:|",
                  flush=True)
            plan = [(size, "mixed") for size in args.sizes]
            for engine in args.engines:
                # One-sentence articles for the default engine (what flat per-article cost is shown on).
                runs_plan = plan + ([(size, "one") for size in args.sizes if size >= 1000]
                                    if engine == args.engines[0] else [])
                # Convert (CTranslate2) and cache before measuring: no run pays for the conversion.
                make_folder(workdir / "fr-warm", 1, "one")
                run_child(engine, args.model, workdir / "fr-warm", workdir / "out", cache)
                if engine == "instant":  # align's own cost: every size, both kinds of article
                    runs_plan = plan + [(size, "one") for size in args.sizes if size >= 1000]
                for size, lengths in runs_plan:
                    folder = workdir / f"fr-{size}-{lengths}"
                    make_folder(folder, size, lengths)
                    runs = [(f"{lengths}", folder)]
                    if size == args.as_one and lengths == "mixed":
                        one_article(folder, workdir / f"fr-{size}-{lengths}-as-one")
                        runs.append((f"{lengths}, as one article", workdir / f"fr-{size}-{lengths}-as-one"))
                    for label, source in runs:
                        row = run_child(engine, args.model, source, workdir / "out", cache)
                        row.update(engine=engine, size=size, lengths=label, tokens=source_tokens(source, args.model))
                        results["series"].append(row)
                        per_article = 1000 * row["seconds"] / max(1, row["articles"])
                        per_tokens = 1000 * 1000 * row["seconds"] / max(1, row["tokens"])
                        print(f"| {engine} | {row['articles']:,} | {label} | {row['sentences']:,} | "
                              f"{row['sentences'] / row['seconds']:.1f} | {per_article:.1f} | {per_tokens:.0f} | "
                              f"{row['peak_rss_mb']:.0f} | {row['batches']} |", flush=True)
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        if args.svg and results["series"]:
            Path(args.svg).write_text(figure(results["series"]), encoding="utf-8")
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
    else:
        main()

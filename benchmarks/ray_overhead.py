"""`align translate --ray` on this machine: one and two actors against one process,
and the per-batch figures behind an estimate for a cluster of GPU nodes.

    python benchmarks/ray_overhead.py [--model tests/models/small-fr-en] [--articles 300] [--json FILE]

The corpus: newstest2013 (data/) lines from 1000 on, in articles of two sentences
(a news site's short articles). Each configuration translates it into a fresh
output folder through `pipeline.translate_paths` (no glossary, no memory), and the
English files of every configuration are compared with the single process's.

- single: the engine in this process (CTranslate2, int8, as many threads as cores);
- ray 1×2: `--ray local`, one actor with 2 CPUs (its engine 2 threads), the driver
  doing everything else: the overhead of going through Ray;
- ray 2×1: two actors with 1 CPU each (1 thread each).

Times are the run's own (`translate_paths`): the cluster's start and the actors'
model loading are reported apart (once per run, whatever the corpus).

For the estimate: the driver's own cost per sentence (reading, segmenting, term
placement, word alignment, checks, writing) with an engine that answers at once
(replaying the model's answers, attention included: benchmarks/driver.py), which
bounds what one driver can feed a cluster; the round trip of a batch to an actor and back, and
the bytes a batch's translations weigh (the cross-attention the term policy needs
travels with them).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def corpus(folder: Path, articles: int) -> int:
    lines = [line for line in (HERE / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[1000:]
             if line.strip()][:2 * articles]
    for i in range(0, len(lines), 2):
        (folder / f"a{i // 2:04d}.txt").write_text("\n".join(lines[i:i + 2]) + "\n", encoding="utf-8")
    return len(lines)


def english(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix == ".tsv" or p.name.endswith(".en.txt")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(HERE / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.pipeline.run import translate_paths
    from align.mt.runners.ray import EngineSpec, RayRunner, connect, ray_module

    settings = GenerationSettings(device="cpu")
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "fr"
        source.mkdir()
        sentences = corpus(source, args.articles)
        figures["articles"], figures["sentences"] = args.articles, sentences
        engine = load_engine("ctranslate2", args.model, settings)
        translate_paths([source], engine, tmp_path / "warm")   # conversion cache, page cache

        started = time.perf_counter()
        report = translate_paths([source], engine, tmp_path / "single")
        figures["single"] = {"seconds": time.perf_counter() - started, "batches": report.batches}
        reference = english(tmp_path / "single")

        ray = ray_module()
        started = time.perf_counter()
        connect("local")
        figures["cluster_start_seconds"] = time.perf_counter() - started
        spec = EngineSpec("ctranslate2", args.model, settings)
        for label, actors, cpus in (("ray 1x2", 1, 2), ("ray 2x1", 2, 1)):
            started = time.perf_counter()
            runner = RayRunner(spec, "auto", actors=actors, cpus_per_actor=cpus)
            ready = time.perf_counter() - started
            try:
                started = time.perf_counter()
                report = translate_paths([source], engine, tmp_path / label.replace(" ", "_"), runner=runner)
                seconds = time.perf_counter() - started
            finally:
                runner.close()
            figures[label] = {"seconds": seconds, "actors_ready_seconds": ready, "batches": report.batches,
                              "same_english": english(tmp_path / label.replace(" ", "_")) == reference}

        # Per-batch figures for the estimate. The driver alone: an engine replaying the
        # model's answers (pieces and attention: the term policy and word alignment do
        # their real work), recorded on a first pass (benchmarks/driver.py).
        from driver import replay_engine

        replay = replay_engine(engine)
        translate_paths([source], replay, tmp_path / "record")
        replay.recording = False
        started = time.perf_counter()
        translate_paths([source], replay, tmp_path / "replayed")
        driver = time.perf_counter() - started
        figures["driver_seconds_per_sentence"] = driver / sentences

        batch = [line for line in (source / "a0000.txt").read_text(encoding="utf-8").splitlines()] * 16
        hypotheses = engine.translate_batch(batch)
        figures["batch_sentences"] = len(batch)
        figures["batch_result_bytes"] = len(pickle.dumps(hypotheses))
        figures["batch_engine_seconds"] = min(_timed(lambda: engine.translate_batch(batch)) for _ in range(3))
        runner = RayRunner(spec, "auto", actors=1, cpus_per_actor=2)
        try:
            list(runner.map([batch]))  # warm
            figures["batch_ray_seconds"] = min(_timed(lambda: list(runner.map([batch]))) for _ in range(3))
        finally:
            runner.close()
        ray.shutdown()

    single = figures["single"]["seconds"]
    print(f"{sentences} sentences in {args.articles} articles (newstest2013 lines 1000 on), small model, "
          f"CTranslate2 int8, 2 cores; cluster start {figures['cluster_start_seconds']:.1f} s")
    print(f"  {'':10} {'seconds':>8} {'sent/s':>7} {'vs single':>10} {'batches':>8} {'actors ready s':>15} same English")
    for label in ("single", "ray 1x2", "ray 2x1"):
        row = figures[label]
        ratio = row["seconds"] / single
        print(f"  {label:10} {row['seconds']:8.1f} {sentences / row['seconds']:7.1f} {ratio - 1:+10.1%} "
              f"{row['batches']:8d} {row.get('actors_ready_seconds', 0):15.1f} {row.get('same_english', True)}")
    per_batch = figures["batch_ray_seconds"] - figures["batch_engine_seconds"]
    print(f"  driver alone (an engine answering at once): {figures['driver_seconds_per_sentence'] * 1000:.2f} ms "
          f"a sentence, {1 / figures['driver_seconds_per_sentence']:.0f} sentences/s at most for one driver")
    print(f"  a batch of {figures['batch_sentences']} sentences: engine {figures['batch_engine_seconds']:.3f} s, "
          f"through Ray {figures['batch_ray_seconds']:.3f} s (+{per_batch * 1000:.0f} ms), "
          f"{figures['batch_result_bytes'] / 1024:.0f} KiB of results")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()

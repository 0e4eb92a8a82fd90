"""Engine throughput benchmark: naive transformers pipeline vs align's engines vs raw CTranslate2.

Builds a randomly initialised model shaped exactly like Helsinki-NLP/opus-mt-fr-en
(6+6 layers, d_model 512, vocabulary 59514; cached under $ALIGN_CACHE/bench, default
~/.cache/align/bench), then translates the same first N sentences of
data/newstest2013.fr with:

  (a) naive   transformers.pipeline("translation"), one sentence at a time
  (b) align   TransformersEngine (batched, length-sorted)
  (c) align   CTranslate2Engine (int8 by default)
  (d) raw     ctranslate2.Translator.translate_batch on pre-tokenized input

A random model's output length is arbitrary, so every engine is made to produce
exactly --out-tokens tokens per sentence (same decoding work for all). Each engine
runs in its own subprocess so that its peak RSS is its own; model loading is timed
apart from translation, after one warm-up sentence.

    python benchmarks/engines.py [--sentences 200] [--beams 4] [--out-tokens 30]
                                 [--batch-size 16] [--compute-type int8] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DATA = REPO / "data"
ENGINES = {
    "a": "naive: transformers translation pipeline, 1 sentence at a time",
    "b": "align TransformersEngine",
    "c": "align CTranslate2Engine",
    "d": "raw ctranslate2 translate_batch",
}



def peak_rss_kib() -> int:
    """This process's peak resident memory. VmHWM belongs to the address space, so it
    restarts at exec; ru_maxrss does not on Linux: a worker started by a parent that
    had built the model would report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return rss // 1024 if sys.platform == "darwin" else rss

def load_lines(path: Path, limit: int | None = None) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip()]
    return lines[:limit] if limit else lines


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


# ------------------------------------------------------------------ setup
def build_model(cache: Path) -> Path:
    from align.mt.random_model import build_random_marian

    directory = cache / "bench" / "random-opus-mt-fr-en"
    if (directory / ".complete").exists():
        return directory
    print(f"building a full-size random opus-mt-fr-en in {directory} ...", file=sys.stderr, flush=True)
    french = load_lines(DATA / "newstest2013.fr")
    english = load_lines(DATA / "newstest2013.en")
    build_random_marian(directory, french, english, full_size=True)
    (directory / ".complete").write_text("ok\n")
    return directory


# ------------------------------------------------------------------ workers
def _fixed_transformers_engine(model: str, settings, out_tokens: int):
    """TransformersEngine whose generate() produces exactly `out_tokens` tokens
    (GenerationSettings has no such field: the benchmark overrides generate's kwargs)."""
    from align.mt.engines.transformers import TransformersEngine

    engine = TransformersEngine(model, settings)
    generate = engine.model.generate

    def fixed_generate(*args, **kwargs):
        kwargs.update(min_new_tokens=out_tokens, max_new_tokens=out_tokens, forced_eos_token_id=None)
        return generate(*args, **kwargs)

    engine.model.generate = fixed_generate
    return engine


def naive_translator(model: str):
    """`transformers.pipeline("translation", model=...)`; transformers 5 removed that
    task, and then this does what its pipeline did: tokenize one sentence,
    `model.generate`, decode."""
    import transformers

    try:
        return transformers.pipeline("translation", model=model, device="cpu")
    except KeyError:  # transformers >= 5: "The task translation has been removed"
        pass
    tokenizer = transformers.AutoTokenizer.from_pretrained(model)
    network = transformers.AutoModelForSeq2SeqLM.from_pretrained(model).eval()

    def pipe(text: str, **generate_kwargs):
        inputs = tokenizer(text, return_tensors="pt", truncation=True)
        output = network.generate(**inputs, **generate_kwargs)
        return [{"translation_text": tokenizer.decode(output[0], skip_special_tokens=True)}]

    pipe.tokenizer = tokenizer
    return pipe


def worker(args: argparse.Namespace) -> dict:
    sentences = load_lines(DATA / "newstest2013.fr", args.sentences)
    n_out = args.out_tokens
    started = time.perf_counter()
    tokens_out: list[int] = []
    if args.worker == "a":
        import torch
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        options = dict(num_beams=args.beams, min_new_tokens=n_out, max_new_tokens=n_out,
                       forced_eos_token_id=None)
        pipe = naive_translator(args.model)
        loaded = time.perf_counter()
        with torch.inference_mode():
            pipe(sentences[0], **options)  # warm-up
            t0 = time.perf_counter()
            texts = [pipe(s, **options)[0]["translation_text"] for s in sentences]
        elapsed = time.perf_counter() - t0
        # Decoding steps are fixed by min/max_new_tokens; count what came out to check.
        tokenizer = pipe.tokenizer
        tokens_out = [len(tokenizer(text_target=t, add_special_tokens=False)["input_ids"]) for t in texts[:5]]
        threads = torch.get_num_threads()
        produced = n_out * len(sentences)
    elif args.worker == "b":
        import torch

        from align.mt.engines.base import GenerationSettings

        engine = _fixed_transformers_engine(args.model, GenerationSettings(
            beams=args.beams, batch_size=args.batch_size, device="cpu", length_ratio=0.0, length_slack=n_out), n_out)
        loaded = time.perf_counter()
        engine.translate(sentences[:1])
        t0 = time.perf_counter()
        hyps = engine.translate(sentences)
        elapsed = time.perf_counter() - t0
        tokens_out = [h.tokens for h in hyps]
        threads = torch.get_num_threads()
        produced = sum(tokens_out)
    elif args.worker == "c":
        from align.mt.engines.base import GenerationSettings
        from align.mt.engines.ctranslate2 import CTranslate2Engine

        engine = CTranslate2Engine(args.model, GenerationSettings(beams=args.beams, batch_size=args.batch_size,
                                                                  device="cpu"),
                                   compute_type=args.compute_type, cache_dir=args.cache,
                                   fixed_output_tokens=n_out)
        loaded = time.perf_counter()
        engine.translate(sentences[:1])
        t0 = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            hyps = profiler.runcall(engine.translate, sentences)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(15)
        else:
            hyps = engine.translate(sentences)
        elapsed = time.perf_counter() - t0
        tokens_out = [h.tokens for h in hyps]
        threads = engine.threads
        produced = sum(tokens_out)
    elif args.worker == "d":
        import ctranslate2
        from transformers import AutoTokenizer

        from align.mt.engines.ctranslate2 import physical_cores

        tokenizer = AutoTokenizer.from_pretrained(args.model)
        threads = physical_cores()
        translator = ctranslate2.Translator(args.converted, device="cpu", compute_type=args.compute_type,
                                            inter_threads=1, intra_threads=threads)
        loaded = time.perf_counter()
        batch = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(sentences)["input_ids"]]
        options = dict(beam_size=args.beams, max_batch_size=args.batch_size,
                       min_decoding_length=n_out, max_decoding_length=n_out)
        translator.translate_batch(batch[:1], **options)
        t0 = time.perf_counter()
        results = translator.translate_batch(batch, **options)
        elapsed = time.perf_counter() - t0
        tokens_out = [len(r.hypotheses[0]) for r in results]
        produced = sum(tokens_out)
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    rss = peak_rss_kib()
    return {
        "engine": args.worker, "label": ENGINES[args.worker], "sentences": len(sentences),
        "seconds": elapsed, "load_seconds": loaded - started, "tokens": produced,
        "tokens_per_s": produced / elapsed, "sentences_per_s": len(sentences) / elapsed,
        "peak_rss_mb": rss / 1024, "threads": threads,
        "min_tokens": min(tokens_out) if tokens_out else None,
        "max_tokens": max(tokens_out) if tokens_out else None,
    }


# ------------------------------------------------------------------ driver
def run_worker(name: str, args: argparse.Namespace, model: Path, converted: str) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
                   "--model", str(model), "--converted", converted, "--result", result.name,
                   "--sentences", str(args.sentences), "--beams", str(args.beams),
                   "--out-tokens", str(args.out_tokens), "--batch-size", str(args.batch_size),
                   "--compute-type", args.compute_type, "--cache", str(args.cache)]
        if args.profile and name == "c":
            command.append("--profile")
        print(f"({name}) {ENGINES[name]} ... load {loadavg()}", file=sys.stderr, flush=True)
        subprocess.run(command, check=True)
        return json.loads(Path(result.name).read_text())


def table(rows: dict[str, dict]) -> str:
    c = rows.get("c")
    lines = ["| engine | sentences/s | tokens/s | peak RSS (MB) | load (s) | threads | (c) / this |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for key, row in rows.items():
        ratio = f"{c['tokens_per_s'] / row['tokens_per_s']:.2f}×" if c else "–"
        lines.append(f"| ({key}) {row['label']} | {row['sentences_per_s']:.2f} | {row['tokens_per_s']:.1f} | "
                     f"{row['peak_rss_mb']:.0f} | {row['load_seconds']:.1f} | {row['threads']} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--out-tokens", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--engines", default="abcd", help="which of a, b, c, d to run (default all)")
    parser.add_argument("--cache", type=Path, default=None, help="default $ALIGN_CACHE or ~/.cache/align")
    parser.add_argument("--profile", action="store_true", help="cProfile (c) to stderr")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--converted", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        Path(args.result).write_text(json.dumps(worker(args)))
        return

    from align.mt.engines.ctranslate2 import cache_root

    args.cache = cache_root(args.cache)
    load_before = loadavg()
    model = build_model(args.cache)
    # Convert once (cached) outside the measured runs.
    setup = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.path.insert(0, sys.argv[1]);"
         "from align.mt.engines.ctranslate2 import CTranslate2Engine;"
         "from align.mt.engines.base import GenerationSettings;"
         "e = CTranslate2Engine(sys.argv[2], GenerationSettings(device='cpu'), compute_type=sys.argv[3], cache_dir=sys.argv[4]);"
         "print(e.converted)", str(REPO), str(model), args.compute_type, str(args.cache)],
        check=True, capture_output=True, text=True)
    converted = setup.stdout.strip().splitlines()[-1]

    rows = {name: run_worker(name, args, model, converted) for name in "abcd" if name in args.engines}
    load_after = loadavg()

    print(f"\n{args.sentences} sentences of newstest2013.fr, {args.beams} beams, exactly {args.out_tokens} "
          f"output tokens each, batch size {args.batch_size}, compute type {args.compute_type}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"load average (1/5/15 min) {load_before} before, {load_after} after\n")
    print(table(rows))
    summary = {}
    if "c" in rows:
        c = rows["c"]
        print()
        if "a" in rows:
            summary["c_over_a"] = c["tokens_per_s"] / rows["a"]["tokens_per_s"]
            print(f"- (c)/(a) tokens/s: {summary['c_over_a']:.2f}× (target ≥ 8×: "
                  f"{'met' if summary['c_over_a'] >= 8 else 'MISSED'})")
        if "d" in rows:
            summary["c_over_d"] = c["tokens_per_s"] / rows["d"]["tokens_per_s"]
            print(f"- (c)/(d) tokens/s: {summary['c_over_d']:.2f}× (target ≥ 0.9×: "
                  f"{'met' if summary['c_over_d'] >= 0.9 else 'MISSED'})")
        print(f"- (c) peak RSS: {c['peak_rss_mb']:.0f} MB (target ≤ 1024 MB: "
              f"{'met' if c['peak_rss_mb'] <= 1024 else 'MISSED'})")
    if args.json:
        args.json.write_text(json.dumps({
            "sentences": args.sentences, "beams": args.beams, "out_tokens": args.out_tokens,
            "batch_size": args.batch_size, "compute_type": args.compute_type, "cpus": os.cpu_count(),
            "load_before": load_before, "load_after": load_after, "engines": rows, **summary}, indent=1))


if __name__ == "__main__":
    main()

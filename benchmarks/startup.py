"""What a user waits for: `align translate` of a one-sentence article against a plain
CTranslate2 script doing the same translation, `align --help`, and `align review`
until its first answer.

    python benchmarks/startup.py [--model tests/models/small-fr-en] [--runs 7] [--json FILE]

Every command runs in a fresh process, as a user or a CMS hook runs it, with the
model's CTranslate2 conversion already in the cache (made once before the clock
starts); runs are interleaved and medians reported (wall time, from the process's
start to its end; for review, to its first answer).

- plain: a script that imports ctranslate2 and sentencepiece, loads the same
  converted model (int8, the same threads), tokenizes the sentence with the source
  SentencePiece model, translates it with the same beam and attention as align
  asks for, and prints the decoded English: the engine's own time.
- align: the installed `align` console script of this interpreter (not a shell
  shim), `translate ARTICLE --model M -o OUT`, twice: as the issue measured it
  (`--no-memory --no-glossary`), and with the repository's glossary and the memory
  (the defaults of a user's folder). The output folder is emptied before each run.
- help: `align --help`.
- review: `align review OUT --no-browser`, until the page answers.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SENTENCE = "Le conseil d'administration a approuvé hier le budget de l'entreprise pour 2025."

PLAIN = """
import sys, ctranslate2, sentencepiece
model, converted, text, beams, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
source = sentencepiece.SentencePieceProcessor(model_file=model + "/source.spm")
target = sentencepiece.SentencePieceProcessor(model_file=model + "/target.spm")
translator = ctranslate2.Translator(converted, device="cpu", compute_type="int8", intra_threads=threads)
result = translator.translate_batch([source.encode(text, out_type=str) + ["</s>"]], beam_size=beams,
                                    return_attention=True, return_scores=True)
print(target.decode_pieces(result[0].hypotheses[0]))
"""


def console_script() -> str:
    script = Path(sys.executable).parent / "align"
    if not script.is_file():
        sys.exit(f"no align console script beside {sys.executable}: pip install -e . first")
    return str(script)


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def review_first_answer(script: str, folder: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    server = subprocess.Popen([script, "review", str(folder), "--no-browser"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip()
        # The token in the URL is exchanged for a cookie by a redirect: keep it, as a browser does.
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(url, timeout=30) as answer:
            answer.read()
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(HERE / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    script = console_script()
    model = str(Path(args.model).resolve())
    engine = CTranslate2Engine(model)  # converts once, before the clock
    converted, beams, threads = str(engine.converted), engine.num_beams, engine.threads
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="0")
    times: dict[str, list[float]] = {"plain": [], "align": [], "align, glossary and memory": [], "help": [],
                                     "review": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        article = work / "article.txt"
        article.write_text(SENTENCE + "\n", encoding="utf-8")
        out = work / "out"
        translate = [script, "translate", str(article), "--model", model, "-o", str(out)]
        commands = {
            "plain": [sys.executable, "-c", PLAIN, model, converted, SENTENCE, str(beams), str(threads)],
            "align": translate + ["--no-memory", "--no-glossary"],
            "align, glossary and memory": translate + ["--glossary", str(HERE / "glossary.tsv")],
            "help": [script, "--help"],
        }
        for label, command in commands.items():  # warm: page cache, compiled templates, bytecode
            if label.startswith("align"):
                shutil.rmtree(out, ignore_errors=True)
            subprocess.run(command, check=True, env=env, capture_output=True)
        for _ in range(args.runs):
            for label, command in commands.items():
                if label.startswith("align"):
                    shutil.rmtree(out, ignore_errors=True)
                times[label].append(timed(command, env))
            times["review"].append(review_first_answer(script, out, env))
    medians = {label: statistics.median(values) for label, values in times.items()}
    plain = medians["plain"]
    print(f"one-sentence article, {Path(model).name}, CTranslate2 int8, {threads} threads, beam {beams}; "
          f"medians of {args.runs} fresh processes:")
    for label, value in medians.items():
        ratio = f"{value / plain:5.2f}x plain" if label.startswith(("align", "plain")) else ""
        print(f"  {label:28} {value * 1000:7.0f} ms  {ratio}")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": model, "runs": args.runs, "times": times,
                                               "medians": medians}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

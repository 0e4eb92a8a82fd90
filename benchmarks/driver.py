"""The driver's own cost: milliseconds a sentence of everything `align translate`
does around the engine (reading, segmenting, finding and placing terms, aligning
words, numbers, typography, checks, every writer), with an engine that answers at
once.

    python benchmarks/driver.py [--model tests/models/small-fr-en] [--articles 300]
                                [--per-article 2] [--repeats 5] [--no-glossary]
                                [--same-corpus] [--profile FILE] [--json FILE]

The engine replays what the small trained model answered for the same sentences
(its pieces, scores and cross-attention, recorded once with CTranslate2 before the
clock starts), so the term policy and the word alignment do their real work; an
engine returning the French without attention would skip both. The corpus: news
lines (data/: newstest2013 from line 1000 on, then newstest2012 and newstest2014),
in articles of two sentences, with the repository's glossary, no memory. Each
repeat translates articles of its own (the next lines) into a fresh output folder,
every cache of align and `re`'s emptied first: what a new run of new articles
costs, not a run over sentences whose numbers, names and patterns are still
cached from the one before (`--same-corpus`: every repeat the same articles, as
the figures before December 2026 were taken). The median is reported. This
bounds what one driver feeds a Ray cluster (docs/scaling.md).
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))


def news_lines() -> list[str]:
    """The news lines articles are made of, in order."""
    lines = []
    for name, start in (("newstest2013", 1000), ("newstest2012", 0), ("newstest2014", 0)):
        lines += [line for line in (HERE / "data" / f"{name}.fr").read_text(encoding="utf-8").splitlines()[start:]
                  if line.strip()]
    return lines


def corpus(folder: Path, articles: int, per_article: int = 2, first: int = 0) -> int:
    """`articles` articles of `per_article` news lines, from line `first` on, in `folder`."""
    folder.mkdir(parents=True)
    lines = news_lines()[first:first + per_article * articles]
    if len(lines) < per_article * articles:
        raise SystemExit(f"not enough news lines for {articles} articles of {per_article} from line {first}")
    for i in range(0, len(lines), per_article):
        (folder / f"a{i // per_article:04d}.txt").write_text("\n".join(lines[i:i + per_article]) + "\n",
                                                             encoding="utf-8")
    return len(lines)


def empty_caches() -> None:
    """Every functools cache of align's modules, and `re`'s: as in a new process."""
    import functools
    import gc
    import re

    for thing in gc.get_objects():
        if isinstance(thing, functools._lru_cache_wrapper) and \
                (getattr(thing, "__module__", "") or "").startswith("align"):
            thing.cache_clear()
    re.purge()


def replay_engine(engine):
    """An engine answering at once with `engine`'s recorded hypotheses (recorded on
    first sight of a sentence: call `record` before timing)."""
    from align.mt.engines.base import Engine

    class Replay(Engine):
        name = "replay"
        max_input_tokens = engine.max_input_tokens
        default_batch_tokens, default_batch_size = engine.batch_tokens, engine.batch_size

        def __init__(self):
            self.settings = engine.settings
            self.answers: dict[str, object] = {}
            self.recording = True

        def count_tokens(self, texts):
            return engine.count_tokens(texts)

        def translate_batch(self, sources, with_attention=True):
            missing = [s for s in dict.fromkeys(sources) if s not in self.answers]
            if missing:
                if not self.recording:
                    raise RuntimeError(f"{len(missing)} sentences were not recorded")
                self.answers.update(zip(missing, engine.translate_batch(missing, with_attention=True)))
            return [copy.copy(self.answers[s]) for s in sources]

        def signature(self):
            return {**engine.signature(), "engine": "replay"}

    return Replay()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(HERE / "tests" / "models" / "small-fr-en"))
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--per-article", type=int, default=2, help="sentences an article (news lines)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--same-corpus", action="store_true",
                        help="every repeat the same articles, caches kept (the figures before December 2026)")
    parser.add_argument("--no-glossary", action="store_true", help="as benchmarks/ray_overhead.py runs")
    parser.add_argument("--profile", default=None, help="write a cProfile of one more run here")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    from align.mt.engines import load_engine
    from align.mt.engines.base import GenerationSettings
    from align.pipeline.run import translate_paths
    from align.terms.glossary import Glossary

    glossary = None if args.no_glossary else Glossary.load(HERE / "glossary.tsv")
    engine = load_engine("ctranslate2", args.model, GenerationSettings(device="cpu"))
    replay = replay_engine(engine)
    seconds = []
    runs = 1 if args.same_corpus else args.repeats + (1 if args.profile else 0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        sources = []
        for run in range(runs):
            sentences = corpus(tmp_path / f"fr{run}", args.articles, args.per_article,
                               first=run * args.articles * args.per_article)
            sources.append(tmp_path / f"fr{run}")
        translate_paths(sources, replay, tmp_path / "record", glossary=glossary)
        replay.recording = False
        for repeat in range(args.repeats):
            source = sources[0 if args.same_corpus else repeat]
            if not args.same_corpus:
                empty_caches()
            started = time.perf_counter()
            translate_paths([source], replay, tmp_path / f"run{repeat}", glossary=glossary)
            seconds.append(time.perf_counter() - started)
        if args.profile:
            import cProfile

            source = sources[-1]
            if not args.same_corpus:
                empty_caches()
            cProfile.runctx("translate_paths([source], replay, tmp_path / 'profiled', glossary=glossary)",
                            globals(), locals(), args.profile)
    median = statistics.median(seconds)
    figures = {"articles": args.articles, "per_article": args.per_article, "glossary": not args.no_glossary,
               "same_corpus": args.same_corpus, "sentences": sentences, "seconds": seconds,
               "ms_per_sentence": 1000 * median / sentences, "sentences_per_second": sentences / median}
    print(f"{sentences} sentences in {args.articles} articles of {args.per_article} (news lines), "
          f"{'the same articles every repeat' if args.same_corpus else 'new articles each repeat, caches emptied'}, "
          f"{'no glossary' if args.no_glossary else 'glossary'}, no memory, "
          f"replayed answers of the small model: driver {figures['ms_per_sentence']:.2f} ms a sentence "
          f"(median of {args.repeats}: {', '.join(f'{s:.2f}' for s in seconds)} s), "
          f"{figures['sentences_per_second']:.0f} sentences/s at most for one driver")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

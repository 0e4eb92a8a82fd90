"""Batches across articles (align.pipeline.scheduler) and the corpus run (pipeline.Run)."""
from __future__ import annotations

import json
from pathlib import Path

from align.mt.engines import load_engine
from align.mt.engines.base import Engine, GenerationSettings, Hypothesis, token_batches
from align.pipeline.run import prepare_document, translate_paths
from align.pipeline.scheduler import CorpusScheduler
from align.terms.glossary import Glossary
from align.pipeline.translate import translate_document
from align.checks.pair import check_document
from align.output.writers.tsv import TsvWriter, read_tsv
from conftest import ROOT, SMALL_MODEL

NEWS = [line for line in (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
        if line.strip()]


class Recorder(Engine):
    """Upper-cases its input (words are tokens) and records every batch."""

    name = "recorder"
    max_input_tokens = 512

    def __init__(self, batch_tokens=64, batch_size=16, fail_on=()):
        self.settings = GenerationSettings(batch_tokens=batch_tokens, batch_size=batch_size)
        self.batches: list[list[str]] = []
        self.fail_on = set(fail_on)

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def translate_batch(self, sources, with_attention=True):
        self.batches.append(list(sources))
        if self.fail_on & set(sources):
            raise RuntimeError("the engine broke on this batch")
        return [Hypothesis(text=s.upper(), tokens=len(s.split())) for s in sources]

    def signature(self):
        return {"engine": self.name, "model": "recorder", "revision": "1", "beams": 1}


def corpus(folder: Path, articles: int, sentences: int = 2, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(articles):
        lines = NEWS[start + i * sentences:start + (i + 1) * sentences]
        path = folder / f"a{i:04d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------ batches
def test_token_batches_respect_both_limits_and_sort_by_length():
    lengths = [5, 30, 12, 12, 3, 40, 7, 7, 7, 1]
    batches = token_batches(lengths, max_tokens=48, max_sentences=3)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 3
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 48
    order = [lengths[i] for batch in batches for i in batch]
    assert order == sorted(lengths, reverse=True)
    assert token_batches([100], max_tokens=10, max_sentences=4) == [[0]]  # too long: a batch of its own


def test_batches_mix_the_sentences_of_many_short_articles(tmp_path):
    corpus(tmp_path / "fr", 200)
    engine = Recorder(batch_tokens=2048, batch_size=64)
    report = translate_paths([tmp_path / "fr"], engine, tmp_path / "out", writers=[])
    assert report.articles == 200 and report.sentences == sum(len(b) for b in engine.batches) == 400
    # Not 200 batches of two: 16 sentences a batch or more on average, from many articles.
    assert len(engine.batches) <= 400 / 16
    article_of = {line: i // 2 for i, line in enumerate(NEWS[:400])}
    assert max(len({article_of[s] for s in batch}) for batch in engine.batches) >= 32


def test_the_same_corpus_gives_the_same_batches(tmp_path):
    corpus(tmp_path / "fr", 60, sentences=3)
    runs = []
    for attempt in range(2):
        engine = Recorder(batch_tokens=300, batch_size=32)
        translate_paths([tmp_path / "fr"], engine, tmp_path / f"out{attempt}", writers=[])
        runs.append(engine.batches)
    assert runs[0] == runs[1]


def test_documents_wait_in_a_bounded_window(tmp_path):
    """Documents are read as the engine needs them: never more than a window ahead."""
    paths = corpus(tmp_path / "fr", 120)
    engine = Recorder(batch_tokens=64, batch_size=8)
    scheduler = CorpusScheduler(engine, window_tokens=200)
    pulled = []

    def documents():
        for path in paths:
            pulled.append(path)
            yield path, prepare_document(path)

    ahead = 0
    done = 0
    for translated in scheduler.run(documents()):
        done += 1
        ahead = max(ahead, len(pulled) - done)
    assert done == 120
    # A window closes at 200 tokens: two-sentence news articles hold about 60.
    assert ahead <= 8


def test_an_article_is_written_as_soon_as_its_last_sentence_is_back(tmp_path):
    """Within a window, an article whose sentences came back in the first batch is
    handed back before the window's other batches run."""
    paths = corpus(tmp_path / "fr", 20, sentences=1)
    engine = Recorder(batch_tokens=1000, batch_size=4)
    scheduler = CorpusScheduler(engine, window_tokens=10_000)
    seen_batches = []
    for translated in scheduler.run((path, prepare_document(path)) for path in paths):
        seen_batches.append(len(engine.batches))
    assert seen_batches[0] == 1 and seen_batches[-1] == 5


def test_an_engine_failure_costs_only_the_article_of_the_failing_sentence(tmp_path):
    corpus(tmp_path / "fr", 6)
    bad = NEWS[5]  # the second sentence of the third article
    engine = Recorder(batch_tokens=4096, batch_size=64, fail_on={bad})
    errors = []
    report = translate_paths([tmp_path / "fr"], engine, tmp_path / "out", on_error=errors.append)
    assert report.articles == 5 and [source for source, _ in report.failed] == [str(tmp_path / "fr" / "a0002.txt")]
    assert errors == [f"{tmp_path / 'fr' / 'a0002.txt'}: the engine failed on its sentences "
                      "(RuntimeError: the engine broke on this batch); article skipped"]
    assert not (tmp_path / "out" / "a0002.tsv").exists() and (tmp_path / "out" / "a0003.tsv").is_file()


# -------------------------------------------------------------- the corpus run
def test_each_article_is_read_once_and_the_manifest_keeps_the_input_order(tmp_path, monkeypatch):
    import align.pipeline.run as pipeline

    corpus(tmp_path / "fr", 40, sentences=2)
    (tmp_path / "fr" / "a0007.txt").write_bytes(b"\x00binary")  # fails when read
    reads = []
    real = pipeline.read_article
    monkeypatch.setattr(pipeline, "read_article", lambda article, **kw: reads.append(article.name) or real(article))
    engine = Recorder(batch_tokens=128, batch_size=8)
    report = translate_paths([tmp_path / "fr"], engine, tmp_path / "out")
    assert sorted(reads) == [f"a{i:04d}" for i in range(40)]
    assert report.articles == 39 and len(report.failed) == 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [a["name"] for a in manifest["articles"]] == [f"a{i:04d}" for i in range(40) if i != 7]
    assert manifest["counts"]["sentences"] == sum(a["sentences"] for a in manifest["articles"]) == report.sentences
    assert manifest["timings"]["batches"] == len(engine.batches)
    assert not (tmp_path / "out" / ".align" / "run-articles.jsonl").exists()  # the run's log is gone


class Bar:
    """What the run asks of a progress bar (tqdm's interface)."""

    def __init__(self, total):
        self.total, self.n, self.totals = total, 0, []

    def update(self, n):
        self.n += n

    def refresh(self):
        self.totals.append(self.total)

    def close(self):
        pass


def test_one_progress_bar_over_the_corpus_sentences(tmp_path):
    corpus(tmp_path / "fr", 30, sentences=3)
    bars = []
    report = translate_paths([tmp_path / "fr"], Recorder(batch_tokens=200), tmp_path / "out", writers=[],
                             progress_factory=lambda total: bars.append(Bar(total)) or bars[-1])
    [bar] = bars
    assert bar.n == bar.total == report.sentences
    assert bar.totals[-1] == report.sentences  # an estimate until every article is read, then exact


# ------------------------------------------- the English of article-by-article runs
class OneByOne(Engine):
    """A real engine made batch-invariant: each sentence of a batch translated alone."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.name = engine.name
        self.settings = GenerationSettings(batch_tokens=1024, batch_size=32)

    @property
    def max_input_tokens(self):
        return self.engine.max_input_tokens

    def count_tokens(self, texts):
        return self.engine.count_tokens(texts)

    def translate_batch(self, sources, with_attention=True):
        return [self.engine.translate_batch([source], with_attention)[0] for source in sources]

    def signature(self):
        return self.engine.signature()


def test_corpus_batches_give_the_english_of_article_by_article_translation(tmp_path):
    """The trained model, the news glossary: where the engine is batch-invariant,
    batching across articles changes no byte of what each article gets."""
    glossary = Glossary.load(ROOT / "tests" / "data" / "news_glossary.tsv")
    engine = OneByOne(load_engine("ctranslate2", str(SMALL_MODEL), GenerationSettings(device="cpu"),
                                  cache_dir=tmp_path / "cache"))
    with_terms = [line for line in NEWS[:600] if glossary.find(line)][:24]
    folder = tmp_path / "fr"
    folder.mkdir()
    for i in range(0, len(with_terms), 2):
        (folder / f"t{i:03d}.txt").write_text("\n".join(with_terms[i:i + 2]) + "\n", encoding="utf-8")
    translate_paths([folder], engine, tmp_path / "out", glossary=glossary, window_tokens=4096, numbers="flag")
    for path in sorted(folder.iterdir()):
        alone = check_document(translate_document(prepare_document(path, glossary), engine))
        # The corpus run also compares articles with each other (align.checks.consistency):
        # that flag aside, the same bytes.
        [batched] = read_tsv(tmp_path / "out" / f"{path.stem}.tsv")
        for pair in batched.pairs():
            pair.flags = [flag for flag in pair.flags if flag.code != "inconsistent"]
        batched.name = alone.name
        assert TsvWriter().render(batched) == TsvWriter().render(alone)
        assert any(term.status for pair in alone.pairs() for term in pair.terms)

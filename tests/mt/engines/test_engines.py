"""Engines (transformers and ctranslate2) on a tiny random Marian model, the
engine factory, and corpus sharding."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from align.mt.engines import load_engine
from align.mt.engines.base import GenerationSettings, detokenize
from align.errors import ModelLoadError, UsageError
from align.pipeline.shard import parse_shard, select_shard, shard_of

REPO = Path(__file__).resolve().parent.parent.parent.parent
ENGINE_NAMES = ["transformers", "ctranslate2"]


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from align.mt.random_model import build_random_marian

    french = []
    for path in sorted((REPO / "sources_fr").glob("*.txt")):
        french += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    english = [line.strip() for line in (REPO / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()
               if line.strip()][:3000]
    return build_random_marian(tmp_path_factory.mktemp("tiny-marian"), french, english)


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("align-cache")


@pytest.fixture(scope="module")
def engines(tiny_model, ct2_cache):
    loaded = {}

    def get(name: str, **settings):
        key = (name, tuple(sorted(settings.items())))
        if key not in loaded:
            loaded[key] = load_engine(name, str(tiny_model), GenerationSettings(**settings), cache_dir=ct2_cache)
        return loaded[key]

    return get


# ---------------------------------------------------------------- what every engine returns
SENTENCES = ["Le président a parlé hier soir devant les députés réunis à Paris.",
             "Il pleut.",
             "Le ministre des Finances a présenté le budget de l'État.",
             "Les négociations reprendront demain matin à Bruxelles, selon la présidence.",
             "Bonjour à tous."]


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_hypotheses_carry_pieces_attention_and_confidence(engines, name):
    engine = engines(name, batch_size=2)
    hypotheses = engine.translate(SENTENCES)
    assert len(hypotheses) == len(SENTENCES)
    for source, hypothesis in zip(SENTENCES, hypotheses):
        assert hypothesis.text == detokenize(hypothesis.target_pieces)[0]
        assert hypothesis.tokens == len(hypothesis.target_pieces)
        assert hypothesis.source_pieces[-1] == "</s>"
        assert len(hypothesis.source_pieces) == engine.count_tokens([source])[0]
        assert len(hypothesis.attention) == len(hypothesis.target_pieces)
        for row in hypothesis.attention:  # a distribution over the source pieces
            assert len(row) == len(hypothesis.source_pieces)
            assert sum(row) == pytest.approx(1.0, abs=1e-3) and min(row) >= 0
        assert hypothesis.score is not None and -50 < hypothesis.score <= 0
    bare = engine.translate(SENTENCES[:2], with_attention=False)
    assert [h.text for h in bare] == [h.text for h in hypotheses[:2]]
    assert all(len(h.attention) == 0 for h in bare)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_a_sentence_translates_the_same_alone_and_in_a_batch(engines, name):
    engine = engines(name, batch_size=4)
    together = engine.translate(SENTENCES)
    alone = [engine.translate([s])[0] for s in SENTENCES]
    assert [h.text for h in together] == [h.text for h in alone]
    # int8 (CTranslate2's default) quantises activations per batch: scores move a little.
    assert [h.score for h in together] == pytest.approx([h.score for h in alone], abs=1e-3 if name == "transformers"
                                                        else 0.05)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_output_length_is_bounded_by_the_source_and_truncation_is_reported(engines, name):
    settings = GenerationSettings(batch_size=8)
    engine = engines(name, batch_size=8)
    sources = ["Bonjour.", "Le président a parlé hier soir devant les députés.",
               "Il a plu toute la journée sur la capitale et les environs, selon Météo-France."]
    lengths = engine.count_tokens(sources)
    for source, length, hypothesis in zip(sources, lengths, engine.translate(sources)):
        assert hypothesis.tokens <= settings.max_new_tokens(length), (source, hypothesis.tokens)
        assert hypothesis.truncated == (hypothesis.tokens == settings.max_new_tokens(length))
    # A bound of two tokens: a random model never ends that soon, so every output is cut.
    short = engines(name, batch_size=8, length_ratio=0.0, length_slack=2)
    for hypothesis in short.translate(sources):
        assert hypothesis.tokens == 2 and hypothesis.truncated


# ---------------------------------------------------------------- ctranslate2 specifics
def test_ct2_conversion_is_cached_per_compute_type(tiny_model, ct2_cache, engines):
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    first = engines("ctranslate2", batch_size=4)
    assert first.converted.parent == ct2_cache / "ct2"
    assert (first.converted / "model.bin").is_file()
    again = CTranslate2Engine(str(tiny_model), GenerationSettings(), cache_dir=ct2_cache)
    assert again.converted == first.converted
    other = CTranslate2Engine(str(tiny_model), GenerationSettings(), compute_type="float32", cache_dir=ct2_cache)
    assert other.converted != first.converted
    signature = other.signature()
    assert signature["engine"] == "ctranslate2" and signature["compute_type"] == "float32"
    assert signature["revision"] == first.signature()["revision"]


def test_ct2_cache_follows_align_cache(tiny_model, tmp_path, monkeypatch):
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    monkeypatch.setenv("ALIGN_CACHE", str(tmp_path))
    engine = CTranslate2Engine(str(tiny_model), GenerationSettings(), compute_type="int8_float32")
    assert engine.converted.parent == tmp_path / "ct2"


def test_ct2_fixed_output_tokens(tiny_model, ct2_cache):
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    engine = CTranslate2Engine(str(tiny_model), GenerationSettings(beams=2), cache_dir=ct2_cache,
                               fixed_output_tokens=7)
    assert [h.tokens for h in engine.translate(["Bonjour.", "Le président a parlé hier soir."])] == [7, 7]


def test_ct2_missing_gives_the_install_line(tiny_model, monkeypatch):
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import ctranslate2 -> ImportError
    with pytest.raises(ModelLoadError) as error:
        CTranslate2Engine(str(tiny_model), GenerationSettings())
    assert str(error.value) == ("the ctranslate2 engine needs ctranslate2, which cannot be imported; "
                                "install it: pip install 'ctranslate2>=4.5'")


def test_torch_missing_names_the_cpu_build(tiny_model, monkeypatch):
    from align.mt.engines.transformers import TransformersEngine

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ModelLoadError) as error:
        TransformersEngine(str(tiny_model), GenerationSettings())
    assert str(error.value) == ("the transformers engine needs torch, which cannot be imported; install it: "
                                "pip install torch --index-url https://download.pytorch.org/whl/cpu (the CPU "
                                "build; PyPI's Linux torch is the CUDA build, several GB)")


# ---------------------------------------------------------------- factory
def test_factory_rejects_unknown_engine():
    with pytest.raises(UsageError, match="unknown engine"):
        load_engine("marian-nmt", "x", GenerationSettings())


def test_factory_rejects_unknown_compute_type(tiny_model):
    with pytest.raises(UsageError, match="compute-type"):
        load_engine("ctranslate2", str(tiny_model), GenerationSettings(), compute_type="int3")


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_factory_missing_model_is_one_line(tmp_path, name):
    with pytest.raises(ModelLoadError) as error:
        load_engine(name, str(tmp_path / "no-such-model"), GenerationSettings(), cache_dir=tmp_path)
    message = str(error.value)
    assert "\n" not in message and "no-such-model" in message and "Fix" in message


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_factory_builds_each_engine(engines, name):
    engine = engines(name, batch_size=4)
    assert engine.name == name
    assert engine.signature()["engine"] == name


# ---------------------------------------------------------------- shards
def corpus(n: int = 200) -> list[Path]:
    return [Path(f"corpus/{i:03d}_{random.Random(i).getrandbits(64):016x}.txt") for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_shards_cover_the_corpus_without_overlap(n):
    paths = corpus()
    shards = [select_shard(paths, k, n) for k in range(1, n + 1)]
    assert sorted(p for shard in shards for p in shard) == sorted(paths)
    assert sum(len(shard) for shard in shards) == len(paths)
    for k, shard in enumerate(shards, 1):
        assert all(shard_of(p, n) == k for p in shard)
    if n > 1:
        assert all(shard for shard in shards)  # 200 articles: every share gets some


def test_shards_ignore_listing_order_and_folder():
    paths = corpus()
    shuffled = paths[:]
    random.Random(7).shuffle(shuffled)
    moved = [Path("/elsewhere") / p.name for p in paths]
    for k in (1, 2, 3):
        assert sorted(select_shard(shuffled, k, 3)) == sorted(select_shard(paths, k, 3))
        assert [p.name for p in select_shard(moved, k, 3)] == [p.name for p in select_shard(paths, k, 3)]


def test_shard_hash_is_stable():
    # sha1 of the file name: the same on every machine and Python run (no hash randomisation).
    assert shard_of(Path("a/000_691388031b0927c0.txt"), 8) == shard_of("000_691388031b0927c0.txt", 8)
    import hashlib
    expected = int.from_bytes(hashlib.sha1(b"000_691388031b0927c0.txt").digest()[:8], "big") % 8 + 1
    assert shard_of("000_691388031b0927c0.txt", 8) == expected


@pytest.mark.parametrize("text, expected", [("1/1", (1, 1)), ("3/8", (3, 8)), (" 8 / 8 ", (8, 8))])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text, message", [
    ("0/8", "between 1 and 8"), ("9/8", "between 1 and 8"), ("3/0", "at least 1"),
    ("3", "expected K/N"), ("a/b", "expected K/N"), ("-1/4", "expected K/N"), ("", "expected K/N"),
])
def test_parse_shard_rejects(text, message):
    with pytest.raises(UsageError, match=message):
        parse_shard(text)


def test_select_shard_checks_its_arguments():
    with pytest.raises(UsageError):
        select_shard(corpus(3), 0, 2)
    with pytest.raises(UsageError):
        select_shard(corpus(3), 3, 2)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_both_engines_split_an_over_long_sentence_at_the_same_input_limit(engines, name):
    from align.document import Document, Paragraph, SentencePair
    from align.pipeline.translate import translate_document

    engine = engines(name, batch_size=8, length_ratio=0.0, length_slack=3)  # short outputs: this is about inputs
    assert engine.max_input_tokens == engines("transformers").max_input_tokens
    source = ", ".join(f"le président numéro {i} a parlé hier" for i in range(150)) + "."
    assert engine.count_tokens([source])[0] > engine.max_input_tokens
    pair = SentencePair(source, paragraph=1, number=1)
    translate_document(Document("long", [Paragraph(source, 1, sentences=[pair])]), engine)
    assert pair.pieces > 1 and pair.target
    # Each piece fits: the engine itself also cuts anything longer at the limit.
    [hypothesis] = engine.translate([source])
    assert len(hypothesis.source_pieces) == engine.max_input_tokens


def test_physical_cores_are_read_from_sysfs_as_psutil_reads_them(tmp_path):
    import psutil

    from align.mt.engines.ctranslate2 import _sysfs_cores

    assert _sysfs_cores() == psutil.cpu_count(logical=False)  # this machine, against psutil
    for cpu, siblings in enumerate(["0,2", "1,3", "0,2", "1,3"]):  # 2 cores, 2 threads each
        topology = tmp_path / "sys" / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / "thread_siblings_list").write_text(siblings + "\n")
    (tmp_path / "sys" / "cpufreq").mkdir()  # not a CPU
    assert _sysfs_cores(str(tmp_path / "sys")) == 2
    (tmp_path / "sys" / "cpu0" / "topology" / "core_cpus_list").write_text("0\n")  # the newer name wins
    assert _sysfs_cores(str(tmp_path / "sys")) == 1
    assert _sysfs_cores(str(tmp_path / "nothing")) is None

"""align.mt.engines.tokenizer against its oracle, transformers' MarianTokenizer: the
same ids and pieces on every line of the evaluation corpora (French and English),
on edge cases and on random text, for the small trained model, the tiny random
one and variants of their tokenizer files; the CTranslate2 engine's pieces; and a
run whose CTranslate2 conversion is cached never importing transformers or torch."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.errors import ModelLoadError
from align.mt.engines.base import GenerationSettings
from align.mt.engines.tokenizer import MarianSourceTokenizer
from conftest import ROOT, SMALL_MODEL

CORPORA = [ROOT / "data" / f"{name}.{lang}" for name in ("newstest2012", "newstest2013", "newstest2014",
                                                          "flores200-devtest") for lang in ("fr", "en")]
SPECIAL_STRINGS = ["</s>", "<unk>", "<pad>", "<", ">", "</", "s>", "<un", "k>", ">>", "<<", ">>en<<", ">>fr<<",
                   " ", "  ", "\u00a0", "\u202f", "\t", "\n", "\u2581", "<eop>", "abcde", "bc", "cd", "é", "e\u0301",
                   "le", "😀", "§§", "||", "¤", "\x85"]  # (U+0085: the one Python whitespace SentencePiece keeps)
EDGE_CASES = [
    "", " ", "   ", "\t", "\n", "<unk>", "</s>", "<pad>", "a</s>b", "<unk><unk>", " <pad> x", "x <pad> ", " </s> ",
    "</s></s>", "<</s>>", "<pad", "</s", "<unk >", "<UNK>", "&lt;unk&gt;",
    ">>en<< Bonjour", ">>en<<", ">>fr<<>>en<< x", ">> pas un code", "a >>en<< b", "Bonjour</s>>>fr<< le monde",
    "<unk>>>en<<x", ">><<", ">>>>en<<<<", "<pad>>>fr<<", " >>fr<< espace avant",
    "Le 😀 sourire", "日本語のテキスト", "控制\x00\x01\x07\x1b\x7f字符", "\ufffd remplacement", "e\u0301te\u0301 combiné",
    "100\u00a0%", "10\u202f000 euros", "\tTabulé\tdeux fois", "ligne\nsuivante\r\nfin", "\u200b\u200d\ufeff invisibles",
    "ﬁ ligature ① ｆｕｌｌ", "Ǆ ǅ İstanbul ß", "🇫🇷 🏳️‍🌈 👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0010ffff \ue000 privé",
    "x\x85</s>\x85y", "a\x85<unk>\x85b", "\x85<pad>\x85", "\x85§§\x85",
    "l'« été » — « oui »…", "Il a dit : « abcde » et bc.", "§§ entre §§", "a||b ¤ c",
    "mot " * 700,  # longer than model_max_length: MarianTokenizer does not truncate it
]


def oracle(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def compare(ours: MarianSourceTokenizer, tokenizer, texts: list[str]) -> list[list[str]]:
    """Asserts the same ids and pieces as MarianTokenizer's; returns the pieces."""
    expected_ids = tokenizer(texts, add_special_tokens=True)["input_ids"]
    expected = [tokenizer.convert_ids_to_tokens(ids) for ids in expected_ids]
    ids, pieces = ours.ids(texts), ours.pieces(texts)
    for text, got_ids, want_ids, got, want in zip(texts, ids, expected_ids, pieces, expected):
        assert (got_ids, got) == (want_ids, want), repr(text)
    assert len(ids) == len(pieces) == len(texts)
    return pieces


# ---------------------------------------------------------------- the two models
@pytest.fixture(scope="module", params=["small-fr-en", "tiny random"])
def model(request, tiny_model) -> Path:
    return SMALL_MODEL if request.param == "small-fr-en" else tiny_model


@pytest.fixture(scope="module")
def pair(model):
    return MarianSourceTokenizer(model), oracle(model)


def test_every_corpus_line_has_marian_tokenizers_ids_and_pieces(pair):
    ours, tokenizer = pair
    lines = [line for path in CORPORA for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 20036
    pieces = compare(ours, tokenizer, lines)
    # The unknown-piece path is taken (English and rare characters), and the
    # corpora are not all unknown either.
    unknown = sum(row.count("<unk>") for row in pieces)
    assert 0 < unknown < sum(map(len, pieces)) / 100
    assert ours.model_max_length == tokenizer.model_max_length == 512


def test_edge_cases_have_marian_tokenizers_ids_and_pieces(pair):
    ours, tokenizer = pair
    pieces = compare(ours, tokenizer, EDGE_CASES)
    assert pieces[EDGE_CASES.index("")] == ["</s>"]
    assert pieces[EDGE_CASES.index("a</s>b")][1] == "</s>"
    assert pieces[EDGE_CASES.index("<unk><unk>")] == ["<unk>", "<unk>", "</s>"]
    assert ours.tokens([">>en<< Bonjour"])[0][0] == ">>en<<"  # a token of its own, not in vocab.json:
    assert pieces[EDGE_CASES.index(">>en<< Bonjour")][0] == "<unk>"  # read back as unknown
    assert len(pieces[-1]) > 512
    # One text at a time gives what a batch gives.
    assert [ours.pieces([text])[0] for text in EDGE_CASES] == pieces


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(SPECIAL_STRINGS)), max_size=8)
                      .map("".join), min_size=1, max_size=4))
def test_random_text_has_marian_tokenizers_ids_and_pieces(pair, texts):
    compare(*pair, texts)


# ---------------------------------------------------------------- variants of the tokenizer files
def variant(base: Path, folder: Path, name: str) -> Path:
    """A copy of `base`'s tokenizer files whose tokenizer configuration reads otherwise."""
    folder.mkdir()
    for file in ("config.json", "source.spm", "target.spm", "vocab.json"):
        shutil.copy(base / file, folder / file)
    vocab = json.loads((base / "vocab.json").read_text(encoding="utf-8"))
    pad = vocab["<pad>"]
    config = {"source_lang": "fr", "target_lang": "en", "tokenizer_class": "MarianTokenizer"}

    def token(content, **flags):
        return {"content": content, "lstrip": False, "rstrip": False, "single_word": False, "normalized": False,
                "special": True, **flags}

    if name == "lstrip, rstrip, single_word":
        config["added_tokens_decoder"] = {
            "0": token("</s>", lstrip=True), "1": token("<unk>", rstrip=True), str(pad): token("<pad>", single_word=True),
            str(len(vocab) + 3): token("§§", lstrip=True, rstrip=True, special=False)}
    elif name == "extra special tokens":  # overlapping ones, a prefix of <unk>, a frequent word
        config.update(additional_special_tokens=["<eop>", "<eod>", "abcde", "bc", "cd", "<un", "é", ">>en<<", "le"],
                      sep_token="||", currency_token="¤")
    elif name == "legacy files":  # no tokenizer_config.json
        config = None
        (folder / "special_tokens_map.json").write_text(json.dumps({
            "unk_token": {"content": "<unk>", "lstrip": False, "rstrip": False}, "eos_token": "</s>",
            "pad_token": "<pad>", "additional_special_tokens": ["<eop>"]}), encoding="utf-8")
        (folder / "added_tokens.json").write_text(json.dumps({"§§": len(vocab) + 5}), encoding="utf-8")
    elif name == "split_special_tokens":
        config.update(split_special_tokens=True, model_max_length=256)
    elif name == "another unknown token":
        config.update(unk_token="<pad>", model_max_length=None)
    elif name == "separate vocabularies":  # the ids read back through target_vocab.json, as MarianTokenizer does
        target = {piece: len(vocab) - 1 - index for piece, index in vocab.items()}
        target = {piece: index for piece, index in target.items() if index != 2}  # id 2: the target spm's piece
        (folder / "target_vocab.json").write_text(json.dumps(target), encoding="utf-8")
        config.update(separate_vocabs=True)
    else:
        raise AssertionError(name)
    if config is not None:
        (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


VARIANTS = ["lstrip, rstrip, single_word", "extra special tokens", "legacy files", "split_special_tokens",
            "another unknown token", "separate vocabularies"]


@pytest.fixture(scope="module")
def sample() -> list[str]:
    lines = (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:300]
    lines += (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:100]
    mixes = ["".join(SPECIAL_STRINGS[i::k]) for k in (2, 3, 5) for i in range(k)]
    return EDGE_CASES + mixes + [f" {a}x{b} " for a in SPECIAL_STRINGS for b in SPECIAL_STRINGS[:8]] + lines


@pytest.mark.parametrize("name", VARIANTS)
def test_tokenizer_file_variants_read_as_marian_tokenizer_reads_them(tiny_model, tmp_path, sample, name):
    folder = variant(tiny_model, tmp_path / "variant", name)
    tokenizer = oracle(folder)
    pieces = compare(MarianSourceTokenizer(folder), tokenizer, sample)
    assert MarianSourceTokenizer(folder).model_max_length == tokenizer.model_max_length
    # The variant matters: MarianTokenizer reads the tiny model's own files otherwise.
    base = oracle(tiny_model)
    assert pieces != [base.convert_ids_to_tokens(ids) for ids in base(sample)["input_ids"]]


@pytest.fixture(scope="module")
def variant_pairs(tiny_model, tmp_path_factory) -> list:
    folders = [variant(tiny_model, tmp_path_factory.mktemp("variant") / "model", name)
               for name in ("lstrip, rstrip, single_word", "extra special tokens")]
    return [(MarianSourceTokenizer(folder), oracle(folder)) for folder in folders]


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.lists(st.one_of(st.text(max_size=8), st.sampled_from(SPECIAL_STRINGS)), max_size=10)
                      .map("".join), min_size=1, max_size=4))
def test_random_text_with_overlapping_and_stripped_tokens(variant_pairs, texts):
    for ours, tokenizer in variant_pairs:
        compare(ours, tokenizer, texts)


# ---------------------------------------------------------------- failures: one line
def broken(base: Path, folder: Path, case: str) -> Path:
    shutil.copytree(base, folder)
    if case == "no vocab.json":
        (folder / "vocab.json").unlink()
    elif case == "vocab.json is a folder":
        (folder / "vocab.json").unlink()
        (folder / "vocab.json").mkdir()
    elif case == "vocab.json is not JSON":
        (folder / "vocab.json").write_text('{"</s>": 0, "<unk', encoding="utf-8")
    elif case == "tokenizer_config.json is not JSON":
        (folder / "tokenizer_config.json").write_text("{\n", encoding="utf-8")
    elif case == "no source.spm":
        (folder / "source.spm").unlink()
    elif case == "source.spm is not a model":
        (folder / "source.spm").write_bytes(b"not a sentencepiece model\n")
    elif case == "the unknown token is not in vocab.json":
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        config.pop("added_tokens_decoder", None)
        (folder / "tokenizer_config.json").write_text(json.dumps(dict(config, unk_token="<absent>")), encoding="utf-8")
    return folder


FAILURES = {"no vocab.json": "vocab.json", "vocab.json is a folder": "vocab.json",
            "vocab.json is not JSON": "vocab.json", "tokenizer_config.json is not JSON": "tokenizer_config.json",
            "no source.spm": "source.spm", "source.spm is not a model": "source.spm",
            "the unknown token is not in vocab.json": "vocab.json"}


@pytest.mark.parametrize("case", FAILURES)
def test_an_unreadable_file_is_one_line_naming_it(tiny_model, tmp_path, case):
    folder = broken(tiny_model, tmp_path / "model", case)
    with pytest.raises(Exception):  # MarianTokenizer refuses it too
        oracle(folder)(["Bonjour."])
    with pytest.raises(ModelLoadError) as error:
        MarianSourceTokenizer(folder, "my-model")
    message = str(error.value)
    assert message.startswith(f"cannot load model 'my-model': {folder / FAILURES[case]}: ")
    assert "\n" not in message and "Fix:" in message


# ---------------------------------------------------------------- the CTranslate2 engine
@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("align-cache")


def test_the_ctranslate2_engine_reads_marian_tokenizers_pieces(tiny_model, ct2_cache):
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    engine = CTranslate2Engine(str(tiny_model), GenerationSettings(), cache_dir=ct2_cache)
    assert isinstance(engine.tokenizer, MarianSourceTokenizer)
    tokenizer = oracle(tiny_model)
    texts = [text for text in EDGE_CASES if len(text) < 500]
    texts += (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:200]
    expected = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(texts)["input_ids"]]
    assert engine.source_tokens(texts) == expected
    assert engine.source_tokens(texts[::-1]) == expected[::-1]  # from its piece cache
    assert engine.count_tokens(texts) == list(map(len, expected))
    assert engine.max_input_tokens == tokenizer.model_max_length == 512


def test_the_ctranslate2_engine_says_a_corrupt_tokenizer_file_in_one_line(tiny_model, tmp_path, ct2_cache):
    from align.mt.engines import load_engine

    folder = broken(tiny_model, tmp_path / "model", "source.spm is not a model")
    with pytest.raises(ModelLoadError) as error:
        load_engine("ctranslate2", str(folder), GenerationSettings(), cache_dir=ct2_cache)
    assert str(error.value).startswith(f"cannot load model '{folder}': {folder / 'source.spm'}: not a SentencePiece")


# A run in a fresh interpreter: the engine as the command line loads it, one sentence
# translated, then the modules it imported.
PROBE = """import json, sys
from align.mt.engines import load_engine
engine = load_engine("ctranslate2", sys.argv[1])
text = engine.translate(["Le chat dort sur le canapé."])[0].text
print(json.dumps({"text": text, "converted": str(engine.converted), "modules": sorted(sys.modules)}))
"""


def test_a_run_whose_conversion_is_cached_never_imports_transformers_or_torch(tmp_path):
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    cache = tmp_path / "cache"
    converted = CTranslate2Engine(str(SMALL_MODEL), GenerationSettings(), cache_dir=cache).converted
    made = sorted((cache / "ct2").iterdir())
    env = dict(os.environ, ALIGN_CACHE=str(cache), HF_HUB_OFFLINE="1")
    result = subprocess.run([sys.executable, "-c", PROBE, str(SMALL_MODEL)], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["text"].strip() and run["converted"] == str(converted)
    assert sorted((cache / "ct2").iterdir()) == made  # no new conversion
    modules = {name.split(".")[0] for name in run["modules"]}
    assert {"align", "ctranslate2", "sentencepiece"} <= modules  # (the probe sees what was imported)
    assert modules.isdisjoint({"torch", "transformers", "sacremoses"})

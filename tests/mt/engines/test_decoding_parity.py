"""What align writes is what the model wrote: parity with the model's own decoding.

The small trained model translates held-out news (newstest2013, which it never
saw) through `align translate --no-glossary`, as articles of two lines each. The
oracle is the libraries, run apart from align: transformers' `generate` then
`MarianTokenizer.decode`, and CTranslate2's `translate_batch` then the same
`decode`, with the model's own beams, one sentence at a time. align runs with one
sentence a batch too, so that padding cannot change a number (what batching
changes is measured in benchmarks/README.md). About one English sentence in ten
held a word glued to the next before align decoded pieces as SentencePiece does.
"""
from __future__ import annotations

import pytest
import sentencepiece
from click.testing import CliRunner

from align.cli import main
from align.output.writers.tsv import read_rows
from conftest import ROOT, SMALL_MODEL

LINES = [line for line in (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
         if line.strip()][1000:1060]
UNK = "<unk>"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(SMALL_MODEL))


def align_rows(tmp_path, engine: str) -> list[dict[str, str]]:
    sources = tmp_path / f"fr-{engine}"
    sources.mkdir()
    for start in range(0, len(LINES), 2):
        (sources / f"a{start:03d}.txt").write_text("\n".join(LINES[start:start + 2]) + "\n", encoding="utf-8")
    out = tmp_path / f"en-{engine}"
    result = CliRunner().invoke(main, ["translate", str(sources), "-o", str(out), "--model", str(SMALL_MODEL),
                                       "--engine", engine, "--no-glossary", "--no-memory", "--batch-size", "1",
                                       "--numbers", "flag", "--quiet"])   # the model's own English
    assert result.exit_code == 0, result.output
    rows = [row for path in sorted(out.glob("*.tsv")) for row in read_rows(path)]
    assert len(rows) >= len(LINES)  # a line may hold two sentences
    return rows


def oracle_text(tokenizer, ids: list[int]) -> str:
    """MarianTokenizer.decode; it drops <unk>, which SentencePiece itself reads
    ' ⁇ ': with an <unk>, the oracle is SentencePiece's decode_pieces."""
    pieces = tokenizer.convert_ids_to_tokens(ids)
    if UNK in pieces:
        target = sentencepiece.SentencePieceProcessor(model_file=str(SMALL_MODEL / "target.spm"))
        return target.decode_pieces([p for p in pieces if p not in ("</s>", "<pad>")]).strip()
    return tokenizer.decode(ids, skip_special_tokens=True)


def compare(rows, oracle) -> None:
    checked = 0
    for row in rows:
        if "truncated" in row["flags"]:  # stopped at align's length bound: the oracle decodes on
            continue
        assert row["en"] == oracle(row["fr"]), row["fr"]
        checked += 1
    assert checked >= 0.95 * len(rows)


def test_transformers_output_is_generate_then_decode(tmp_path, tokenizer):
    import torch
    from transformers import AutoModelForSeq2SeqLM

    model = AutoModelForSeq2SeqLM.from_pretrained(str(SMALL_MODEL)).eval()

    def oracle(french: str) -> str:
        with torch.inference_mode():
            output = model.generate(**tokenizer([french], return_tensors="pt"))  # the model's 4 beams
        return oracle_text(tokenizer, output[0].tolist())

    compare(align_rows(tmp_path, "transformers"), oracle)


def test_ctranslate2_output_is_translate_batch_then_decode(tmp_path, tokenizer):
    import ctranslate2

    rows = align_rows(tmp_path, "ctranslate2")
    # The conversion align made and cached, loaded by CTranslate2 itself.
    from align.mt.engines.ctranslate2 import CTranslate2Engine

    converted = CTranslate2Engine(str(SMALL_MODEL)).converted
    translator = ctranslate2.Translator(str(converted), device="cpu", compute_type="int8")

    def oracle(french: str) -> str:
        source = tokenizer.convert_ids_to_tokens(tokenizer(french)["input_ids"])
        result = translator.translate_batch([source], beam_size=4)
        return oracle_text(tokenizer, tokenizer.convert_tokens_to_ids(result[0].hypotheses[0]))

    compare(rows, oracle)

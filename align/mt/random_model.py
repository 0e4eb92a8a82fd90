"""Randomly initialised Marian models laid out exactly like Helsinki-NLP/opus-mt-fr-en.

Real weights cannot be downloaded here, so tests and benchmarks build their own:
`source.spm` and `target.spm` trained on the fly, a joint `vocab.json` with
`</s>`=0, `<unk>`=1 and `<pad>` last, and the opus-mt generation config. Their
output is noise: use them for structure, invariants and speed, never wording.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

# opus-mt-fr-en's shape (config.json of the hub model).
FULL_SHAPE = dict(d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
                  decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048)
FULL_VOCAB_SIZE = 59514
TINY_SHAPE = dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                  decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64)


def train_spm(lines: list[str], vocab_size: int) -> bytes:
    """Train a small unigram sentencepiece model in memory and return its bytes."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=vocab_size,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
        bos_id=-1, eos_id=0, unk_id=1, pad_id=-1,  # opus-mt's spm ids
        num_threads=1, minloglevel=2,
    )
    return model.getvalue()


def build_vocab(source_spm: bytes, target_spm: bytes, size: int | None = None) -> dict[str, int]:
    """Joint vocabulary as opus-mt builds it: </s>=0, <unk>=1, pieces, <pad> last."""
    import sentencepiece as spm

    vocab = {"</s>": 0, "<unk>": 1}
    for blob in (source_spm, target_spm):
        processor = spm.SentencePieceProcessor(model_proto=blob)
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    if size is not None:
        if len(vocab) >= size:
            raise ValueError(f"vocabulary has {len(vocab)} pieces, more than {size - 1}")
        # Filler entries bring the matrix to the real model's size (the cost of the
        # output projection depends on it).
        while len(vocab) < size - 1:
            vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def build_random_marian(directory: str | Path, french: list[str], english: list[str], *,
                        full_size: bool = False, spm_vocab_size: int = 400, seed: int = 0) -> Path:
    """Write a random Marian model to `directory`; returns the directory."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    source_spm = train_spm(french, spm_vocab_size)
    target_spm = train_spm(english, spm_vocab_size)
    vocab = build_vocab(source_spm, target_spm, FULL_VOCAB_SIZE if full_size else None)
    pad_id = vocab["<pad>"]
    (directory / "source.spm").write_bytes(source_spm)
    (directory / "target.spm").write_bytes(target_spm)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=1), encoding="utf-8")
    (directory / "tokenizer_config.json").write_text(json.dumps({
        "source_lang": "fr", "target_lang": "en", "model_max_length": 512,
        "tokenizer_class": "MarianTokenizer", "separate_vocabs": False,
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
    }, indent=1), encoding="utf-8")

    shape = FULL_SHAPE if full_size else TINY_SHAPE
    config = MarianConfig(
        vocab_size=len(vocab), decoder_vocab_size=len(vocab), max_position_embeddings=512,
        activation_function="swish", scale_embedding=True, static_position_embeddings=True,
        share_encoder_decoder_embeddings=True, pad_token_id=pad_id, decoder_start_token_id=pad_id,
        eos_token_id=0, forced_eos_token_id=0, bos_token_id=None, dropout=0.1, **shape,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.generation_config = GenerationConfig(
        num_beams=4, max_length=512, bad_words_ids=[[pad_id]], pad_token_id=pad_id,
        decoder_start_token_id=pad_id, eos_token_id=0, forced_eos_token_id=0,
    )
    model.save_pretrained(directory)
    # Round-trip through the tokenizer class so its own files are complete.
    MarianTokenizer.from_pretrained(directory)
    return directory

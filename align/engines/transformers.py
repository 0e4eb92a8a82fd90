"""MarianMT through Hugging Face transformers, with term constraints.

transformers 5 dropped its constrained beam search, so constraints are enforced
by `TermForcingProcessor`, a logits processor inside the library's own beam
search: it starts a term when the decoder's cross-attention reaches the source
term (or when the length budget runs short), completes a started term, and bars
EOS while a term is missing. Every finished hypothesis therefore contains every
term, by construction.
"""
from __future__ import annotations

import copy
import hashlib
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import ModelLoadError
from .base import (Constraint, Engine, GenerationSettings, Hypothesis, ProgressCallback, encode_constraints,
                   length_sorted_batches)

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-fr-en"


def load_failure_message(model: str, reason: str) -> str:
    return (f"cannot load model '{model}': {reason}. Fix: download it once with network access "
            f"(it is then cached), or set HF_HUB_OFFLINE=1 with a filled cache, "
            f"or pass --model DIR with a local copy of the model")


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Name lookup of the hub: fails at once here, where the hub's own retries
    would spend half a minute before giving up."""
    from huggingface_hub import constants

    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        socket.getaddrinfo(host, 443)
        return True
    except OSError:
        return False
    finally:
        socket.setdefaulttimeout(previous)


def directory_hash(directory: Path) -> str:
    """sha256 over a local model's file names and contents: its 'revision'."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class TermForcingProcessor:
    """Logits processor that guarantees constraint token sequences appear.

    The state of each hypothesis is derived from its tokens alone, so it is
    indifferent to how beam search reorders rows. `attention` holds the last
    decoder step's cross-attention (rows aligned with the hypotheses).
    """

    def __init__(self, constraints: list[list[dict]], max_lengths: list[int], num_beams: int,
                 eos_id: int, attention: dict, word_internal_ids=None):
        self.constraints = constraints      # per sentence: [{"variants": [[ids]...], "span": (s, e)}]
        self.max_lengths = max_lengths      # per sentence, in generated tokens (EOS excluded)
        self.num_beams = num_beams
        self.eos_id = eos_id
        self.attention = attention
        self.forced: dict[tuple, bool] = {}  # (sentence, prefix tokens) -> token forced against the model's choice
        self._pending_cache: dict[tuple, tuple[int, ...]] = {}
        # Pieces that continue a word: barred right after a term, so that a term
        # stays a whole word ("directors", never "directorsence").
        self.word_internal_ids = word_internal_ids

    @staticmethod
    def _contains(seq: list[int], pattern: list[int]) -> bool:
        n = len(pattern)
        return any(seq[i:i + n] == pattern for i in range(len(seq) - n + 1))

    def _pending(self, sentence: int, seq: list[int]) -> list[dict]:
        """Constraints not yet in `seq`. A term can only be completed by the token
        just appended, so the parent hypothesis's answer is narrowed, not recomputed
        (this scan dominated the cost of enforcement)."""
        constraints = self.constraints[sentence]
        key = (sentence, tuple(seq))
        pending = self._pending_cache.get(key)
        if pending is None:
            parent = self._pending_cache.get((sentence, key[1][:-1])) if seq else None
            if parent is None:
                pending = tuple(i for i, c in enumerate(constraints)
                                if not any(self._contains(seq, v) for v in c["variants"]))
            else:
                pending = tuple(i for i in parent if not any(
                    len(v) <= len(seq) and seq[-len(v):] == v for v in constraints[i]["variants"]))
            self._pending_cache[key] = pending
        return [constraints[i] for i in pending]

    def _ends_with_term(self, sentence: int, seq: list[int]) -> bool:
        return any(len(v) <= len(seq) and seq[-len(v):] == v
                   for c in self.constraints[sentence] for v in c["variants"])

    def _next_forced_token(self, sentence: int, seq: list[int], row: int) -> int | None:
        pending = self._pending(sentence, seq)
        if not pending:
            if len(seq) >= self.max_lengths[sentence]:
                return self.eos_id
            return -2 if self.word_internal_ids is not None and self._ends_with_term(sentence, seq) else None
        # 1. Complete a term already started (longest partial match wins).
        best: tuple[int, int] | None = None
        for constraint in pending:
            for variant in constraint["variants"]:
                for j in range(min(len(variant) - 1, len(seq)), 0, -1):
                    if seq[-j:] == variant[:j]:
                        if best is None or j > best[0]:
                            best = (j, variant[j])
                        break
        if best is not None:
            return best[1]
        # The capitalised variant (index 1 when present) opens a sentence.
        def first_token(constraint: dict) -> int:
            variants = constraint["variants"]
            return (variants[1] if not seq and len(variants) > 1 else variants[0])[0]
        # 2. Start a term when the decoder attends to its source span.
        focus = self.attention.get("position")
        if focus is not None:
            position = int(focus[row])
            for constraint in pending:
                start, end = constraint["span"]
                if start <= position < end:
                    return first_token(constraint)
        # 3. Start one when what is left of the length budget only just fits the terms.
        needed = sum(max(len(v) for v in c["variants"]) for c in pending)  # room for any spelling
        if self.max_lengths[sentence] - len(seq) <= needed:
            return first_token(pending[0])
        return -1  # free choice, but no EOS yet

    def __call__(self, input_ids, scores):
        import torch

        generated = input_ids.shape[1] - 1  # the decoder start token aside
        rows = None
        forced_rows: list[int] = []
        forced_tokens: list[int] = []
        forced_keys: list[tuple | None] = []
        no_eos: list[int] = []
        no_word_piece: list[int] = []
        for row in range(input_ids.shape[0]):
            sentence = row // self.num_beams
            if not self.constraints[sentence]:  # only the length bound applies
                if generated >= self.max_lengths[sentence]:
                    forced_rows.append(row)
                    forced_tokens.append(self.eos_id)
                    forced_keys.append(None)
                continue
            if rows is None:
                rows = input_ids.tolist()
            seq = rows[row][1:]
            token = self._next_forced_token(sentence, seq, row)
            if token is None:
                continue
            if token == -2:  # all terms placed, one just ended: no word-internal piece
                no_word_piece.append(row)
            elif token == -1:
                no_eos.append(row)
                if self.word_internal_ids is not None and self._ends_with_term(sentence, seq):
                    no_word_piece.append(row)
            else:
                forced_rows.append(row)
                forced_tokens.append(token)
                forced_keys.append(None if token == self.eos_id else (sentence, tuple(seq)))
        # Apply the decisions in a few tensor operations rather than row by row.
        if no_eos:
            scores[no_eos, self.eos_id] = -float("inf")
        if no_word_piece:
            index = torch.tensor(no_word_piece, device=scores.device)
            scores[index.unsqueeze(1), self.word_internal_ids.unsqueeze(0)] = -float("inf")
        if forced_rows:
            index = torch.tensor(forced_rows, device=scores.device)
            tokens = torch.tensor(forced_tokens, device=scores.device)
            natural = (scores[index].argmax(dim=-1) == tokens).tolist()
            kept = scores[index, tokens]
            kept = torch.where(torch.isfinite(kept), kept, torch.zeros_like(kept))
            scores[index] = -float("inf")
            scores[index, tokens] = kept
            for key, was_natural in zip(forced_keys, natural):
                if key is not None:
                    self.forced[key] = self.forced.get(key, False) or not was_natural
        return scores


class TransformersEngine(Engine):
    name = "transformers"

    def __init__(self, model: str = DEFAULT_MODEL, settings: GenerationSettings | None = None,
                 revision: str | None = None):
        self.model_id = model
        self.settings = settings or GenerationSettings()
        self.requested_revision = revision
        self._load()

    # -- loading ---------------------------------------------------------
    def _load(self) -> None:
        try:
            import torch
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:  # pragma: no cover - dependency missing
            raise ModelLoadError(f"transformers engine unavailable: {exc}; run: pip install align") from None

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        local = Path(self.model_id).expanduser()
        is_local = local.is_dir()
        looks_like_path = self.model_id.startswith((".", "~", "/")) or self.model_id.count("/") > 1
        if not is_local and looks_like_path:
            raise ModelLoadError(load_failure_message(self.model_id, "no such directory"))
        kwargs: dict[str, Any] = {}
        if self.requested_revision:
            kwargs["revision"] = self.requested_revision
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
        source = str(local) if is_local else self.model_id
        try:
            try:
                tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True, **kwargs)
                model = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=True, **kwargs)
            except OSError:
                if is_local or offline:
                    raise
                if not _hub_reachable():
                    raise ModelLoadError(load_failure_message(
                        self.model_id, "it is not in the local cache and the Hugging Face hub cannot be reached"))
                tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
                model = AutoModelForSeq2SeqLM.from_pretrained(source, **kwargs)
        except ModelLoadError:
            raise
        except Exception as exc:  # every loading failure becomes one line
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            if is_local:
                missing = [f for f in ("config.json", "source.spm", "target.spm", "vocab.json")
                           if not (local / f).exists()]
                if missing:
                    reason = f"{local} lacks {', '.join(missing)}"
            elif offline:
                reason = f"HF_HUB_OFFLINE is set and it is not in the cache ({reason})"
            raise ModelLoadError(load_failure_message(self.model_id, reason)) from None

        device = self.settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        elif device == "cuda" and not torch.cuda.is_available():
            raise ModelLoadError("--device cuda: no CUDA device is available (use --device cpu or auto)")
        self.device = device
        self.tokenizer = tokenizer
        self.model = model.to(device).eval()
        self.revision = (self.requested_revision if not is_local else None) or \
            getattr(model.config, "_commit_hash", None) or (directory_hash(local) if is_local else "unknown")
        self.model_path = str(local.resolve()) if is_local else self.model_id
        generation = model.generation_config
        self.num_beams = self.settings.beams or generation.num_beams or 1
        self.eos_id = generation.eos_token_id if isinstance(generation.eos_token_id, int) \
            else (generation.eos_token_id or [model.config.eos_token_id])[0]
        self._attention: dict = {}
        self._watch_cross_attention()

    def _watch_cross_attention(self) -> None:
        """Keep the last decoder layer's cross-attention focus for TermForcingProcessor.

        Only that one attention module is switched to the eager kernel, the only
        one that returns weights; the rest keep the fast default.
        """
        decoder = self.model.get_decoder()
        layer = decoder.layers[-1].encoder_attn
        layer.config = copy.copy(layer.config)
        layer.config._attn_implementation = "eager"
        attention = self._attention

        def hook(_module, _inputs, output):
            weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
            if weights is not None and attention.get("active"):
                # (rows, heads, query, source) -> source position of highest mean attention
                attention["position"] = weights[:, :, -1, :].mean(dim=1).argmax(dim=-1).tolist()

        layer.register_forward_hook(hook)

    # -- Engine API ------------------------------------------------------
    @property
    def max_input_tokens(self) -> int:
        limit = getattr(self.tokenizer, "model_max_length", 512) or 512
        positions = getattr(self.model.config, "max_position_embeddings", limit) or limit
        return int(min(limit, positions, 100_000))

    @property
    def max_output_tokens(self) -> int:
        """Generated tokens that fit the decoder's positions (its start token and EOS aside)."""
        positions = getattr(self.model.config, "max_position_embeddings", 512) or 512
        return int(positions) - 2

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=True)["input_ids"]]

    def _word_internal_ids(self):
        """Vocabulary ids of pieces that continue a word (no leading ▁, a letter or digit)."""
        if getattr(self, "_word_internal", None) is None:
            import torch

            vocab = self.tokenizer.get_vocab()
            ids = [i for piece, i in vocab.items()
                   if not piece.startswith("\u2581") and not piece.startswith("<") and any(c.isalnum() for c in piece)
                   and i < self.model.config.vocab_size]
            self._word_internal = torch.tensor(sorted(ids), dtype=torch.long, device=self.device)
        return self._word_internal

    def _target_ids(self, text: str) -> list[int]:
        ids = self.tokenizer(text_target=text, add_special_tokens=False)["input_ids"]
        return [i for i in ids if i != self.eos_id]

    def _source_length(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode_constraints(self, source: str, constraints: list[Constraint]) -> list[dict]:
        return encode_constraints(source, constraints, self._target_ids, self._source_length)

    def translate(self, sources: list[str], constraints: list[list[Constraint]] | None = None,
                  progress: ProgressCallback | None = None) -> list[Hypothesis]:
        import torch
        from transformers import LogitsProcessorList

        results: list[Hypothesis | None] = [None] * len(sources)
        lengths = self.count_tokens(sources)
        for batch in length_sorted_batches(lengths, self.settings.batch_size):
            texts = [sources[i] for i in batch]
            batch_constraints = [(constraints[i] if constraints else []) for i in batch]
            encoded = [self._encode_constraints(sources[i], c) for i, c in zip(batch, batch_constraints)]
            max_lengths = [min(self.max_output_tokens, self.settings.max_new_tokens(lengths[i])
                               + sum(max(len(v) for v in c["variants"]) for c in enc))
                           for i, enc in zip(batch, encoded)]
            inputs = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=True,
                                    max_length=self.max_input_tokens).to(self.device)
            processor = TermForcingProcessor(encoded, max_lengths, self.num_beams, self.eos_id, self._attention,
                                             self._word_internal_ids())
            self._attention.clear()
            self._attention["active"] = True
            with torch.inference_mode():
                output = self.model.generate(
                    **inputs, num_beams=self.num_beams, num_return_sequences=1,
                    max_new_tokens=max(max_lengths) + 1, logits_processor=LogitsProcessorList([processor]),
                )
            self._attention["active"] = False
            for row, index in enumerate(batch):
                ids = [t for t in output[row].tolist()[1:] if t != self.tokenizer.pad_token_id]
                if ids and ids[-1] == self.eos_id:
                    ids = ids[:-1]
                text = self.tokenizer.decode(ids, skip_special_tokens=True, use_source_tokenizer=False)
                forced = [self._was_forced(processor, row, ids, c) for c in encoded[row]]
                results[index] = Hypothesis(text=text, tokens=len(ids), forced=forced)
            if progress:
                progress(len(batch))
        return [r for r in results if r is not None]

    @staticmethod
    def _was_forced(processor: TermForcingProcessor, sentence: int, ids: list[int], constraint: dict) -> bool:
        for variant in constraint["variants"]:
            n = len(variant)
            for start in range(len(ids) - n + 1):
                if ids[start:start + n] == variant:
                    return any(processor.forced.get((sentence, tuple(ids[:start + k])), False) for k in range(n))
        return False

    def signature(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "model": self.model_path,
            "revision": self.revision,
            "device": self.device,
            "beams": self.num_beams,
            "batch_size": self.settings.batch_size,
            "max_new_tokens": f"{self.settings.length_ratio}*source+{self.settings.length_slack}",
            "max_input_tokens": self.max_input_tokens,
        }

"""MarianMT through Hugging Face transformers.

The library's beam search translates freely (each sentence ends at its own
length bound); one teacher-forced pass over the outputs then gives each
sentence's log-probability and the last decoder layer's cross-attention, which
the term policy (align.terms.placement) reads. transformers 5 dropped its
constrained beam search; terms are not forced here.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ...errors import ModelLoadError
from ..hub import check_model_folder, is_offline, load_failure_message, locate_model
from ..local_model import model_revision
from .base import Engine, GenerationSettings, Hypothesis, detokenize, missing_dependency

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-fr-en"


WEIGHTED_ATTENTION = "align_eager"
SCORED_ROWS = 8  # sentences whose logits are made at once in the scoring pass


def _weighted_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """transformers' eager attention (which returns the weights), taking the
    masks built for the model's default kernel: SDPA's masks are boolean (True:
    attend), which eager attention would add as 0/1 and so let padding in."""
    import torch
    from transformers.models.marian.modeling_marian import eager_attention_forward

    if attention_mask is not None and attention_mask.dtype == torch.bool:
        attention_mask = torch.zeros(attention_mask.shape, dtype=query.dtype, device=query.device) \
            .masked_fill(~attention_mask, torch.finfo(query.dtype).min)
    return eager_attention_forward(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout,
                                   **kwargs)


def _register_weighted_attention() -> str:
    from transformers import AttentionInterface

    AttentionInterface.register(WEIGHTED_ATTENTION, _weighted_attention)
    return WEIGHTED_ATTENTION


class LengthBoundProcessor:
    """Logits processor that ends each sentence at its own length bound.

    generate() takes one max_new_tokens per batch; a model that never emits EOS
    (noise in, loops out) would otherwise decode to the batch's longest bound.
    """

    def __init__(self, max_lengths: list[int], num_beams: int, eos_id: int):
        self.max_lengths = max_lengths      # per sentence, in generated tokens (EOS excluded)
        self.num_beams = num_beams
        self.eos_id = eos_id

    def __call__(self, input_ids, scores):
        generated = input_ids.shape[1] - 1  # the decoder start token aside
        rows = [row for row in range(input_ids.shape[0]) if generated >= self.max_lengths[row // self.num_beams]]
        if rows:
            scores[rows] = -float("inf")
            scores[rows, self.eos_id] = 0.0
        return scores


class TransformersEngine(Engine):
    name = "transformers"
    # Fastest on a 2-core CPU at 2,048 source tokens a batch; larger batches of 4 beams
    # slow generate down (benchmarks/README.md).
    default_batch_tokens = 2048
    default_batch_size = 128

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
        except ImportError as exc:
            raise ModelLoadError(missing_dependency(self.name, exc)) from None

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        local = Path(self.model_id).expanduser()
        is_local = local.is_dir()
        check_model_folder(self.model_id)
        # A cached hub model loads from its snapshot with no network call at all;
        # otherwise the one hub request resolves the revision to its commit.
        source, commit, cached = locate_model(self.model_id, self.requested_revision)
        try:
            try:
                pinned = {} if cached else {"revision": commit}  # download exactly the resolved commit
                tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=cached, **pinned)
                model = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=cached, **pinned)
            except OSError:
                if is_local or not cached or is_offline():
                    raise
                # A partial snapshot in the cache: fetch the rest of that very commit.
                tokenizer = AutoTokenizer.from_pretrained(self.model_id, revision=commit)
                model = AutoModelForSeq2SeqLM.from_pretrained(self.model_id, revision=commit)
        except ModelLoadError:
            raise
        except Exception as exc:  # every loading failure becomes one line
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            if is_local:
                missing = [f for f in ("config.json", "source.spm", "target.spm", "vocab.json")
                           if not (local / f).exists()]
                if missing:
                    reason = f"{local} lacks {', '.join(missing)}"
            elif is_offline():
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
        self.revision = commit or (model_revision(local) if is_local else None) or \
            getattr(model.config, "_commit_hash", None) or "unknown"
        self.model_path = str(local.resolve()) if is_local else self.model_id
        generation = model.generation_config
        self.num_beams = self.settings.beams or generation.num_beams or 1
        self.eos_id = generation.eos_token_id if isinstance(generation.eos_token_id, int) \
            else (generation.eos_token_id or [model.config.eos_token_id])[0]
        self._eager_cross_attention()

    def _eager_cross_attention(self) -> None:
        """Switch the last decoder layer's cross-attention to a kernel that returns
        its weights; the rest keep the fast default (SDPA)."""
        layer = self.model.get_decoder().layers[-1].encoder_attn
        layer.config = copy.copy(layer.config)
        layer.config._attn_implementation = _register_weighted_attention()

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

    def translate_batch(self, sources: list[str], with_attention: bool = True) -> list[Hypothesis]:
        import torch
        from transformers import LogitsProcessorList

        if not sources:
            return []
        inputs = self.tokenizer(sources, return_tensors="pt", padding=True, truncation=True,
                                max_length=self.max_input_tokens).to(self.device)
        lengths = inputs["attention_mask"].sum(dim=1).tolist()
        max_lengths = [min(self.max_output_tokens, self.settings.max_new_tokens(n)) for n in lengths]
        with torch.inference_mode():
            sequences = self.model.generate(
                **inputs, num_beams=self.num_beams, num_return_sequences=1,
                max_new_tokens=max(max_lengths) + 1,
                logits_processor=LogitsProcessorList([LengthBoundProcessor(max_lengths, self.num_beams,
                                                                           self.eos_id)]),
            )
            # One teacher-forced pass over the outputs gives, for every sentence, the
            # log-probability of its tokens (confidence) and the cross-attention of the
            # step that produced each token (where terms go).
            # The logits are made a few rows at a time: all of them at once are sentences ×
            # tokens × vocabulary floats (opus-mt-fr-en: 59,514 entries, 1.8 GB for
            # 128 sentences of 60 tokens).
            forward = self.model.model(**inputs, decoder_input_ids=sequences, output_attentions=with_attention)
            hidden, targets = forward.last_hidden_state[:, :-1], sequences[:, 1:]
            token_log_probs = torch.empty(targets.shape, dtype=torch.float32)
            for start in range(0, hidden.shape[0], SCORED_ROWS):
                rows = slice(start, start + SCORED_ROWS)
                logits = (self.model.lm_head(hidden[rows]) + self.model.final_logits_bias).float()
                token_log_probs[rows] = (logits.gather(-1, targets[rows].unsqueeze(-1)).squeeze(-1)
                                         - logits.logsumexp(dim=-1)).cpu()
            attention = forward.cross_attentions[-1].mean(dim=1) if with_attention else None
        pad = self.tokenizer.pad_token_id
        hypotheses = []
        for row in range(len(sources)):
            ids = sequences[row, 1:].tolist()
            if pad in ids:  # padding after this sentence's EOS
                ids = ids[:ids.index(pad)]
            ended = bool(ids) and ids[-1] == self.eos_id
            scored = len(ids)  # tokens scored: the output and its EOS
            if ended:
                ids = ids[:-1]
            score = float(token_log_probs[row, :scored].sum()) / max(1, scored)
            pieces = self.tokenizer.convert_ids_to_tokens(ids)
            # At its bound the sentence was ended by LengthBoundProcessor, not by the model.
            truncated = not ended or len(ids) >= max_lengths[row]
            hypothesis = Hypothesis(text=detokenize(pieces)[0], tokens=len(ids), score=score,
                                    truncated=truncated, target_pieces=pieces)
            if attention is not None:
                source_length = int(lengths[row])
                hypothesis.source_pieces = self.tokenizer.convert_ids_to_tokens(
                    inputs["input_ids"][row][:source_length].tolist())
                hypothesis.attention = attention[row, :len(ids), :source_length].double().cpu().numpy()
            hypotheses.append(hypothesis)
        return hypotheses

    def signature(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "model": self.model_path,
            "revision": self.revision,
            "device": self.device,
            "beams": self.num_beams,
            "batch_tokens": self.batch_tokens,
            "batch_size": self.batch_size,
            "max_new_tokens": f"{self.settings.length_ratio}*source+{self.settings.length_slack}",
            "max_input_tokens": self.max_input_tokens,
        }

"""MarianMT through CTranslate2 (int8 on CPU by default).

The Hugging Face model is converted once with `ctranslate2.converters.TransformersConverter`
(which works with transformers 5: its Marian conversion scores exactly like the
transformers model) and cached under `$ALIGN_CACHE/ct2/<key>` (default
`~/.cache/align/ct2/<key>`), key = hash of model path or id, revision and compute type.

CTranslate2 has no logits processors; it needs none: like the transformers engine
it translates freely and returns scores and the last decoder layer's attention
(averaged over heads by the converter below), from which the shared term policy
(align.terms.placement) places glossary targets.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ...errors import ModelLoadError, UsageError
from ..hub import check_model_folder, load_failure_message, locate_model
from ..local_model import cache_root, model_revision
from .base import Engine, GenerationSettings, Hypothesis, detokenize, missing_dependency
from .tokenizer import MarianSourceTokenizer
from .transformers import DEFAULT_MODEL

COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
                 "float16", "bfloat16", "float32", "auto", "default")
# Pieces kept by the tokenization cache, in batches' worth of tokens: two scheduler windows.
PIECE_CACHE_BATCHES = 32
# What a model download needs (not the TF/Flax/Rust weights of opus-mt repositories).
HUB_FILES = ["*.json", "*.spm", "*.txt", "*.model", "*.safetensors", "pytorch_model.bin"]


def conversion_key(model_path: str, revision: str, compute_type: str) -> str:
    """The cache folder's name. A local model's revision is the sha256 of its files:
    that alone names the weights, wherever the folder lives (two checkouts of a
    repository, a copied folder), as in the translation memory's key."""
    if re.fullmatch(r"[0-9a-f]{64}", revision or ""):
        model_path = ""
    return hashlib.sha256(f"{model_path}\0{revision}\0{compute_type}".encode()).hexdigest()[:20]


def physical_cores() -> int:
    """Physical cores this process may use (hyperthreads do not help GEMM-bound decoding)."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        allowed = os.cpu_count() or 1
    logical = os.cpu_count() or allowed
    physical = _sysfs_cores()
    if physical is None:  # not Linux, or no topology there: psutil reads the platform's own
        try:
            import psutil

            physical = psutil.cpu_count(logical=False)
        except ImportError:
            pass
    if not physical:
        physical = logical
    # With a restricted affinity (Slurm, taskset), scale by the share of logical CPUs granted.
    if allowed < logical:
        physical = max(1, round(physical * allowed / logical))
    return max(1, min(physical, allowed))


def _sysfs_cores(root: str = "/sys/devices/system/cpu") -> int | None:
    """Linux's physical cores: the distinct sibling lists of its CPUs' topologies, as
    `psutil.cpu_count(logical=False)` reads them there (without importing psutil,
    which costs a short run more than this)."""
    lists = set()
    for name in ("core_cpus_list", "thread_siblings_list"):
        for path in Path(root).glob(f"cpu[0-9]*/topology/{name}"):
            try:
                lists.add(path.read_text(encoding="ascii").strip())
            except OSError:
                continue
        if lists:
            return len(lists)
    return None


def _converter(model_dir: str):
    """TransformersConverter whose model returns the attention averaged over all
    heads of the last decoder layer (CTranslate2 keeps only the first head by
    default), like TransformersEngine's cross-attention focus."""
    import numpy as np
    from ctranslate2.converters import TransformersConverter

    config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    heads = int(config.get("decoder_attention_heads") or config.get("num_attention_heads") or 1)

    class Converter(TransformersConverter):
        def _load(self):
            spec = super()._load()
            decoder = getattr(spec, "decoder", None)
            if decoder is not None and hasattr(decoder, "alignment_heads"):
                decoder.alignment_heads = np.dtype("int16").type(heads)
            return spec

    return Converter(model_dir)


def attention_rows(rows: list[list[float]], source_length: int, target_length: int):
    """The attention CTranslate2 returns for one hypothesis as an array (target
    pieces × the sentence's own source pieces), each row a distribution over them.
    (CTranslate2 4.x returns the first step of a padded sentence with part of its
    mass on the padding: a row whose sum is off by more than 1e-4 is divided by it;
    the others are kept as they are. Summed in order, as Python's `sum` does.)"""
    import numpy as np  # here: a short run imports it while the model loads (align.cli.common)

    matrix = np.array(rows[:target_length], dtype=np.float64).reshape(min(len(rows), target_length), -1)
    matrix = matrix[:, :source_length]
    if matrix.size:
        totals = np.cumsum(matrix, axis=1)[:, -1]
        off = (totals > 0) & (np.abs(totals - 1.0) > 1e-4)
        matrix[off] /= totals[off, None]
    return matrix


class CTranslate2Engine(Engine):
    name = "ctranslate2"
    # Fastest on a 2-core CPU at 4,096 to 8,192 source tokens a batch (benchmarks/README.md).
    default_batch_tokens = 4096
    default_batch_size = 256

    def __init__(self, model: str = DEFAULT_MODEL, settings: GenerationSettings | None = None,
                 revision: str | None = None, compute_type: str = "int8",
                 cache_dir: str | Path | None = None, threads: int | None = None,
                 fixed_output_tokens: int | None = None):
        """`threads`: intra-op threads (default: the physical cores available);
        `fixed_output_tokens` (benchmarks only): every output is exactly that long."""
        self.model_id = model
        self.settings = settings or GenerationSettings()
        self.requested_revision = revision
        if compute_type not in COMPUTE_TYPES:
            raise UsageError(f"--compute-type {compute_type}: choose one of {', '.join(COMPUTE_TYPES)}")
        self.compute_type = compute_type
        self.cache_dir = cache_root(cache_dir)
        self.threads = threads or physical_cores()
        self.fixed_output_tokens = fixed_output_tokens
        self._piece_cache: OrderedDict[str, list[str]] = OrderedDict()
        self._cached_pieces = 0
        self._load()

    # -- loading ---------------------------------------------------------
    def _load(self) -> None:
        try:
            import ctranslate2
        except ImportError as exc:
            raise ModelLoadError(missing_dependency(self.name, exc)) from None
        self._ct2 = ctranslate2
        local, revision = self._resolve_model()
        self.model_path = str(local.resolve()) if self._is_local else self.model_id
        self.revision = revision
        self.tokenizer = self._load_tokenizer(local)
        config = self._read_json(local / "config.json")
        generation = self._read_json(local / "generation_config.json")
        self.num_beams = self.settings.beams or generation.get("num_beams") or config.get("num_beams") or 1
        limit = self.tokenizer.model_max_length or 512
        positions = config.get("max_position_embeddings", limit) or limit
        self._max_input_tokens = int(min(limit, positions, 100_000))
        # Generated tokens that fit the decoder's positions (its start token and EOS aside).
        self.max_output_tokens = int(config.get("max_position_embeddings") or 512) - 2

        device = self.settings.device
        cuda = ctranslate2.get_cuda_device_count() > 0
        if device == "auto":
            device = "cuda" if cuda else "cpu"
        elif device == "cuda" and not cuda:
            raise ModelLoadError("--device cuda: no CUDA device is available (use --device cpu or auto)")
        self.device = device
        self.converted = self._converted_model(local)
        try:
            self.translator = ctranslate2.Translator(
                str(self.converted), device=device, compute_type=self.compute_type,
                inter_threads=1, intra_threads=self.threads if device == "cpu" else 0)
        except Exception as exc:
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise ModelLoadError(f"cannot load the CTranslate2 model {self.converted}: {reason}. "
                                 f"Fix: delete that folder to convert again, or try another "
                                 f"--compute-type") from None

    @staticmethod
    def _read_json(path: Path) -> dict:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _resolve_model(self) -> tuple[Path, str]:
        """A local folder holding the model, and its revision."""
        local = Path(self.model_id).expanduser()
        self._is_local = local.is_dir()
        if self._is_local:
            missing = [f for f in ("config.json", "source.spm", "target.spm", "vocab.json")
                       if not (local / f).exists()]
            if missing:
                raise ModelLoadError(load_failure_message(self.model_id, f"{local} lacks {', '.join(missing)}"))
            return local, model_revision(local, self.cache_dir)
        check_model_folder(self.model_id)
        # A cached snapshot is used with no network call; otherwise the one hub
        # request resolves the revision and exactly that commit is downloaded.
        source, commit, cached = locate_model(self.model_id, self.requested_revision)
        if cached:
            return Path(source), commit or Path(source).name
        try:
            from huggingface_hub import snapshot_download

            path = Path(snapshot_download(self.model_id, revision=commit, allow_patterns=HUB_FILES))
        except Exception as exc:
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise ModelLoadError(load_failure_message(self.model_id, reason)) from None
        return path, commit or path.name  # snapshot folders are named after the commit

    def _load_tokenizer(self, local: Path) -> MarianSourceTokenizer:
        """MarianTokenizer's source side, without importing transformers (align.mt.engines.tokenizer)."""
        return MarianSourceTokenizer(local, self.model_id)

    def _converted_model(self, local: Path) -> Path:
        """The cached CTranslate2 conversion, made on first use (atomically, so
        that parallel jobs sharing a cache do not trip over each other)."""
        key = conversion_key(self.model_path, self.revision, self.compute_type)
        target = self.cache_dir / "ct2" / key
        if (target / "model.bin").is_file():
            return target
        try:  # the conversion reads the model with transformers and torch: imported only here
            import torch  # noqa: F401
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ModelLoadError(missing_dependency(self.name, exc)) from None
        quantization = None if self.compute_type in ("auto", "default") else self.compute_type
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=target.parent))
        except OSError as exc:
            raise ModelLoadError(f"cannot write the CTranslate2 cache {target.parent}: {exc.strerror or exc}. "
                                 f"Fix: set ALIGN_CACHE to a writable folder") from None
        try:
            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
            converter = _converter(str(local))
            converter.convert(str(scratch / "model"), quantization=quantization, force=True)
            (scratch / "model" / "align.json").write_text(json.dumps({
                "model": self.model_path, "revision": self.revision, "compute_type": self.compute_type,
                "ctranslate2": self._ct2.__version__}, indent=1), encoding="utf-8")
            try:
                os.replace(scratch / "model", target)
            except OSError:
                if not (target / "model.bin").is_file():  # not a concurrent job's finished copy
                    raise
        except Exception as exc:
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise ModelLoadError(f"cannot convert '{self.model_id}' to CTranslate2: {reason}. "
                                 f"Fix: use --engine transformers, or check the model folder") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return target

    # -- Engine API ------------------------------------------------------
    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(pieces) for pieces in self._pieces(texts)]

    def source_tokens(self, texts: list[str]) -> list[list[str]]:
        """Source pieces as the model reads them (EOS included, truncated to the model's limit)."""
        limit = self.max_input_tokens
        return [pieces if len(pieces) <= limit else pieces[:limit - 1] + pieces[-1:] for pieces in self._pieces(texts)]

    def _pieces(self, texts: list[str]) -> list[list[str]]:
        """Each text's pieces, EOS included. The pipeline counts a sentence's tokens
        when it plans batches, then translates it: the last texts' pieces are kept
        (a bounded cache) so that each is tokenized once."""
        cache = self._piece_cache
        missing = [text for text in dict.fromkeys(texts) if text not in cache]
        if missing:
            for text, pieces in zip(missing, self.tokenizer.pieces(missing)):
                cache[text] = pieces
                self._cached_pieces += len(pieces)
            found = [cache[text] for text in texts]
            while self._cached_pieces > PIECE_CACHE_BATCHES * self.batch_tokens and len(cache) > 1:
                self._cached_pieces -= len(cache.popitem(last=False)[1])
            return found
        return [cache[text] for text in texts]

    def translate_batch(self, sources: list[str], with_attention: bool = True) -> list[Hypothesis]:
        if not sources:
            return []
        tokens = self.source_tokens(sources)
        if self.fixed_output_tokens is not None:
            limits = [self.fixed_output_tokens] * len(sources)
        else:
            limits = [min(self.max_output_tokens, self.settings.max_new_tokens(len(t))) for t in tokens]
        options: dict[str, Any] = dict(beam_size=self.num_beams, max_decoding_length=max(limits),
                                       return_attention=with_attention, return_scores=True,
                                       max_batch_size=0)  # the batch as given
        if self.fixed_output_tokens is not None:
            options["min_decoding_length"] = self.fixed_output_tokens
        outputs = self.translator.translate_batch(tokens, **options)
        hypotheses = []
        for source, limit, result in zip(tokens, limits, outputs):
            # The call's length limit is the batch's longest; this sentence's own applies here.
            pieces = list(result.hypotheses[0])
            truncated = len(pieces) >= limit
            pieces = pieces[:limit]
            hypothesis = Hypothesis(text=detokenize(pieces)[0], tokens=len(pieces),
                                    score=float(result.scores[0]), truncated=truncated, target_pieces=pieces)
            if with_attention:
                hypothesis.source_pieces = source
                hypothesis.attention = attention_rows(result.attention[0], len(source), len(pieces))
            hypotheses.append(hypothesis)
        return hypotheses

    def signature(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "model": self.model_path,
            "revision": self.revision,
            "device": self.device,
            "compute_type": self.compute_type,
            "ctranslate2": self._ct2.__version__,
            "beams": self.num_beams,
            "batch_tokens": self.batch_tokens,
            "batch_size": self.batch_size,
            "max_new_tokens": (f"{self.fixed_output_tokens} (fixed)" if self.fixed_output_tokens is not None else
                               f"{self.settings.length_ratio}*source+{self.settings.length_slack}"),
            "max_input_tokens": self.max_input_tokens,
        }

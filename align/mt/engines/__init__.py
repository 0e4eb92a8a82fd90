"""Translation engines and the factory that picks one by name."""
from __future__ import annotations

from pathlib import Path

from ...errors import UsageError
from .base import Engine, GenerationSettings

ENGINES = ("transformers", "ctranslate2")


def load_engine(name: str, model: str | None, settings: GenerationSettings | None = None,
                revision: str | None = None, compute_type: str = "int8",
                cache_dir: str | Path | None = None, threads: int | None = None) -> Engine:
    """Load engine `name` ("transformers" or "ctranslate2") with `model` (hub id or
    folder; None: opus-mt-fr-en). `compute_type`, `cache_dir` (default
    $ALIGN_CACHE or ~/.cache/align) and `threads` (default: the physical cores)
    concern the ctranslate2 engine only.

    Raises UsageError for an unknown engine name, ModelLoadError when the model
    (or the engine's dependencies) cannot be loaded.
    """
    key = (name or "").strip().lower()
    if key not in ENGINES:
        raise UsageError(f"--engine {name}: unknown engine (choose {' or '.join(ENGINES)})")
    settings = settings or GenerationSettings()
    if key == "transformers":
        from .transformers import DEFAULT_MODEL, TransformersEngine

        return TransformersEngine(model or DEFAULT_MODEL, settings, revision=revision)
    from .ctranslate2 import CTranslate2Engine
    from .transformers import DEFAULT_MODEL

    return CTranslate2Engine(model or DEFAULT_MODEL, settings, revision=revision,
                             compute_type=compute_type, cache_dir=cache_dir, threads=threads)


__all__ = ["ENGINES", "Engine", "GenerationSettings", "load_engine"]

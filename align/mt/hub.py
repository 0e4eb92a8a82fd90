"""The Hugging Face hub, asked as little as possible.

A model already in the local cache is found there with no network call at all
(`huggingface_hub.try_to_load_from_cache` reads the cache's ``refs/`` and
``snapshots/``); the hub itself is asked only for a model that is not cached,
and never with HF_HUB_OFFLINE set. Nothing here changes process-wide state
(the socket default timeout in particular): the one request has its own timeout.

A revision (branch, tag or commit; None means the default branch) is resolved
to the commit it names, so that manifests and the translation memory record
what was loaded, never a moving name like ``main``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ModelLoadError

COMMIT_RE = re.compile(r"[0-9a-f]{40}")
# A file every Marian model has: its cached copy locates the snapshot folder.
PROBE_FILE = "config.json"
HUB_TIMEOUT = 10.0  # seconds for the single hub request of a model that is not cached
_TRUE = ("1", "true", "yes", "on")


TRY_MODEL = "tests/models/small-fr-en"  # in the repository: the small trained test model


def load_failure_message(model: str, reason: str) -> str:
    """The one line every model-loading failure ends in."""
    return (f"cannot load model '{model}': {reason}. Fix: download it once with network access "
            f"(it is then cached), or set HF_HUB_OFFLINE=1 with a filled cache, "
            f"or pass --model DIR with a local copy of the model; to try align with no download, "
            f"from a clone of its repository: --model {TRY_MODEL} (a small test model: poor translations)")


def check_model_folder(model: str) -> None:
    """A `model` that is a path (not a hub id) must be a folder: else a one-line
    ModelLoadError saying the folder is missing (no hub advice: it is not a hub id).
    Cheap, and called before anything is loaded or written."""
    if is_hub_id(model):
        return
    folder = Path(model).expanduser()
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise ModelLoadError(f"cannot load model '{model}': {what} ({folder.absolute()}). Fix: check the path; "
                             f"--model takes a hub id or the folder of a local copy of the model (its config.json, "
                             f"source.spm, target.spm, vocab.json)")


def is_offline() -> bool:
    """HF_HUB_OFFLINE as huggingface_hub sees it, or as set since it was imported."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        return True
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def is_hub_id(model: str) -> bool:
    """A hub id ("org/name" or "name"), not a local folder or path."""
    if Path(model).expanduser().is_dir():
        return False
    return not model.startswith((".", "~", "/")) and model.count("/") <= 1 and "\\" not in model


def cached_snapshot(model: str, revision: str | None = None, cache_dir: str | Path | None = None) -> Path | None:
    """The cached snapshot folder of hub model `model` at `revision` (its name is
    the commit), or None when it is not cached. Never makes a network call."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model, PROBE_FILE, cache_dir=cache_dir, revision=revision)
    return Path(found).parent if isinstance(found, str) else None


def resolve_revision(model: str, revision: str | None = None, cache_dir: str | Path | None = None,
                     timeout: float = HUB_TIMEOUT) -> str | None:
    """The commit that `revision` of hub model `model` names (None: a local folder).

    A commit is returned as given; a cached model answers from the cache (the
    snapshot that loading will use); otherwise the hub is asked once, unless
    HF_HUB_OFFLINE is set. Failures are one-line ModelLoadErrors.
    """
    if not is_hub_id(model):
        return None
    if revision and COMMIT_RE.fullmatch(revision):
        return revision
    snapshot = cached_snapshot(model, revision, cache_dir)
    if snapshot is not None:
        return snapshot.name
    shown = model + (f"' at revision '{revision}" if revision else "")
    if is_offline():
        raise ModelLoadError(load_failure_message(shown, "HF_HUB_OFFLINE is set and it is not in the local cache"))
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(model, revision=revision, timeout=timeout)
    except Exception as exc:  # network, unknown model or revision: one line
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ModelLoadError(load_failure_message(shown, f"the Hugging Face hub cannot resolve it ({reason}); "
                                                         f"check the name and revision")) from None
    if not info.sha:
        raise ModelLoadError(load_failure_message(shown, "the hub returned no commit for it"))
    return info.sha


def locate_model(model: str, revision: str | None = None, cache_dir: str | Path | None = None,
                 timeout: float = HUB_TIMEOUT) -> tuple[str, str | None, bool]:
    """Where to load `model` from: (source, commit, local).

    A local folder: (its path, None, True). A cached hub model: (its snapshot
    folder, commit, True): load it with ``local_files_only=True`` and nothing
    asks the network. Otherwise (model id, commit, False): download exactly that
    commit (``revision=commit``); resolving it was the one hub request.
    """
    if not is_hub_id(model):
        return str(Path(model).expanduser()), None, True
    snapshot = cached_snapshot(model, revision, cache_dir)
    if snapshot is not None:
        return str(snapshot), snapshot.name, True
    return model, resolve_revision(model, revision, cache_dir, timeout), False

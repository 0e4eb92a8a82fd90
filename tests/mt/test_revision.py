"""Reproducibility: a hub revision is recorded as the commit it resolved to (the
hub is mocked or read from a cache built here: no network), and align's own
policy version is part of the memory key, so a newer align never reuses a stale
sentence; `align tm stats` counts them and `align tm prune` removes them."""
from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import align.output.memory as memory_module
from align.cli import main
from align.errors import ModelLoadError
from align.mt.hub import cached_snapshot, locate_model, resolve_revision
from align.output.memory import TranslationMemory, memory_key
from align.segment import segment_document
from align.read.sources import read_text
from conftest import ROOT

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SIGNATURE = {"engine": "transformers", "model": "Helsinki-NLP/opus-mt-fr-en", "revision": COMMIT,
             "beams": 4, "max_new_tokens": "1.5*source+10", "max_input_tokens": 512}


def hub_cache(root: Path, repo: str, commit: str, refs: dict[str, str], model: Path | None = None) -> Path:
    """A Hugging Face cache folder holding `repo` at `commit`, as the hub lays it out."""
    folder = root / ("models--" + repo.replace("/", "--"))
    snapshot = folder / "snapshots" / commit
    if model is not None:
        shutil.copytree(model, snapshot)
    else:
        snapshot.mkdir(parents=True)
        (snapshot / "config.json").write_text("{}")
    (folder / "refs").mkdir(parents=True, exist_ok=True)
    for name, target in refs.items():
        (folder / "refs" / name).write_text(target)
    return root


@pytest.fixture
def no_hub(monkeypatch):
    """Any request to the hub fails the test."""
    from huggingface_hub import HfApi

    def refuse(*args, **kwargs):
        raise AssertionError("the hub was asked")

    monkeypatch.setattr(HfApi, "model_info", refuse)


# ----------------------------------------------------------------- hub.py
def test_a_cached_branch_resolves_to_its_commit_without_the_network(tmp_path, no_hub):
    cache = hub_cache(tmp_path, "org/model", COMMIT, {"main": COMMIT, "v1.0": COMMIT})
    timeout = socket.getdefaulttimeout()
    assert resolve_revision("org/model", "main", cache_dir=cache) == COMMIT
    assert resolve_revision("org/model", "v1.0", cache_dir=cache) == COMMIT
    assert resolve_revision("org/model", None, cache_dir=cache) == COMMIT  # the default branch
    assert cached_snapshot("org/model", "main", cache_dir=cache) == \
        cache / "models--org--model" / "snapshots" / COMMIT
    assert resolve_revision("org/model", "f" * 40, cache_dir=cache) == "f" * 40  # a commit is a commit
    assert resolve_revision(str(tmp_path), "main") is None  # a local folder has no hub revision
    assert socket.getdefaulttimeout() == timeout


def test_locate_model_loads_a_cached_model_from_its_snapshot_folder(tmp_path, no_hub):
    cache = hub_cache(tmp_path / "hub", "org/model", COMMIT, {"main": COMMIT})
    snapshot = cache / "models--org--model" / "snapshots" / COMMIT
    assert locate_model("org/model", "main", cache_dir=cache) == (str(snapshot), COMMIT, True)
    assert locate_model("org/model", COMMIT, cache_dir=cache) == (str(snapshot), COMMIT, True)
    assert locate_model(str(tmp_path), None) == (str(tmp_path), None, True)


def test_an_uncached_branch_is_resolved_by_one_hub_request(tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    calls = []

    def model_info(self, repo_id, revision=None, timeout=None, **kwargs):
        calls.append((repo_id, revision, timeout))
        return SimpleNamespace(sha=COMMIT)

    monkeypatch.setattr(HfApi, "model_info", model_info)
    assert resolve_revision("org/model", "main", cache_dir=tmp_path) == COMMIT
    assert calls == [("org/model", "main", 10.0)]
    assert locate_model("org/model", "main", cache_dir=tmp_path) == ("org/model", COMMIT, False)


def test_hub_failures_are_one_line(tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError) as error:
        resolve_revision("org/model", "main", cache_dir=tmp_path)
    assert str(error.value) == (
        "cannot load model 'org/model' at revision 'main': HF_HUB_OFFLINE is set and it is not in the local cache. "
        "Fix: download it once with network access (it is then cached), or set HF_HUB_OFFLINE=1 with a filled "
        "cache, or pass --model DIR with a local copy of the model; to try align with no download, from a clone of its "
        "repository: --model tests/models/small-fr-en (a small test model: poor translations)")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)

    def unknown(self, repo_id, **kwargs):
        raise ValueError("Revision Not Found for url:\n https://huggingface.co/api/models/org/model/revision/nope")

    monkeypatch.setattr(HfApi, "model_info", unknown)
    with pytest.raises(ModelLoadError) as error:
        resolve_revision("org/model", "nope", cache_dir=tmp_path)
    assert "\n" not in str(error.value) and str(error.value).startswith(
        "cannot load model 'org/model' at revision 'nope': the Hugging Face hub cannot resolve it (Revision Not Found")


def test_translate_records_the_commit_a_branch_resolved_to(tmp_path, tiny_model):
    """End to end in a fresh process whose hub cache holds the tiny model as
    org/tiny at COMMIT with refs/main → COMMIT (HF_HUB_OFFLINE: no network)."""
    cache = hub_cache(tmp_path / "hub", "org/tiny", COMMIT, {"main": COMMIT}, model=tiny_model)
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text("Le conseil a voté hier.\n", encoding="utf-8")
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "align.cli", "translate", str(src), "-o", str(out),
                             "--model", "org/tiny", "--revision", "main", "--beams", "1", "--no-glossary", "-q"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"]["revision"] == COMMIT
    assert manifest["settings"]["revision_requested"] == "main"
    assert f"rev:{COMMIT[:12]}" in manifest["signature"]
    db = sqlite3.connect(out / ".align" / "memory.sqlite")
    signatures = [json.loads(s) for (s,) in db.execute("SELECT signature FROM engines")]
    db.close()
    assert [s["revision"] for s in signatures] == [COMMIT]


# ------------------------------------------------------------ policy version
def stored_document(text: str):
    document = segment_document(read_text(text, "a"))
    for pair in document.translatable_pairs():
        pair.target, pair.origin = f"EN[{pair.source}]", "model"
    return document


def test_a_policy_version_bump_makes_old_sentences_stale_and_prune_removes_them(tmp_path, monkeypatch):
    path = tmp_path / "tm.sqlite"
    old_key = memory_key(SIGNATURE)
    with TranslationMemory(path) as memory:
        assert memory.store(stored_document("Une phrase. Une autre phrase."), old_key, SIGNATURE) == 2
        assert memory.stats()["stale"] == 0
    monkeypatch.setattr(memory_module, "POLICY_VERSION", memory_module.POLICY_VERSION + 1)
    new_key = memory_key(SIGNATURE)
    assert new_key != old_key
    with TranslationMemory(path) as memory:
        fresh = segment_document(read_text("Une phrase. Une autre phrase.", "a"))
        assert memory.fill(fresh, new_key) == 0  # never served by the new version
        assert memory.store(stored_document("Une troisième phrase."), new_key, SIGNATURE) == 1
        stats = memory.stats()
        assert (stats["entries"], stats["stale"], stats["policy"]) == (3, 2, memory_module.POLICY_VERSION)
    runner = CliRunner()
    result = runner.invoke(main, ["tm", "stats", "--memory", str(path)])
    assert result.exit_code == 0, result.output
    assert (f"2 stale sentences: stored by another version of align's segmentation and term policy "
            f"(now {memory_module.POLICY_VERSION}), never reused; align tm prune removes them") in result.output
    result = runner.invoke(main, ["tm", "prune", "--memory", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"2 stale sentences removed from {path}; 1 kept\n"
    with TranslationMemory(path) as memory:
        assert [source for source, _, _ in memory.entries()] == ["Une troisième phrase."]
        assert memory.stats()["stale"] == 0


def test_sentences_stored_before_align_recorded_a_policy_are_stale(tmp_path):
    path = tmp_path / "tm.sqlite"
    with TranslationMemory(path) as memory:
        memory.store(stored_document("Une phrase."), "oldkey", SIGNATURE)
        memory._db.execute("UPDATE engines SET signature = ?", (json.dumps({"engine": "transformers"}),))
        memory._db.commit()
        assert memory.stale_count() == 1
        assert memory.prune() == 1 and memory.stats()["entries"] == 0

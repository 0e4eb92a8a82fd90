"""A local model's revision: the sha256 of its files, kept by path, size and times."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from align.mt import local_model
from align.mt.local_model import model_revision


def sha_of(folder: Path) -> str:
    """The oracle: hashlib over the files' relative paths and contents, sorted by path."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def model(tmp_path) -> Path:
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text('{"d_model": 32}', encoding="utf-8")
    (folder / "model.safetensors").write_bytes(os.urandom(3 << 20))
    (folder / "sub" / "vocab.json").write_text('{"</s>": 0}', encoding="utf-8")
    return folder


def forbid_hashing(monkeypatch):
    def fail(directory):
        raise AssertionError(f"{directory} hashed again")
    monkeypatch.setattr(local_model, "directory_hash", fail)


def test_the_revision_is_the_sha256_of_the_files_and_is_not_computed_twice(model, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    assert model_revision(model, cache) == sha_of(model)
    forbid_hashing(monkeypatch)
    assert model_revision(model, cache) == sha_of(model)
    assert model_revision(str(model) + "/", cache) == sha_of(model)  # the same folder however it is named


def test_a_changed_file_is_hashed_again_even_with_its_size_and_mtime_restored(model, tmp_path):
    cache = tmp_path / "cache"
    before = model_revision(model, cache)
    weights = model / "model.safetensors"
    info = weights.stat()
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(info.st_atime_ns, info.st_mtime_ns))  # as `cp -p` or an unpacked archive would
    assert weights.stat().st_size == info.st_size and weights.stat().st_mtime_ns == info.st_mtime_ns
    after = model_revision(model, cache)
    assert after == sha_of(model) != before


def test_an_added_or_removed_file_changes_the_revision(model, tmp_path):
    cache = tmp_path / "cache"
    before = model_revision(model, cache)
    (model / "generation_config.json").write_text("{}", encoding="utf-8")
    added = model_revision(model, cache)
    assert added == sha_of(model) != before
    (model / "generation_config.json").unlink()
    assert model_revision(model, cache) == before


def test_a_copy_elsewhere_has_the_same_revision(model, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    copy = tmp_path / "copy"
    shutil.copytree(model, copy)
    assert model_revision(model, cache) == model_revision(copy, cache) == sha_of(model)


def test_a_cache_that_cannot_be_written_or_read_only_costs_the_hash(model, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    assert model_revision(model, blocked) == sha_of(model)
    cache = tmp_path / "cache"
    model_revision(model, cache)
    for record in (cache / local_model.HASH_CACHE).iterdir():
        record.write_text("{not json", encoding="utf-8")
    assert model_revision(model, cache) == sha_of(model)
    assert not [p for p in (cache / local_model.HASH_CACHE).iterdir() if p.name.startswith(".")]  # no temp left

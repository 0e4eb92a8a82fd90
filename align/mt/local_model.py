"""A local model folder's identity, and align's cache folder.

A local model has no hub commit: its revision is the sha256 of its files (names and
contents), which the manifest, the signature, the translation memory's key and the
CTranslate2 conversion's key record. opus-mt-fr-en's folder is about 300 MB, so
hashing it on every start would cost more than translating a short article: the
hash is kept in the cache, one small file per folder, and used again while every
file of the folder has the same path, size, modification time, change time and
inode (`os.stat`; a rewrite that restores a file's mtime still changes its ctime).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

HASH_CACHE = "model-sha256"  # under the cache root: one JSON file per model folder


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """align's cache folder: the argument, else $ALIGN_CACHE, else ~/.cache/align."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    env = os.environ.get("ALIGN_CACHE")
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/align").expanduser()


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def directory_hash(directory: Path) -> str:
    """sha256 over a local model's file names and contents: its 'revision'."""
    digest = hashlib.sha256()
    for path in _files(directory):
        digest.update(str(path.relative_to(directory)).encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _fingerprint(directory: Path) -> list[list]:
    """What identifies the folder's files without reading them."""
    rows = []
    for path in _files(directory):
        info = path.stat()
        rows.append([str(path.relative_to(directory)), info.st_size, info.st_mtime_ns, info.st_ctime_ns,
                     info.st_ino])
    return rows


def model_revision(directory: str | Path, cache_dir: str | Path | None = None) -> str:
    """`directory_hash` of a local model folder, read from the cache when none of its
    files changed since it was computed (else computed and kept). A cache that
    cannot be read or written only costs the hash."""
    directory = Path(directory).resolve()
    key = hashlib.sha256(str(directory).encode()).hexdigest()[:24]
    record = cache_root(cache_dir) / HASH_CACHE / f"{key}.json"
    fingerprint = _fingerprint(directory)
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
        if kept.get("path") == str(directory) and kept.get("files") == fingerprint:
            return kept["sha256"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    sha = directory_hash(directory)
    if _fingerprint(directory) != fingerprint:  # changed while it was read: keep nothing
        return sha
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=record.parent, prefix=".", suffix=".tmp",
                                         delete=False) as handle:
            json.dump({"path": str(directory), "sha256": sha, "files": fingerprint}, handle)
        os.replace(handle.name, record)
    except OSError:
        try:
            os.unlink(handle.name)
        except (OSError, NameError):
            pass
    return sha

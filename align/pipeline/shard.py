"""Split a corpus between parallel jobs (e.g. a Slurm job array).

Shard K of N (1-based, like $SLURM_ARRAY_TASK_ID with `#SBATCH --array=1-N`)
holds the articles whose file name hashes to K: sha1(name) mod N + 1. The share
depends only on file names, never on listing order, directory or machine, so N
jobs started anywhere split the corpus into N disjoint parts that cover it.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import UsageError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """"K/N" -> (K, N), with 1 <= K <= N."""
    match = _SHARD.match(text or "")
    if not match:
        raise UsageError(f"--shard {text!r}: expected K/N, e.g. 3/8 for the third of eight shares "
                         f"(K counts from 1, like $SLURM_ARRAY_TASK_ID with --array=1-N)")
    k, n = int(match.group(1)), int(match.group(2))
    _check(k, n, text)
    return k, n


def _check(k: int, n: int, text: str | None = None) -> None:
    shown = text if text is not None else f"{k}/{n}"
    if n < 1:
        raise UsageError(f"--shard {shown}: N must be at least 1")
    if not 1 <= k <= n:
        hint = f"; use --array=1-{n}, not 0-{n - 1}" if k == 0 else ""
        raise UsageError(f"--shard {shown}: K must be between 1 and {n} (K counts from 1, like "
                         f"$SLURM_ARRAY_TASK_ID with --array=1-{n}{hint})")


def shard_of(path: str | Path, n: int) -> int:
    """The 1-based shard of `path` among `n`, from its file name alone."""
    digest = hashlib.sha1(Path(path).name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def select_shard(paths: list[Path], k: int, n: int) -> list[Path]:
    """The paths of shard `k` of `n` (1-based), in their given order."""
    _check(k, n)
    return [p for p in paths if shard_of(p, n) == k]

"""`align review` that kills itself (SIGKILL) at one step of its work: a test's launcher.

    python kill_at_step.py STEPS_FILE WHEN N review OUT_DIR --no-browser

The steps are the instants a save can die at: each file replace (`os.replace`,
how every atomic write ends), each commit of the translation memory and of the
consistency store. Each is appended to STEPS_FILE as it comes ("replace a.tsv",
"memory commit", "consistency commit"); at the step numbered N (from 0) the
process kills itself `before` it or `after` it (WHEN), as the OOM killer or a
power cut would: no handler, no cleanup. N = -1 never kills (to list the steps).
This is the test's code, not the product's: nothing in align knows of it.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def main() -> None:
    steps_file, when, kill_at, arguments = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    assert when in ("before", "after"), when
    from align.checks.consistency import ConsistencyIndex
    from align.cli import main as align
    from align.output.memory import TranslationMemory

    count = 0

    def step(label: str, run):
        nonlocal count
        with steps_file.open("a", encoding="utf-8") as stream:  # closed before any kill: the line is there
            stream.write(label + "\n")
        number, count = count, count + 1
        if number == kill_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = run()
        if number == kill_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    real_replace = os.replace
    real_memory_commit, real_consistency_commit = TranslationMemory.commit, ConsistencyIndex.commit
    os.replace = lambda source, target, **kw: step(f"replace {Path(target).name}",
                                                   lambda: real_replace(source, target, **kw))
    TranslationMemory.commit = lambda self: step("memory commit", lambda: real_memory_commit(self))
    ConsistencyIndex.commit = lambda self: step("consistency commit", lambda: real_consistency_commit(self))
    align(arguments)


if __name__ == "__main__":
    main()

"""An engine for Ray's actors that stops translating once the run has written an
article, until the test lets it go: a Ctrl-C test with no race.

`align translate --ray local` is run through `main()` below (`python -c "import
gated_engine; gated_engine.main()" translate ...`), in a process whose
PYTHONPATH holds this folder (Ray's workers inherit it and import this module).
The run's EngineSpec is a GatedEngineSpec: each actor loads the real engine and
translates batches until OUTPUT holds a finished NAME.tsv; from then on every batch
waits for the file GATE, which the test creates only once the run has ended.
So the run cannot end but by the signal, and it has written something by then.
Each waiting actor says so by creating WAITING/PID.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from align.mt.runners.ray import EngineSpec

OUTPUT, GATE, WAITING = "GATED_OUTPUT", "GATED_GATE", "GATED_WAITING"


class GatedEngine:
    def __init__(self, engine) -> None:
        self.engine = engine

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def translate_batch(self, sources, *args, **kwargs):
        if any(Path(os.environ[OUTPUT]).glob("*.tsv")):
            (Path(os.environ[WAITING]) / str(os.getpid())).touch()
            while not Path(os.environ[GATE]).exists():
                time.sleep(0.05)
        return self.engine.translate_batch(sources, *args, **kwargs)


@dataclass(frozen=True)
class GatedEngineSpec(EngineSpec):
    def load(self, threads=None):
        return GatedEngine(super().load(threads))


def main() -> None:
    """`align` with the gated engine on the Ray actors (the driver's own engine is the real one)."""
    import align.mt.runners.ray as ray_runner
    from align.cli import main as align_main

    ray_runner.EngineSpec = GatedEngineSpec
    align_main(prog_name="align")

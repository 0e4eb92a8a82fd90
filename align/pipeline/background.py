"""Imports a run needs later, made while the engine works."""
from __future__ import annotations


def import_in_background(*modules: str) -> None:
    """Import `modules` in a daemon thread while the caller goes on. A short run
    spends most of its time in the engine's C++ (translating), which releases the
    GIL: what the run needs afterwards is imported meanwhile instead of after it.
    An import waits for one in progress in the other thread (Python's per-module
    import locks; align's modules import no circle, tests/test_imports.py), and a
    module that fails here fails again, with its own error, where it is used."""
    import sys
    import threading
    from importlib import import_module

    modules = tuple(name for name in modules if name not in sys.modules)
    if not modules:
        return

    def run() -> None:
        for name in modules:
            try:
                import_module(name)
            except BaseException:  # said where the module is really used
                return

    threading.Thread(target=run, name="align-imports", daemon=True).start()

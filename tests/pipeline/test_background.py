"""Imports made in a background thread while the engine works."""
from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys, threading
from align.pipeline.background import import_in_background
assert "{module}" not in sys.modules
import_in_background("{module}", "no_such_module_here", "wave")
for thread in threading.enumerate():
    if thread.name == "align-imports":
        thread.join(30)
print("{module}" in sys.modules, "wave" in sys.modules)
started = threading.active_count()
import_in_background("{module}")  # imported already: no thread
print(threading.active_count() == started)
"""


def test_modules_are_imported_in_a_thread_and_a_missing_one_only_stops_that_thread():
    result = subprocess.run([sys.executable, "-c", CHECK.format(module="colorsys")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    # colorsys imported; the missing module stopped the thread before wave (said where it is used)
    assert result.stdout.split() == ["True", "False", "True"]

"""Packaging: every module `align` imports at run time is declared in pyproject.toml."""
import subprocess
import sys

from conftest import ROOT


def test_deptry_finds_no_undeclared_or_unused_dependency():
    # deptry reads [tool.deptry] in pyproject.toml (test extra = dev group, benchmarks left out).
    result = subprocess.run([sys.executable, "-m", "deptry", "."], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No dependency issues found" in result.stdout + result.stderr


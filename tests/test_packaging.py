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



def readme_commands() -> list[str]:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(python3 -m pip install .*?)\n```", readme)


def test_ci_runs_the_readme_test_command_verbatim():
    first, test_command = readme_commands()[:2]
    assert test_command.endswith("python3 -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_readme_installs_the_cpu_torch_and_declares_the_distribution_name():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # `align` on PyPI is another project: the distribution has a name of its own.
    assert project["name"] == "align-mt" and project["scripts"] == {"align": "align.cli:main"}
    assert project["requires-python"] == ">=3.11"
    for command in readme_commands()[:2]:
        assert command.startswith("python3 -m pip install torch==2.13.0 --index-url "
                                  "https://download.pytorch.org/whl/cpu ")
    for dependency in ("torch", "ctranslate2"):  # both engines in the base install
        assert any(d.startswith(dependency) for d in project["dependencies"])

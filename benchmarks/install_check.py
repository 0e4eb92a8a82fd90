"""Check align-mt's install claims against the plain package registry (PyPI).

Every check is a ``pip install --dry-run --report`` (nothing is installed
except, in check 2, the local CPU torch wheel into a throw-away venv):

1. ``torch==<V>`` alone from PyPI: which torch build PyPI serves for this
   platform, and how many CUDA packages (nvidia-*, cuda-*, triton) it pulls.
2. A venv that already holds the CPU torch (installed from ``--torch-wheel``),
   then the project and ``project[test]``: the resolver must keep that torch
   and add no CUDA package and no other torch.  Failing that, exit status 1.
3. A venv without torch, then the project: torch comes as PyPI's (CUDA) build.
4. The Requires-Python of the version pip picks for each runtime dependency
   (from check 3's report), and a resolution for Python 3.10
   (``--python-version 3.10 --only-binary=:all: --target``).

Why: PyPI's Linux x86_64 torch wheel is the CUDA build, which drags in
several GB of nvidia-* wheels; the README's advice is to install the CPU
torch first (https://download.pytorch.org/whl/cpu), and this shows whether
``pip install .`` then leaves it alone.

Plain registry only: each pip call gets ``--isolated`` (no pip config files,
no PIP_* variables) and ``--index-url https://pypi.org/simple``, and runs in
an environment with every PIP_* variable removed, so local find-links,
extra indexes and constraints files are not consulted.  The one exception is
the install of the local CPU wheel in check 2, which uses the normal config.
The project is copied to a temp dir first, so no egg-info lands in the tree.
Sizes come from PyPI's JSON simple API (PEP 691/700), as pip's report has none.

Usage: python benchmarks/install_check.py [--torch-wheel PATH] [--project DIR]
Stdlib only.  Needs network access to pypi.org; takes a minute or two.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
import venv

INDEX = "https://pypi.org/simple"
CUDA_PREFIXES = ("nvidia-", "cuda-", "triton")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def clean_env():
    """The environment minus PIP_* variables (find-links, constraints, ...)."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("PIP_")}


def dry_run(python, *args, check=True):
    """Run pip's dry-run against PyPI alone; return (report or None, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [python, "-m", "pip", "--isolated", "--disable-pip-version-check",
               "install", "--dry-run", "--quiet", "--report", report,
               "--index-url", INDEX, *args]
        proc = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True)
        if proc.returncode:
            if check:
                sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
            return None, proc.stderr
        with open(report) as f:
            return json.load(f), proc.stderr


_SIMPLE = {}


def wheel_size(name, url):
    """The file's size from PyPI's JSON simple API (None when unknown)."""
    key = name.lower().replace("_", "-").replace(".", "-")
    if key not in _SIMPLE:
        req = urllib.request.Request(f"{INDEX}/{key}/", headers={
            "Accept": "application/vnd.pypi.simple.v1+json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                files = json.load(resp)["files"]
            _SIMPLE[key] = {f["filename"]: f.get("size") for f in files}
        except OSError:
            _SIMPLE[key] = {}
    return _SIMPLE[key].get(url.rsplit("/", 1)[-1])


def summarize(report):
    """Names, versions, sizes; the CUDA subset; torch's wheel, if any."""
    rows = []
    for item in report["install"]:
        meta, url = item["metadata"], item["download_info"]["url"]
        rows.append({"name": meta["name"], "version": meta["version"],
                     "requires_python": meta.get("requires_python"), "url": url,
                     "size": wheel_size(meta["name"], url) if url.startswith("http") else None})
    cuda = [r for r in rows if r["name"].lower().startswith(CUDA_PREFIXES)]
    torch = next((r for r in rows if r["name"].lower() == "torch"), None)
    return rows, cuda, torch


def mb(rows):
    sizes = [r["size"] for r in rows if r["url"].startswith("http")]  # not the local project
    total = sum(s for s in sizes if s) / 1e6
    return f"{total:,.0f} MB" + ("" if all(sizes) else " (+ unknown)")


def torch_desc(torch):
    return f"{torch['version']} ({torch['url'].rsplit('/', 1)[-1]})" if torch else "none"


def make_venv(path):
    venv.EnvBuilder(with_pip=True).create(path)
    return os.path.join(path, "bin", "python")


def copy_project(src, dst):
    """pyproject.toml, README and the packages: enough to build metadata."""
    os.makedirs(dst)
    for name in os.listdir(src):
        path = os.path.join(src, name)
        if name in ("pyproject.toml", "README.md"):
            shutil.copy(path, dst)
        elif os.path.exists(os.path.join(path, "__init__.py")):
            shutil.copytree(path, os.path.join(dst, name),
                            ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torch-wheel", help="local CPU torch wheel (default: /opt/wheels/torch-*+cpu-*.whl)")
    ap.add_argument("--project", default=ROOT, help="project directory (default: this repo)")
    args = ap.parse_args()
    wheel = args.torch_wheel or next(iter(sorted(glob.glob("/opt/wheels/torch-*+cpu-*.whl"))), None)
    if not wheel or not os.path.exists(wheel):
        sys.exit("No CPU torch wheel found: pass --torch-wheel PATH, or install the CPU torch "
                 "from https://download.pytorch.org/whl/cpu first (pip download torch "
                 "--index-url https://download.pytorch.org/whl/cpu) and point at it.")
    torch_version = os.path.basename(wheel).split("-")[1].split("+")[0]
    with open(os.path.join(args.project, "pyproject.toml"), "rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    results, failed = [], False

    with tempfile.TemporaryDirectory() as tmp:
        proj = copy_project(args.project, os.path.join(tmp, "proj"))

        # 1. torch alone, ignoring what this interpreter has installed.
        rows, cuda, torch = summarize(dry_run(sys.executable, "--ignore-installed",
                                              f"torch=={torch_version}")[0])
        results.append((f"1. torch=={torch_version} alone", torch_desc(torch),
                        len(rows), mb(rows), len(cuda), mb(cuda)))
        print("check 1 CUDA packages:", ", ".join(f"{r['name']}=={r['version']}" for r in cuda))

        # 2. CPU torch first (normal pip config for this step), then the project.
        py = make_venv(os.path.join(tmp, "venv-cpu"))
        proc = subprocess.run([py, "-m", "pip", "install", "--quiet",
                               "--disable-pip-version-check", wheel], capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"installing {wheel} failed:\n{proc.stderr}")
        for label, target in (("2. CPU torch venv + project", proj),
                              ("2. CPU torch venv + project[test]", proj + "[test]")):
            rows, cuda, torch = summarize(dry_run(py, target)[0])
            results.append((label, "kept" if torch is None else "REINSTALL " + torch_desc(torch),
                            len(rows), mb(rows), len(cuda), mb(cuda)))
            print(f"{label} would install:", ", ".join(f"{r['name']}=={r['version']}" for r in rows))
            failed |= bool(cuda) or torch is not None

        # 3. No torch in the venv: PyPI's torch wheel is picked.
        py = make_venv(os.path.join(tmp, "venv-bare"))
        report3 = dry_run(py, proj)[0]
        rows, cuda, torch = summarize(report3)
        results.append(("3. bare venv + project", torch_desc(torch),
                        len(rows), mb(rows), len(cuda), mb(cuda)))

        # 4. Python 3.10: resolve for that interpreter with wheels only.
        _, err310 = dry_run(sys.executable, "--python-version", "3.10", "--only-binary=:all:",
                            "--target", os.path.join(tmp, "t310"), proj, check=False)

    print("\n| check | torch | packages | total | CUDA pkgs | CUDA size |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print("| " + " | ".join(str(c) for c in r) + " |")

    picked = {r["name"].lower().replace("_", "-"): r for r in rows}
    print("\n| dependency | picked (bare venv) | Requires-Python |")
    print("|---|---|---|")
    for dep in deps:
        name = dep.split(";")[0]
        for sep in "<>=!~[ ":
            name = name.split(sep)[0]
        r = picked.get(name.lower().replace("_", "-"))
        print(f"| `{dep}` | {r['version'] if r else '?'} | {r['requires_python'] if r else '?'} |")
    if err310:
        lines = [l for l in err310.splitlines() if "No matching distribution" in l
                 or "requires a different Python" in l]
        print("\nPython 3.10: not installable -", "; ".join(lines) or err310.strip()[-300:])
    else:
        print("\nPython 3.10: the dependencies resolve (unexpected; requires-python is >=3.11)")

    if failed:
        print("\nFAIL: with the CPU torch installed, the project would add CUDA packages or another torch")
        return 1
    print("\nOK: with the CPU torch installed, the project adds no CUDA package and keeps torch")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A review server killed at any instant of a save never tears it (issue 32).

`align review` runs as a real process on 127.0.0.1 through `kill_at_step.py`,
which SIGKILLs it before (or after) one step of a save: each file replace, each
commit of the memory and of the consistency store, in turn. Then the folder is
served again (which undoes a save cut short), and translated again: the files
and the memory must agree, with the edit entirely or not at all, and the next
`align translate` must keep what the files show. The articles are translated
by `Upper` (test_corrections): the model is not what is tested.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

from align.checks.consistency import ConsistencyIndex
from align.output.folder import OutputFolder
from align.output.memory import TranslationMemory, default_path
from test_corrections import rows, translate
from test_review_server import ROOT, request

LAUNCHER = Path(__file__).with_name("kill_at_step.py")
EDIT = "The dog barks, edited."
FRENCH = "Le chien aboie."
# What a save of a plain-text article does, in order: begin (the memory records it as
# pending), replace each file, commit the consistency store, end (the corrections and
# the end of the pending record, one commit: the save's commit point).
STEPS = ["memory commit", "replace a.tsv", "replace a.en.txt", "replace a.html", "replace index.html",
         "consistency commit", "memory commit"]


@pytest.fixture(scope="module")
def translated(tmp_path_factory) -> tuple[Path, Path]:
    """Sources and an output folder of `align translate`, never changed: each test copies it."""
    root = tmp_path_factory.mktemp("killed")
    sources, out = root / "fr", root / "out"
    sources.mkdir()
    (sources / "a.txt").write_text(f"Le chat dort. {FRENCH}\n\nLa pluie tombe.\n", encoding="utf-8")
    translate(sources, out)
    return sources, out


@pytest.fixture
def folder(translated, tmp_path) -> tuple[Path, Path]:
    sources, out = translated
    shutil.copytree(out, tmp_path / "out")
    return sources, tmp_path / "out"


def start(arguments: list[str]) -> tuple[subprocess.Popen, str, str]:
    """A process printing the review URL first; returns it, the base URL and the token."""
    process = subprocess.Popen([sys.executable, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = process.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{32}", url), (url, process.stderr.read())
    base, token = url.split("/?token=")
    return process, base, token


def save_edit(base: str, token: str):
    """The edit of every test: a's second sentence; (status, body), or None when the
    server died before answering."""
    try:
        return request(f"{base}/api/articles/a/sentences/p1s2",
                       data=json.dumps({"version": 0, "target": EDIT}).encode(),
                       headers={"X-Align-Token": token, "Content-Type": "application/json"})
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
        return None


def files(out: Path) -> dict[str, bytes]:
    """Every file of the folder but align's own state, by relative path."""
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
            if path.is_file() and ".align" not in path.relative_to(out).parts}


def temporaries(out: Path) -> list[Path]:
    return [path for path in out.rglob(".*.part")]


def killed_save(out: Path, steps_file: Path, when: str, step: int) -> None:
    """Serve `out` through the launcher, save the edit, and see the server killed at `step`."""
    process, base, token = start([str(LAUNCHER), str(steps_file), when, str(step),
                                  "review", str(out), "--no-browser"])
    try:
        answer = save_edit(base, token)
        assert process.wait(timeout=120) == -signal.SIGKILL, answer
        assert answer is None  # killed before it answered
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=60)


@contextlib.contextmanager
def served_again(out: Path):
    """`align review OUT` started again as a user would after the kill; yields (base,
    token, what it logged so far is collected into the list yielded third)."""
    process, base, token = start(["-m", "align.cli", "review", str(out), "--no-browser"])
    log: list[str] = []
    try:
        yield base, token, log
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        log.append(stderr)
    assert "Traceback" not in stderr, stderr


def consistency(out: Path) -> tuple[list[tuple], dict]:
    """Article a in the folder's consistency store: its occurrences (kind, key, English
    variant, sentence) and the inconsistency flags its files carry."""
    with ConsistencyIndex(OutputFolder(out).consistency) as store:
        occurrences = sorted(store._db.execute(
            "SELECT g.kind, g.key, o.variant, o.sentence FROM occurrences o JOIN groups g ON g.id = o.grp"
            " WHERE o.article = 'a'").fetchall())
        return occurrences, store.flagged("a")


def memory_correction(out: Path):
    with TranslationMemory(default_path(out)) as memory:
        assert memory.pending_saves() == []
        return memory.review_for(FRENCH, article="a")


def test_a_save_goes_through_these_steps_and_ends_whole(folder, tmp_path):
    """The steps the kill tests stop at, as a save takes them; with no kill, the save
    is answered 200 and everything has it."""
    _, out = folder
    steps_file = tmp_path / "steps"
    process, base, token = start([str(LAUNCHER), str(steps_file), "before", "-1", "review", str(out), "--no-browser"])
    try:
        status, body = save_edit(base, token)
        assert status == 200, body
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert steps_file.read_text(encoding="utf-8").splitlines() == STEPS
    assert rows(out, "a")["p1s2"]["en"] == EDIT and memory_correction(out)["target"] == EDIT


@pytest.mark.parametrize("when, step", [("before", n) for n in range(len(STEPS))] + [("after", len(STEPS) - 1)],
                         ids=[f"before {n}: {label}" for n, label in enumerate(STEPS)] + ["after the last commit"])
def test_a_server_killed_at_any_step_of_a_save_leaves_files_and_memory_agreeing(folder, tmp_path, when, step):
    sources, out = folder
    before, recorded = files(out), consistency(out)
    assert any(variant == "LE CHIEN ABOIE. [v1]" for _, _, variant, _ in recorded[0])
    steps_file = tmp_path / "steps"
    killed_save(out, steps_file, when, step)
    assert steps_file.read_text(encoding="utf-8").splitlines() == STEPS[:step + 1]
    if STEPS[step].startswith("replace") and when == "before":
        assert temporaries(out), "a kill at a replace leaves the written temporary behind"
    saved = when == "after"  # only a kill after the save's commit point keeps it
    with served_again(out) as (base, token, log):
        # on its start the server deleted the temporaries and undid the save cut short
        assert temporaries(out) == []
        correction = memory_correction(out)
        tsv = rows(out, "a")["p1s2"]
        if saved:
            assert (tsv["en"], tsv["version"], correction["target"], correction["version"]) == (EDIT, "1", EDIT, 1)
            assert EDIT in (out / "a.en.txt").read_text(encoding="utf-8")
            assert EDIT in (out / "a.html").read_text(encoding="utf-8")
            assert any(variant == EDIT for _, _, variant, _ in consistency(out)[0])
        else:
            assert correction is None and files(out) == before  # every file as before the save, byte for byte
            assert consistency(out) == recorded
        # the restarted server answers from what is on disk: the row as the files have it
        status, body = request(f"{base}/api/articles/a", headers={"X-Align-Token": token})
        assert status == 200 and json.loads(body)["rows"][1]["en"] == tsv["en"]
    cut_short = 0 < step < len(STEPS) and not saved  # a pending save was there to undo
    assert ("a review save of a was cut short" in log[0]) == cut_short, log[0]
    translate(sources, out)
    after = rows(out, "a")["p1s2"]
    assert after["en"] == (EDIT if saved else "LE CHIEN ABOIE. [v1]")
    assert after["origin"] == ("reviewed" if saved else "memory")  # the machine's English, kept by the memory


def test_the_next_translate_undoes_a_save_cut_short_at_its_commit(folder, tmp_path):
    """The tear of issue 32: killed at the memory's last commit, the files had the edit
    and the memory not, and `align translate` put the machine's English back with no
    flag. Now the run itself undoes the save first: files and memory agree."""
    sources, out = folder
    before = files(out)
    killed_save(out, tmp_path / "steps", "before", len(STEPS) - 1)
    assert rows(out, "a")["p1s2"]["en"] == EDIT  # the files have it, the memory not yet
    warnings: list[str] = []
    from align.pipeline.run import translate_paths
    from test_corrections import Upper

    with TranslationMemory(default_path(out)) as memory:
        report = translate_paths([sources], Upper(), out, memory=memory, on_warning=warnings.append)
    assert not report.failed
    assert warnings == [f"{out}: a review save of a was cut short (its process stopped); "
                        f"its files were put back as they were before it"]
    assert memory_correction(out) is None
    assert rows(out, "a")["p1s2"]["en"] == "LE CHIEN ABOIE. [v1]"

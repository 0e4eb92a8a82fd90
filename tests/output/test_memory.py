"""Translation memory, output-folder lock and interrupted runs.

Unit tests use hand-made Documents (fast). The end-to-end tests go through the
CLI with the tiny random model (its output is noise: only structure and
counts are checked). They translate small articles built from sources_fr
sentences rather than all of sources_fr: the tiny model runs at ~2 sentences/s
on a shared CPU, and these tests translate the folder three or four times.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from align.document import METADATA, Document, Paragraph, SentencePair, Term
from align.errors import UsageError
from align.output.lock import OutputLock
from align.output.memory import (TranslationMemory, default_path, engine_identity, glossary_key, memory_key,
                          normalize_source)
from align.segment import segment_document, split_sentences
from align.read.sources import read_text
from align.output.writers.tsv import read_rows

ROOT = Path(__file__).resolve().parent.parent.parent
SIGNATURE = {"engine": "transformers", "model": "Helsinki-NLP/opus-mt-fr-en", "revision": "abc123",
             "device": "cpu", "beams": 4, "batch_size": 16, "max_new_tokens": "1.5*source+10",
             "max_input_tokens": 512}


# ---------------------------------------------------------------- helpers
def translated(text: str, origin: str = "model") -> Document:
    document = segment_document(read_text(text, "article"))
    for pair in document.translatable_pairs():
        pair.target, pair.origin = f"EN[{pair.source}]", origin
    return document


def prose_pairs(document: Document) -> list[SentencePair]:
    return list(document.translatable_pairs())


# ------------------------------------------------------------------- keys
def test_normalize_source_nfc_spaces_apostrophes():
    assert normalize_source("  L\u2019IAG\u00a0 arrive\t\n") == "L'IAG arrive"
    assert normalize_source("e\u0301te\u0301") == "été"


def test_engine_key_ignores_batch_size_and_device_only():
    key = memory_key(SIGNATURE)
    assert key == memory_key({**SIGNATURE, "batch_size": 64, "device": "cuda"})
    for change in ({"beams": 1}, {"revision": "def456"}, {"model": "other/model"},
                   {"max_new_tokens": "2*source+10"}, {"compute_type": "int8_float16"},
                   {"engine": "ctranslate2"}, {"max_input_tokens": 256}):
        assert memory_key({**SIGNATURE, **change}) != key, change
    assert TranslationMemory.memory_key(SIGNATURE) == key


def test_local_model_is_identified_by_its_content_hash_not_its_folder():
    local = {**SIGNATURE, "model": "/tmp/a/model", "revision": "f" * 64}
    assert memory_key(local) == memory_key({**local, "model": "/elsewhere/model"})
    assert "model" not in engine_identity(local)


def test_glossary_key_covers_only_the_sentences_terms():
    pair = SentencePair("L'IAG et le PDG.", terms=[Term("PDG", 12, 15, "CEO", entry="PDG"),
                                                  Term("IAG", 2, 5, "AGI", entry="IAG")])
    same = SentencePair("x", terms=[Term("IAG", 0, 3, "AGI", entry="IAG"), Term("PDG", 0, 3, "CEO", entry="PDG")])
    other = SentencePair("x", terms=[Term("IAG", 0, 3, "AGI", entry="IAG"), Term("PDG", 0, 3, "chief", entry="PDG")])
    assert glossary_key(pair) == glossary_key(same) != glossary_key(other)
    assert glossary_key(SentencePair("Rien.")) == ""


# --------------------------------------------------------------- fill/store
def test_store_then_fill_round_trip(tmp_path):
    path = tmp_path / "tm.sqlite"
    key = memory_key(SIGNATURE)
    first = translated("Premier paragraphe. Deuxième phrase.\nUn autre paragraphe.")
    for pair in first.pairs():
        pair.pieces = 1
    first.paragraphs[0].sentences[1].pieces = 3
    with TranslationMemory(path) as memory:
        assert memory.store(first, key, SIGNATURE) == 3
    # Reopened: the data is on disk. Whitespace and apostrophe style do not matter.
    second = segment_document(read_text("Premier  paragraphe.   Deuxième phrase.\nUn nouveau paragraphe.", "a"))
    with TranslationMemory(path) as memory:
        assert memory.fill(second, key) == 2
        assert memory.fill(second, memory_key({**SIGNATURE, "beams": 1})) == 0
    pairs = prose_pairs(second)
    assert [(p.origin, p.target) for p in pairs] == [
        ("memory", "EN[Premier paragraphe.]"), ("memory", "EN[Deuxième phrase.]"), ("", "")]
    assert pairs[1].pieces == 3


def test_fill_restores_term_statuses_and_offsets(tmp_path):
    key = memory_key(SIGNATURE)
    first = SentencePair("L'IAG arrive.", "AGI is coming.", 1, 1, origin="model",
                         terms=[Term("IAG", 2, 5, "AGI", entry="IAG", status="forced", target_start=0, target_end=3)])
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        memory.store(Document("a", [Paragraph("x", 1, sentences=[first])]), key)
        again = SentencePair("L\u2019IAG arrive.", paragraph=1, number=1,
                             terms=[Term("IAG", 2, 5, "AGI", entry="IAG")])
        changed = SentencePair("L'IAG arrive.", paragraph=1, number=2,
                               terms=[Term("IAG", 2, 5, "AI", entry="IAG")])  # glossary target edited
        document = Document("a", [Paragraph("x", 1, sentences=[again, changed])])
        assert memory.fill(document, key) == 1
    assert again.origin == "memory" and again.target == "AGI is coming."
    assert (again.terms[0].status, again.terms[0].target_start, again.terms[0].target_end) == ("forced", 0, 3)
    assert changed.origin == "" and changed.target == ""


def test_editing_an_unrelated_glossary_entry_keeps_the_memory(tmp_path):
    from align.terms.glossary import Glossary, find_terms

    key = memory_key(SIGNATURE)
    before = Glossary.loads("source\ttarget\nIAG\tAGI\nPDG\tCEO\n")
    after = Glossary.loads("source\ttarget\nIAG\tAGI\nPDG\tchief executive\n")  # PDG edited
    text = "L'IAG arrive bientôt. Le PDG parle."
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        document = find_terms(translated(text), before)
        for pair in document.pairs():
            for term in pair.terms:
                term.status = "model"
        memory.store(document, key)
        again = find_terms(segment_document(read_text(text, "a")), after)
        assert memory.fill(again, key) == 1
    assert [p.origin for p in prose_pairs(again)] == ["memory", ""]


def test_only_model_pairs_are_stored_and_metadata_is_never_filled(tmp_path):
    key = memory_key(SIGNATURE)
    document = translated(" date 2025-01 Première phrase. Deuxième phrase.")
    assert document.paragraphs[0].kind == METADATA
    prose_pairs(document)[1].origin = "memory"
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        assert memory.store(document, key) == 1
        again = segment_document(read_text(" date 2025-01 Première phrase. Deuxième phrase.", "a"))
        assert memory.fill(again, key) == 1
        assert again.paragraphs[0].sentences[0].origin == ""
        assert memory.stats()["entries"] == 1


def test_wal_mode_stats_and_tmx_export(tmp_path):
    from translate.storage.tmx import tmxfile

    path = tmp_path / "tm.sqlite"
    key = memory_key(SIGNATURE)
    with TranslationMemory(path) as memory:
        memory.store(translated("Une phrase. Une autre <b>phrase</b> & plus."), key, SIGNATURE)
        memory.fill(translated("Une phrase.", origin=""), key)
        stats = memory.stats()
        assert memory.export_tmx(tmp_path / "out.tmx") == 2
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (stats["entries"], stats["hits"], stats["with_terms"]) == (2, 1, 0)
    assert stats["engines"][0]["model"] == SIGNATURE["model"] and "batch_size" not in stats["engines"][0]
    store = tmxfile((tmp_path / "out.tmx").read_bytes())
    assert [(u.source, u.target) for u in store.units] == [
        ("Une phrase.", "EN[Une phrase.]"), ("Une autre <b>phrase</b> & plus.", "EN[Une autre <b>phrase</b> & plus.]")]
    assert b'srclang="fr"' in (tmp_path / "out.tmx").read_bytes()


def test_a_file_that_is_not_a_memory_is_a_usage_error(tmp_path):
    path = tmp_path / "tm.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UsageError, match=r"tm.sqlite: not a usable translation memory .*--no-memory"):
        TranslationMemory(path)


def test_tm_cli_stats_and_export(tmp_path):
    from align.cli.tm import tm

    out = tmp_path / "out"
    with TranslationMemory(default_path(out)) as memory:
        memory.store(translated("Une phrase. Deux phrases."), memory_key(SIGNATURE), SIGNATURE)
    runner = CliRunner()
    result = runner.invoke(tm, ["stats", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{default_path(out)}: 2 sentences (0 with glossary terms), 0 reuses" in result.output
    result = runner.invoke(tm, ["stats", "--memory", str(default_path(out)), "--json"])
    assert json.loads(result.output)["entries"] == 2
    result = runner.invoke(tm, ["export", "--tmx", str(tmp_path / "x.tmx"), "-o", str(out)])
    assert result.exit_code == 0 and f"2 translation units written to {tmp_path / 'x.tmx'}" in result.output
    result = runner.invoke(tm, ["stats", "-o", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no translation memory here" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# -------------------------------------------------------------------- lock
def test_lock_is_exclusive_and_names_the_holder(tmp_path):
    with OutputLock(tmp_path) as lock:
        assert lock.locked and (tmp_path / ".align" / "lock.pid").read_text().strip() == str(os.getpid())
        with pytest.raises(UsageError) as error:
            OutputLock(tmp_path).acquire()
        assert str(error.value) == (f"{tmp_path}: another align run is writing here (pid {os.getpid()}); "
                                    f"wait for it or use another -o DIR")
        started = time.monotonic()
        with pytest.raises(UsageError):
            OutputLock(tmp_path, timeout=0.3).acquire()
        assert 0.25 <= time.monotonic() - started < 5
    with OutputLock(tmp_path):  # released on exit
        pass


def test_the_lock_is_the_one_filelock_takes_and_the_portable_one_works(tmp_path, monkeypatch):
    """On Unix the lock is flock(2) as filelock's UnixFileLock takes it: each keeps
    the other out. Elsewhere filelock itself is used (here: on Linux, forced)."""
    from filelock import FileLock, Timeout

    from align.output import lock as lock_module

    with OutputLock(tmp_path):
        with pytest.raises(Timeout):
            FileLock(tmp_path / ".align" / "lock", timeout=0).acquire()
    with FileLock(tmp_path / ".align" / "lock", timeout=0):
        with pytest.raises(UsageError, match="another align run is writing here"):
            OutputLock(tmp_path).acquire()
    monkeypatch.setattr(lock_module, "FLOCK", False)  # the portable lock
    with OutputLock(tmp_path) as held:
        assert isinstance(held._lock, lock_module._PortableLock)
        with pytest.raises(UsageError, match="another align run is writing here"):
            OutputLock(tmp_path).acquire()
    monkeypatch.undo()
    with OutputLock(tmp_path) as held:  # released: taken again, by flock
        assert isinstance(held._lock, lock_module._Flock)


def test_stale_temporaries_are_removed_only_under_the_lock(tmp_path):
    (tmp_path / ".article.tsv.abc123.part").write_text("half a fi")
    (tmp_path / "article.tsv").write_text("whole\n")
    with pytest.raises(RuntimeError):
        OutputLock(tmp_path).remove_stale_temporaries()
    with OutputLock(tmp_path) as lock:
        assert lock.remove_stale_temporaries() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".align", "article.tsv"]


def test_lock_is_released_when_its_process_is_killed(tmp_path):
    code = textwrap.dedent(f"""
        import sys, time
        from align.output.lock import OutputLock
        OutputLock({str(tmp_path)!r}).acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(UsageError, match=f"pid {child.pid}"):
            OutputLock(tmp_path).acquire()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        with OutputLock(tmp_path, timeout=5) as lock:
            assert lock.locked
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


# -------------------------------------------------------------- end to end
def short_sentences(count: int) -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / "sources_fr").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for sentence in split_sentences(line):
                if 20 <= len(sentence) <= 50 and sentence not in found and sentence[0].isupper() \
                        and sentence.endswith(".") and sentence.count(".") == 1:
                    found.append(sentence)
    assert len(found) >= count
    return found[:count]


def make_articles(folder: Path, articles: int = 3, per_article: int = 2) -> list[Path]:
    sentences = short_sentences(articles * per_article)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(articles):
        path = folder / f"{n:03d}_article.txt"
        path.write_text(" ".join(sentences[n * per_article:(n + 1) * per_article]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def sentence_count(paths: list[Path]) -> int:
    from align.read.sources import read_document

    return sum(segment_document(read_document(path)).sentence_count for path in paths)


def translate_cli(src: Path, out: Path, model: Path, *extra: str):
    from align.cli import main

    result = CliRunner().invoke(main, ["translate", str(src), "-o", str(out), "--model", str(model),
                                       "--beams", "1", "--no-glossary", "-q", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def tsv_origins(out: Path) -> dict[str, list[str]]:
    return {path.name: [row["origin"] for row in read_rows(path)] for path in sorted(out.glob("*.tsv"))}


def test_second_run_translates_only_the_edited_sentence(tmp_path, tiny_model):
    src, out = tmp_path / "fr", tmp_path / "out"
    paths = make_articles(src, articles=2, per_article=2)
    first = translate_cli(src, out, tiny_model)
    assert first.exit_code == 0, first.output
    total = manifest(out)["counts"]["sentences"]
    assert total == sentence_count(paths) and manifest(out)["counts"]["from_memory"] == 0
    targets = {row["fr"]: row["en"] for path in out.glob("*.tsv") for row in read_rows(path)}
    assert default_path(out).is_file()

    edited = paths[1].read_text(encoding="utf-8").replace(".", " aujourd'hui.", 1)
    paths[1].write_text(edited, encoding="utf-8")
    second = translate_cli(src, out, tiny_model)
    assert second.exit_code == 0, second.output
    counts = manifest(out)["counts"]
    assert counts["sentences"] == total and counts["from_memory"] == total - 1
    assert f"{total - 1} from memory" in second.output
    origins = [o for rows in tsv_origins(out).values() for o in rows]
    assert origins.count("model") == 1 and origins.count("memory") == total - 1
    # A sentence from memory is exactly what the model gave the first time.
    for path in out.glob("*.tsv"):
        for row in read_rows(path):
            if row["origin"] == "memory":
                assert row["en"] == targets[row["fr"]]

    from align.cli import main
    stats = CliRunner().invoke(main, ["tm", "stats", "-o", str(out)])
    assert stats.exit_code == 0, stats.output
    assert f"{default_path(out)}: {total + 1} sentences" in stats.output

    third = translate_cli(src, out, tiny_model, "--no-memory")
    assert third.exit_code == 0, third.output
    assert manifest(out)["counts"]["from_memory"] == 0
    assert "from memory" not in third.output
    assert all(o == "model" for rows in tsv_origins(out).values() for o in rows)


def test_a_second_run_on_a_locked_output_folder_stops_with_a_clear_message(tmp_path, tiny_model):
    src, out = tmp_path / "fr", tmp_path / "out"
    make_articles(src, articles=1, per_article=1)
    out.mkdir()
    code = textwrap.dedent(f"""
        import time
        from align.output.lock import OutputLock
        OutputLock({str(out)!r}).acquire()
        print("locked", flush=True)
        time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = translate_cli(src, out, tiny_model)
        assert result.exit_code == 2
        assert (f"align: error: {out}: another align run is writing here (pid {holder.pid}); "
                f"wait for it or use another -o DIR") in result.output
        assert not list(out.glob("*.tsv")) and not (out / "manifest.json").exists()
    finally:
        holder.kill()
        holder.wait()
    # The same process also stops a run while it holds the lock itself.
    with OutputLock(out):
        result = translate_cli(src, out, tiny_model)
        assert result.exit_code == 2 and f"(pid {os.getpid()})" in result.output
    assert translate_cli(src, out, tiny_model).exit_code == 0


def test_a_killed_run_leaves_only_whole_outputs_and_the_next_run_reuses_its_work(tmp_path, tiny_model):
    src, out = tmp_path / "fr", tmp_path / "out"
    paths = make_articles(src, articles=8, per_article=1)
    expected = {path.stem: sentence_count([path]) for path in paths}
    command = [sys.executable, "-m", "align.cli", "translate", str(src), "-o", str(out), "--model",
               str(tiny_model), "--beams", "1", "--no-glossary", "-q"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and run.poll() is None and not list(out.glob("*.tsv")):
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
    finally:
        run.wait(30)
    visible = [p for p in out.iterdir() if not p.name.startswith(".")] if out.exists() else []
    assert not [p for p in visible if p.name.endswith(".part")]
    done_rows = 0
    for path in visible:
        if path.suffix == ".tsv":
            rows = list(read_rows(path))  # parses: never half-written
            assert len(rows) == expected[path.stem]
            done_rows += len(rows)
        else:
            assert path.suffix in (".txt", ".html", ".json"), path
    # A kill during atomic_write leaves its hidden temporary: plant one, so the
    # clean-up by the next run is checked whether or not this kill hit a write.
    out.mkdir(exist_ok=True)
    (out / ".001_article.tsv.x1y2z3.part").write_text("article\tparagraph\n001_art")
    finished = translate_cli(src, out, tiny_model)
    assert finished.exit_code == 0, finished.output
    counts = manifest(out)["counts"]
    assert counts["articles"] == 8 and counts["sentences"] == sum(expected.values())
    # Everything written before the kill was stored in the memory first.
    assert counts["from_memory"] >= done_rows
    assert len(list(out.glob("*.tsv"))) == 8
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]  # stale temporaries cleaned


def test_a_sentence_from_memory_keeps_its_alignment_truncation_and_score(tmp_path):
    from align.document import Document, Paragraph, SentencePair
    from align.output.memory import TranslationMemory, memory_key

    signature = {"engine": "scripted", "model": "m", "revision": "1"}

    def document():
        pair = SentencePair("Le chat dort.", paragraph=1, number=1)
        return Document("d", [Paragraph(pair.source, 1, sentences=[pair])]), pair

    first, pair = document()
    pair.target, pair.origin, pair.score, pair.truncated = "The cat sleeps.", "model", -0.25, True
    pair.alignment = [(0, 2, 0, 3), (3, 7, 4, 7), (8, 12, 8, 14)]
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        assert memory.store(first, memory_key(signature), signature) == 1
        again, same = document()
        assert memory.fill(again, memory_key(signature)) == 1
    assert (same.target, same.origin, same.score, same.truncated) == ("The cat sleeps.", "memory", -0.25, True)
    assert same.alignment == pair.alignment

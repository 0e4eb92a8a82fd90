"""`align merge` (align.tools.merge): the output folders of `align translate --shard K/N`
merged into one equal an unsharded run's folder, byte for byte where nothing
run-specific is written; refusals write nothing."""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from align.cli import main
from align.output.folder import OutputFolder
from align.output.lock import OutputLock
from align.output.memory import TranslationMemory, default_path
from align.output.manifest import read_members
from align.tools.merge import merge_outputs
from align.pipeline.run import prepare_document, translate_paths
from align.pipeline.shard import shard_of
from align.read.sources import Article
from align.terms.glossary import Glossary
from align.output.writers.tsv import read_rows

from scripted_engine import ScriptedEngine

# The same French in two articles of different shards, corrected by reviewers in each
# with other English: an inconsistency that only the merged folder can see.
CORRECTED = "Le chat dort sur le canapé rouge."
CAT_ENGLISH = {"chat": "The cat sleeps on the red sofa.", "chien": "The cat is sleeping on the red couch."}
# The same French in two articles of different shards, left to the model: one memory row.
COMMON = "La recherche en intelligence artificielle avance vite."
CORPUS = {
    "alpha.txt": "date 2025-01\nLes étudiants lisent un livre ancien.\nIls écrivent des notes précises.\n",
    "beta.txt": f"{COMMON}\nLes chercheurs publient un modèle nouveau.\n",
    "chat.txt": f"{CORRECTED} Il rêve de souris grises.\n",
    "chien.txt": f"Le chien aboie fort dans la cour. {CORRECTED}\n",
    "guide.md": "# Le guide\n\nCe texte explique la *méthode* simple.\n\nVoir [la page](https://example.org) "
                "pour les détails.\n",
    "lune.txt": f"La lune brille au-dessus de la mer.\n{COMMON}\n",
    "soleil.txt": "Le soleil se lève tôt en été.\n",
    "2024/intro.txt": "Cette introduction présente le projet entier.\nJean-Marc Ayrault a présenté le budget.\n",
}
GLOSSARY = "source\ttarget\nintelligence artificielle\tartificial intelligence\n"
SHARES = 3
OUT = "out"   # every run's -o, from a folder of its own, as array jobs each have theirs
# What a refused merge says after the two folders.
NOT_ALIKE = "merge only the shards of one align translate command"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for name, text in CORPUS.items():
        (root / "fr" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "fr" / name).write_text(text, encoding="utf-8")
    (root / "glossary.tsv").write_text(GLOSSARY, encoding="utf-8")
    return root


def test_the_corpus_spreads_over_every_shard_and_its_shared_sentences_cross_shards():
    shards = {name: shard_of(name, SHARES) for name in CORPUS}
    assert set(shards.values()) == {1, 2, 3}
    assert shards["chat.txt"] != shards["chien.txt"]
    assert shards["beta.txt"] != shards["lune.txt"]


def seed_correction(out: Path, source: Path, name: str, english: str, glossary) -> None:
    """A reviewer's saved correction of CORRECTED in article `name`, as `align review`
    stores it, in the memory of the folder that translates the article."""
    document = prepare_document(Article(name=name, path=source), glossary)
    pair = next(p for p in document.pairs() if p.source == CORRECTED)
    pair.target, pair.status = english, "reviewed"
    with TranslationMemory(default_path(out)) as memory:
        memory.store_review(document, pair, edited=True)


def translate(corpus: Path, out: Path, shard: tuple[int, int] | None = None, *, engine=None,
              with_glossary: bool = True, runs: int = 2, **options) -> None:
    """`align translate` of the corpus into `out` (`runs` times: the second takes
    everything from the memory, so its rows have hits), the reviewers' corrections of
    the articles it translates already in its memory."""
    glossary = Glossary.load(corpus / "glossary.tsv") if with_glossary else None
    for name, english in CAT_ENGLISH.items():
        if shard is None or shard_of(f"{name}.txt", shard[1]) == shard[0]:
            seed_correction(out, corpus / "fr" / f"{name}.txt", name, english, glossary)
    for _ in range(runs):
        with TranslationMemory(default_path(out)) as memory:
            report = translate_paths([corpus / "fr"], engine or ScriptedEngine({}), out, glossary=glossary,
                                     glossary_path=corpus / "glossary.tsv" if with_glossary else None,
                                     memory=memory, shard=shard, **options)
        assert not report.failed, report.failed


def run_in(folder: Path, corpus: Path, shard: tuple[int, int] | None = None, **options) -> Path:
    """`translate` from `folder` into its OUT (relative, as a job's -o is)."""
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        translate(corpus, Path(OUT), shard, **options)
    return folder / OUT


@pytest.fixture(scope="module")
def runs(corpus, tmp_path_factory) -> tuple[Path, list[Path]]:
    """The corpus translated unsharded (A) and as three shards (S1..S3)."""
    root = tmp_path_factory.mktemp("runs")
    whole = run_in(root / "whole", corpus)
    return whole, [run_in(root / f"shard-{k}", corpus, (k, SHARES)) for k in range(1, SHARES + 1)]


def merge_cli(*arguments) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["merge", *map(str, arguments)])
    return result.exit_code, result.output


def folder_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def article_files(folder: Path) -> dict[str, bytes]:
    """Every file of the folder but the run's own (manifest, index) and its stores
    (.align/*: compared by their rows): outputs, same-format files, kept sources."""
    return {name: data for name, data in folder_files(folder).items()
            if name not in ("manifest.json", "index.html") and not re.fullmatch(r"\.align/[^/]+", name)}


# What differs from one run to the next on the pages: the Created line of the run's
# details (article pages and index) and the index's Timings (flat: the first </dl> ends them).
CREATED_RE = re.compile(r"(<dt>Created</dt><dd>)[^<]*(</dd>)")
TIMINGS_RE = re.compile(r'(<dt>Timings</dt><dd><dl class="facts">).*?(</dl></dd>)')


def masked(page: bytes, index: bool = False) -> str:
    text, created = CREATED_RE.subn(r"\1…\2", page.decode("utf-8"))
    text, timings = TIMINGS_RE.subn(r"\1…\2", text)
    assert (created, timings) == (1, 1 if index else 0)
    return text


def memory_rows(folder: Path) -> dict[str, set[tuple]]:
    """The memory's rows, without the times they were written."""
    with closing(sqlite3.connect(default_path(folder))) as db:
        return {
            "translations": set(db.execute("SELECT key, source, target, terms, pieces, score, details, engine,"
                                           " glossary, hits FROM translations")),
            "engines": set(db.execute("SELECT key, signature FROM engines")),
            "corrections": set(db.execute("SELECT article, key, occurrence, source, target, status, comment,"
                                          " edited, version, sentence, alignment FROM corrections")),
        }


def consistency_rows(folder: Path) -> dict[str, set[tuple]]:
    """The consistency store: every occurrence, and the flags each article carries."""
    with closing(sqlite3.connect(OutputFolder(folder).consistency)) as db:
        return {
            "occurrences": set(db.execute("SELECT g.kind, g.key, o.variant, o.article, o.sentence, o.source"
                                          " FROM occurrences o JOIN groups g ON g.id = o.grp")),
            "flagged": set(db.execute("SELECT article, flags FROM flagged")),
            "changed": set(db.execute("SELECT grp FROM changed")),
        }


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def run_specific(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if key not in ("created", "timings", "merged_from")}


def inconsistency_flags(folder: Path, article: str) -> dict[str, list[str]]:
    return {row["id"]: [f for f in row["flags"].split("; ") if f.startswith("inconsistent:")]
            for row in read_rows(folder / f"{article}.tsv") if "inconsistent:" in row["flags"]}


def assert_same_as_unsharded(merged: Path, whole: Path) -> None:
    files, expected = article_files(merged), article_files(whole)
    assert sorted(files) == sorted(expected)
    assert "guide.en.md" in files and ".align/sources/guide.md" in files and "2024/intro.html" in files
    for name, data in expected.items():
        if name.endswith(".html") and not name.startswith(".align/"):
            assert masked(files[name]) == masked(data), name
        else:
            assert files[name] == data, name
    assert masked((merged / "index.html").read_bytes(), index=True) == \
        masked((whole / "index.html").read_bytes(), index=True)
    assert (merged / ".align" / "protect.json").read_bytes() == (whole / ".align" / "protect.json").read_bytes()
    assert run_specific(manifest(merged)) == run_specific(manifest(whole))
    assert memory_rows(merged) == memory_rows(whole)
    assert consistency_rows(merged) == consistency_rows(whole)


@pytest.mark.parametrize("steps", [[(1, 2, 3)], [(1, 2), (3,)]], ids=["all-at-once", "a-late-shard-after"])
def test_merging_the_shards_equals_the_unsharded_run(runs, tmp_path, monkeypatch, steps):
    whole, shards = runs
    monkeypatch.chdir(tmp_path)
    merged = tmp_path / OUT
    # Each shard alone saw no inconsistency in the reviewers' corrections.
    for shard in shards:
        for article in ("chat", "chien"):
            if (shard / f"{article}.tsv").is_file():
                assert inconsistency_flags(shard, article) == {}
    outputs = []
    for step in steps:
        code, output = merge_cli(*(shards[k - 1] for k in step), "-o", OUT)
        assert code == 0, output
        outputs.append(output)
    assert_same_as_unsharded(merged, whole)
    assert inconsistency_flags(merged, "chat") == {"p1s1": [
        f'inconsistent:« {CORRECTED} »: also "{CAT_ENGLISH["chien"]}" (article chien)']}
    assert inconsistency_flags(merged, "chien") == {"p1s2": [
        f'inconsistent:« {CORRECTED} »: also "{CAT_ENGLISH["chat"]}" (article chat)']}
    assert manifest(merged)["merged_from"] == [
        {"folder": str(shard), "created": manifest(shard)["created"], "shard": f"{k}/3"}
        for k, shard in enumerate(shards, 1)]
    assert manifest(merged)["created"] == manifest(shards[0])["created"]
    counts = manifest(whole)["counts"]
    signature = manifest(whole)["signature"]
    if len(steps) == 1:
        assert outputs == [f"{counts['articles']} articles (8 copied from 3 folders), {counts['sentences']} "
                           f"sentences; inconsistency flags brought up to date in 2 articles; 1 French key "
                           f"translated differently (index.html lists them)\noutputs in {OUT}/ (signature: "
                           f"{signature})\n"]
    else:
        copied_first = sum(1 for name in CORPUS if shard_of(Path(name).name, SHARES) in (1, 2))
        assert outputs[0].startswith(f"align: warning: share 3/3 is in none of these folders; merge it into "
                                     f"{OUT} when its job is done\n{copied_first} articles ({copied_first} copied "
                                     f"from 2 folders), ")
        assert outputs[1].startswith(f"8 articles ({8 - copied_first} copied from 1 folder), ")


def test_with_the_small_trained_model_from_the_command_line(corpus, small_model, tmp_path, monkeypatch):
    """The Slurm path itself: `align translate --shard K/N` with the default engine
    (CTranslate2, int8), then `align merge`. One sentence a batch, so that what a
    shard holds cannot change the numerics (docs/scaling.md)."""
    monkeypatch.setenv("ALIGN_CACHE", str(tmp_path / "cache"))
    folders = [tmp_path / "whole"] + [tmp_path / f"shard-{k}" for k in range(1, SHARES + 1)]
    for k, folder in enumerate(folders):
        folder.mkdir()
        monkeypatch.chdir(folder)
        result = CliRunner().invoke(main, ["translate", str(corpus / "fr"), "--model", str(small_model), "-o", OUT,
                                           "--glossary", str(corpus / "glossary.tsv"), "--batch-size", "1", "-q",
                                           *(["--shard", f"{k}/{SHARES}"] if k else [])])
        assert result.exit_code == 0, result.output
    merged = tmp_path / "merged"
    merged.mkdir()
    monkeypatch.chdir(merged)
    code, output = merge_cli(*(folder / OUT for folder in folders[1:]), "-o", OUT)
    assert code == 0, output
    assert_same_as_unsharded(merged / OUT, folders[0] / OUT)
    assert manifest(merged / OUT)["engine"]["engine"] == "ctranslate2"


def test_the_report_says_what_was_merged(runs, tmp_path):
    whole, shards = runs
    report = merge_outputs(shards, tmp_path / "merged")
    assert (report.articles, report.copied, report.sentences) == (8, 8, manifest(whole)["counts"]["sentences"])
    assert report.files == len(article_files(whole))
    assert report.reflagged == ["chat", "chien"]
    assert report.inconsistencies == 1 and report.failed == [] and report.exit_code == 0
    assert report.corrections == 2 and report.memory_conflicts == 0
    # COMMON was translated by two shards: one row.
    assert report.memory_sentences == len(memory_rows(whole)["translations"])
    assert report.missing_shares == []


def test_an_article_in_two_folders_is_refused_and_nothing_is_written(runs, tmp_path):
    whole, shards = runs
    out = tmp_path / "merged"
    code, output = merge_cli(shards[0], whole, "-o", out)
    assert (code, output) == (2, f"align: error: {shards[0]} and {whole} both hold article beta; each article "
                                 f"must come from one folder\n")
    assert not out.exists()


def test_merging_twice_into_a_folder_is_refused_and_leaves_it_as_it_was(runs, tmp_path):
    _, shards = runs
    out = tmp_path / "merged"
    assert merge_cli(*shards, "-o", out)[0] == 0
    before = folder_files(out)
    code, output = merge_cli(*shards, "-o", out)
    assert (code, output) == (2, f"align: error: {out} and {shards[0]} both hold article beta; each article must "
                                 f"come from one folder\n")
    assert folder_files(out) == before


def test_a_merge_stopped_before_its_manifest_is_finished_by_running_it_again(runs, tmp_path, monkeypatch):
    """Killed after the memory, before the manifest: OUT holds the articles with the
    merged flags, but no run lists them. Running the merge again copies them again
    (their shard's flags back), brings the flags up to date again and takes no
    memory row twice (the hits of COMMON would double)."""
    whole, shards = runs
    monkeypatch.chdir(tmp_path)
    out = Path(OUT)
    assert merge_cli(*shards, "-o", out)[0] == 0
    (out / "manifest.json").unlink()
    (out / "index.html").unlink()
    code, output = merge_cli(*shards, "-o", out)
    assert code == 0, output
    assert_same_as_unsharded(out, whole)
    assert max(row[-1] for row in memory_rows(out)["translations"]) == 2  # COMMON: one use in each run


@pytest.mark.parametrize("difference", ["no glossary", "other typography"])
def test_folders_made_differently_are_refused_naming_the_first_difference(runs, corpus, tmp_path, difference):
    _, shards = runs
    if difference == "no glossary":
        odd = run_in(tmp_path / "odd", corpus, (2, SHARES), with_glossary=False, runs=1)
        field = f'signature: "{manifest(shards[0])["signature"]}" and "{manifest(odd)["signature"]}"'
        assert manifest(odd)["signature"].endswith("|glossary:none|numbers:repair")
    else:
        odd = run_in(tmp_path / "odd", corpus, (2, SHARES), runs=1, typography="keep")
        field = 'settings.typography: "english" and "keep"'
    out = tmp_path / "merged"
    code, output = merge_cli(shards[0], odd, shards[2], "-o", out)
    assert (code, output) == (2, f"align: error: {shards[0]} and {odd} were made differently ({field}); "
                                 f"{NOT_ALIKE}\n")
    assert not out.exists()


def test_a_folder_that_is_no_finished_shard_is_one_error_line(runs, tmp_path):
    _, shards = runs
    out = tmp_path / "merged"
    missing = tmp_path / "nowhere"
    assert merge_cli(shards[0], missing, "-o", out) == (
        2, f"align: error: {missing}: no such folder (give the -o folders of align translate --shard K/N)\n")
    unfinished = tmp_path / "unfinished"
    (unfinished / ".align").mkdir(parents=True)
    assert merge_cli(shards[0], unfinished, "-o", out) == (
        2, f"align: error: {unfinished}: no manifest.json (not an output folder of align translate, or its run "
           f"has not finished)\n")
    damaged = tmp_path / "damaged"
    shutil.copytree(shards[1], damaged)
    text = (damaged / "manifest.json").read_text(encoding="utf-8")
    (damaged / "manifest.json").write_text(text[:text.index('"articles"') + 40], encoding="utf-8")
    assert merge_cli(shards[0], damaged, "-o", out) == (
        2, f"align: error: {damaged / 'manifest.json'}: not a manifest of align translate (Unterminated string "
           f"starting at)\n")
    incomplete = tmp_path / "incomplete"
    shutil.copytree(shards[1], incomplete)
    (incomplete / "alpha.en.txt").unlink()
    assert merge_cli(shards[0], incomplete, "-o", out) == (
        2, f"align: error: {incomplete / 'alpha.en.txt'}: missing (article alpha of "
           f"{incomplete / 'manifest.json'})\n")
    assert not out.exists()


def test_an_output_folder_another_run_is_writing_is_refused(runs, tmp_path):
    _, shards = runs
    out = tmp_path / "merged"
    with OutputLock(out):
        code, output = merge_cli(*shards, "-o", out)
    assert (code, output) == (2, f"align: error: {out}: another align run is writing here (pid {os.getpid()}); "
                                 f"wait for it or use another -o DIR\n")
    assert sorted(folder_files(out)) == [".align/lock"]


def test_a_shard_folder_inside_the_output_folder_is_refused(runs, tmp_path):
    _, shards = runs
    inside = shards[0].parent
    assert merge_cli(*shards, "-o", inside) == (
        2, f"align: error: {shards[0]} and {inside} are nested; give an -o DIR outside the shard folders\n")


def test_failures_are_listed_once_as_the_unsharded_run_lists_them(tmp_path, monkeypatch):
    """An empty article fails in its shard; a broken link among the inputs is reported
    by every shard (it is found before the corpus is split): listed once."""
    source = tmp_path / "fr"
    source.mkdir()
    (source / "plein.txt").write_text("Le texte est complet et clair.\n", encoding="utf-8")
    (source / "vide.txt").write_text("\n", encoding="utf-8")
    (source / "lien.txt").symlink_to(tmp_path / "absent.txt")
    monkeypatch.chdir(tmp_path)
    folders = {}
    for label, shard in [("whole", None), ("s1", (1, 2)), ("s2", (2, 2))]:
        report = translate_paths([source], ScriptedEngine({}), Path(label) / OUT, shard=shard)
        assert report.failed
        folders[label] = Path(label) / OUT
    code, output = merge_cli(folders["s1"], folders["s2"], "-o", "merged")
    failed = manifest(folders["whole"])["failed"]
    assert [f["source"] for f in failed] == [str(source / "lien.txt"), str(source / "vide.txt")]
    assert manifest(Path("merged"))["failed"] == failed
    assert manifest(Path("merged"))["counts"]["failed"] == 2
    assert code == 1
    assert output.startswith("".join(f"align: error: {f['error']}\n" for f in failed))
    assert output.splitlines()[2].endswith("; 2 failed")


def test_one_sentence_two_shards_translated_differently_keeps_the_first_in_the_memory(runs, corpus, tmp_path):
    """Where an engine's numerics depend on the batch, two shards may translate the
    same sentence differently: the memory keeps the first folder's, the articles keep
    their own English and are flagged inconsistent, and the user is told."""
    _, shards = runs
    shard_of_beta = shard_of("beta.txt", SHARES)
    other = ScriptedEngine({COMMON: [("Research", "recherche"), ("in", "en"), ("artificial", "intelligence"),
                                     ("intelligence", "artificielle"), ("moves", "avance"), ("fast.", "vite.")]})
    odd = run_in(tmp_path / "odd", corpus, (shard_of_beta, SHARES), engine=other, runs=1)
    folders = [odd if k == shard_of_beta else shard for k, shard in enumerate(shards, 1)]
    warnings = []
    report = merge_outputs(folders, tmp_path / "merged", on_warning=warnings.append)
    assert report.memory_conflicts == 1
    with closing(sqlite3.connect(default_path(tmp_path / "merged"))) as db:
        (target,) = db.execute("SELECT target FROM translations WHERE source = ?", (COMMON,)).fetchone()
    first = next(folder for folder in folders if any((folder / f"{name}.tsv").is_file() for name in ("beta", "lune")))
    assert target == next(row["en"] for name in ("beta", "lune") if (first / f"{name}.tsv").is_file()
                          for row in read_rows(first / f"{name}.tsv") if row["fr"] == COMMON)
    assert sorted(report.reflagged) == ["beta", "chat", "chien", "lune"]
    code, output = merge_cli(*folders, "-o", tmp_path / "again")
    assert "align: warning: 1 sentence of the memory was translated differently by two folders; the first " \
           "folder's English is kept\n" in output


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 4096])
def test_a_manifest_streamed_in_any_chunks_reads_as_json_reads_it(runs, chunk):
    """Every value, numbers and strings cut by a chunk's end included, as json.load
    reads it: the article entries one by one, the other members around them."""
    whole, _ = runs
    members = list(read_members(OutputFolder(whole).manifest, chunk))
    expected = manifest(whole)
    assert list(expected)[-1] == "articles"  # as Manifest.write writes it
    assert [key for key, _ in members] == list(expected)[:-1] + ["articles"] * len(expected["articles"])
    assert {key: value for key, value in members if key != "articles"} == \
        {key: value for key, value in expected.items() if key != "articles"}
    assert [value for key, value in members if key == "articles"] == expected["articles"]


def test_folders_keeping_other_protected_syntax_are_refused(runs, tmp_path):
    _, shards = runs
    odd = tmp_path / "odd"
    shutil.copytree(shards[1], odd)
    (odd / ".align" / "protect.json").write_text('{"user": ["\\\\[\\\\[.*?\\\\]\\\\]"]}\n', encoding="utf-8")
    out = tmp_path / "merged"
    assert merge_cli(shards[0], odd, "-o", out) == (
        2, f"align: error: {shards[0]} and {odd} keep different protected syntax (.align/protect.json); "
           f"{NOT_ALIKE}\n")
    assert not out.exists()


@pytest.mark.parametrize("place", ["first", "last"])
@pytest.mark.parametrize("saved", ["2999-01-01T00:00:00+00:00", "2000-01-01T00:00:00+00:00"])
def test_two_corrections_of_one_sentence_keep_the_newest_saved(runs, corpus, tmp_path, saved, place):
    """Corrections are per article, so disjoint shards hold none of the same sentence;
    a memory copied into every shard folder before the array (a team's reviewed
    memory) can: the newest saved is kept, wherever its folder is in the list."""
    _, shards = runs
    chat_shard = shard_of("chat.txt", SHARES)
    replaced = chat_shard % SHARES   # the index of a shard that does not translate chat
    other = tmp_path / "other"
    shutil.copytree(shards[replaced], other)
    seed_correction(other, corpus / "fr" / "chat.txt", "chat", "Another cat.", Glossary.load(corpus / "glossary.tsv"))
    with closing(sqlite3.connect(default_path(other))) as db, db:
        db.execute("UPDATE corrections SET updated = ? WHERE article = 'chat'", (saved,))
    rest = [shard for k, shard in enumerate(shards) if k != replaced]
    merge_outputs(rest + [other] if place == "last" else [other] + rest, tmp_path / "merged")
    with closing(sqlite3.connect(default_path(tmp_path / "merged"))) as db:
        assert db.execute("SELECT target FROM corrections WHERE article = 'chat'").fetchall() == [
            ("Another cat." if saved.startswith("2999") else CAT_ENGLISH["chat"],)]


def test_a_run_and_a_merge_end_the_same_way_the_manifest_last(runs, corpus, tmp_path, monkeypatch):
    """One end for both (align.pipeline.end.end_run): the writers' once-per-run files (the
    index), then the manifest, so a run or merge stopped before it is seen as not done."""
    from align.output.manifest import Manifest
    from align.output.writers.html import HtmlWriter

    written: list[str] = []
    real_manifest, real_index = Manifest.write, HtmlWriter.finish_run

    def manifest_written(self, path, *args):
        written.append(path.name)
        return real_manifest(self, path, *args)

    def index_written(self, out_dir, *args):
        written.append("index.html")
        return real_index(self, out_dir, *args)

    monkeypatch.setattr(Manifest, "write", manifest_written)
    monkeypatch.setattr(HtmlWriter, "finish_run", index_written)
    translate(corpus, tmp_path / "run", runs=1)
    assert written == ["index.html", "manifest.json"]
    written.clear()
    merge_outputs(runs[1], tmp_path / "merged")
    assert written == ["index.html", "manifest.json"]

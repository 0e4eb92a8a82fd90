"""`align translate` end to end with the tiny random model: structure and invariants only."""
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from align.cli import main
from align.read.sources import read_document
from align.output.writers.tsv import read_rows
from conftest import ROOT, SOURCES

ARTICLES = sorted(p.name[:-4] for p in SOURCES.glob("*.txt"))


def segment_cli(path) -> list[list[str]]:
    result = CliRunner().invoke(main, ["segment", str(path)])
    assert result.exit_code == 0, result.output
    return [block.split("\n") for block in result.output.rstrip("\n").split("\n\n")]


def test_run_succeeds_and_writes_every_output(translated):
    result, out = translated
    assert result.exit_code == 0, result.output
    assert len(ARTICLES) == 5
    for name in ARTICLES:
        for suffix in (".en.txt", ".tsv"):
            assert (out / f"{name}{suffix}").is_file()
    assert (out / "manifest.json").is_file()
    assert not list(out.glob("*.part")) and not list(out.glob(".*.part"))
    assert re.search(r"^5 articles, \d+ sentences, [\d.]+ s, [\d.]+ sentences/s(, \d+ from memory)?; term accuracy 100\.0% ",
                     result.output, re.M)


@pytest.mark.parametrize("name", ARTICLES)
def test_one_row_per_segmented_sentence_and_paragraphs_kept(translated, name):
    _, out = translated
    blocks = segment_cli(SOURCES / f"{name}.txt")
    rows = list(read_rows(out / f"{name}.tsv"))
    assert [r["fr"] for r in rows] == [s for block in blocks for s in block]
    # paragraph and sentence numbers follow the segmentation exactly
    assert [(int(r["paragraph"]), int(r["sentence"])) for r in rows] == \
        [(p, s) for p, block in enumerate(blocks, 1) for s in range(1, len(block) + 1)]
    assert all(r["id"] == f"p{r['paragraph']}s{r['sentence']}" and r["article"] == name for r in rows)
    # joining a paragraph's sentences gives the source paragraph back (whitespace aside)
    document = read_document(SOURCES / f"{name}.txt")
    for paragraph in document.paragraphs:
        joined = "".join(r["fr"] for r in rows if int(r["paragraph"]) == paragraph.number)
        assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", paragraph.text)
    # every prose row has an English side; the English text has one line per paragraph
    assert all(r["en"] for r in rows)
    english = (out / f"{name}.en.txt").read_text(encoding="utf-8")
    assert english.endswith("\n")
    assert len(english.rstrip("\n").split("\n\n")) == len(document.paragraphs)


def test_metadata_line_is_copied_not_translated(translated):
    _, out = translated
    first = next(read_rows(out / "000_691388031b0927c0.tsv"))
    assert (first["fr"], first["en"], first["origin"]) == ("date 2025-01", "date 2025-01", "metadata")
    assert (out / "000_691388031b0927c0.en.txt").read_text(encoding="utf-8").startswith("date 2025-01\n\n")


def test_manifest_is_complete(translated, tiny_model):
    _, out = translated
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tool"] == "align" and manifest["version"]
    assert manifest["engine"]["model"] == str(tiny_model.resolve())
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["engine"]["revision"])  # directory hash
    assert manifest["engine"]["beams"] == 4  # from the model's generation config
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["glossary"]["sha256"])
    assert manifest["glossary"]["entries"] >= 25
    counts = manifest["counts"]
    rows = sum(1 for name in ARTICLES for _ in read_rows(out / f"{name}.tsv"))
    assert counts["articles"] == 5 and counts["failed"] == 0 and counts["sentences"] == rows
    assert counts["term_accuracy"] == 1.0 and counts["terms"]["failed"] == 0
    assert manifest["timings"]["total_seconds"] > 0
    assert [a["name"] for a in manifest["articles"]] == ARTICLES
    assert manifest["signature"].startswith("align:") and f"glossary:{manifest['glossary']['sha256'][:12]}" \
        in manifest["signature"]
    # The versions of what translated: Python and the engine's own libraries.
    libraries = {"ctranslate2": ("ctranslate2", "sentencepiece"), "transformers": ("torch", "transformers")}
    for key in ("python", *libraries[manifest["engine"]["engine"]]):
        assert key in manifest["environment"]


def test_every_glossary_term_target_is_in_its_translation(translated):
    _, out = translated
    terms = 0
    for name in ARTICLES:
        for row in read_rows(out / f"{name}.tsv"):
            for term in json.loads(row["terms"] or "[]"):
                terms += 1
                assert term["status"] in ("model", "forced")
                assert term["target"].lower() in row["en"].lower()
                if term["status"] == "forced":
                    assert f"term-forced:{term['target']}" in row["flags"]
    assert terms > 50  # the articles are full of glossary terms (IA, OpenAI, PDG...)


def test_some_articles_failing_gives_exit_1_and_the_rest_is_written(tiny_model, tmp_path):
    sources = tmp_path / "in"
    sources.mkdir()
    (sources / "bon.txt").write_text("Bonjour tout le monde. Voici un article.", encoding="utf-8")
    (sources / "binaire.txt").write_bytes(b"\x00\x01\x02")
    (sources / "vide.txt").write_text("   \n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["translate", str(sources), "--model", str(tiny_model), "-o", str(out),
                                       "--no-glossary", "-q"])
    assert result.exit_code == 1
    assert f"align: error: {sources / 'binaire.txt'}: binary file (contains NUL bytes), not a text article" \
        in result.output
    assert f"align: error: {sources / 'vide.txt'}: empty article (no text to translate)" in result.output
    assert (out / "bon.tsv").is_file() and (out / "bon.en.txt").is_file()
    assert not (out / "binaire.tsv").exists()
    assert len(list(read_rows(out / "bon.tsv"))) == 2


def test_articles_with_no_words_are_copied_listed_and_exit_0(tiny_model, tmp_path):
    sources = tmp_path / "in"
    sources.mkdir()
    pages = {"code.md": b"```sh\npip install align\n```\n\n---\n",
             "liens.html": b'<table><tr><td><a href="https://a.fr">https://a.fr</a></td></tr></table>\n',
             "texte.md": "Bonjour tout le monde.\n".encode()}
    for name, data in pages.items():
        (sources / name).write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["translate", str(sources), "--model", str(tiny_model), "-o", str(out),
                                       "--no-glossary"])
    assert result.exit_code == 0, result.output
    assert "3 articles, 1 sentences" in result.output and "2 copied (no words to translate)" in result.output
    assert (out / "code.en.md").read_bytes() == pages["code.md"]
    assert (out / "liens.en.html").read_bytes() == pages["liens.html"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["copied"] == 2
    assert {a["name"]: a.get("copied", False) for a in manifest["articles"]} == \
        {"code": True, "liens": True, "texte": False}
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="article" data-name="([^"]+)">(.*?)</tr>', index, re.S)
    assert {name: 'class="muted copied"' in row for name, row in rows} == \
        {"code": True, "liens": True, "texte": False}


def run_cli(*args, env_extra=None):
    import os
    env = dict(os.environ, HF_HUB_OFFLINE="1", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "align.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_unloadable_model_is_one_line_and_exit_2(tmp_path):
    result = run_cli("translate", "sources_fr", "--model", "Helsinki-NLP/opus-mt-fr-en", "-o", str(tmp_path / "o"),
                     env_extra={"HF_HOME": str(tmp_path / "hf")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("align: error: cannot load model 'Helsinki-NLP/opus-mt-fr-en': ")
    assert "HF_HUB_OFFLINE=1" in lines[0] and "--model DIR" in lines[0]
    assert "--model tests/models/small-fr-en" in lines[0] and (ROOT / "tests" / "models" / "small-fr-en").is_dir()


def test_model_folder_without_tokenizer_files(tiny_model, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "model.safetensors", "generation_config.json"):
        (broken / name).write_bytes((tiny_model / name).read_bytes())
    result = run_cli("translate", "sources_fr", "--model", str(broken), "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"align: error: cannot load model '{broken}': {broken} lacks source.spm, target.spm, vocab.json. "
        "Fix: download it once with network access (it is then cached), or set HF_HUB_OFFLINE=1 with a "
        "filled cache, or pass --model DIR with a local copy of the model; to try align with no download, from a clone of its "
        "repository: --model tests/models/small-fr-en (a small test model: poor translations)")


def test_missing_model_directory(tmp_path):
    result = run_cli("translate", "sources_fr", "--model", "./no/such/model", "-o", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr == (f"align: error: cannot load model './no/such/model': no such folder "
                             f"({ROOT / 'no/such/model'}). Fix: check the path; --model takes a hub id or the "
                             f"folder of a local copy of the model (its config.json, source.spm, target.spm, "
                             f"vocab.json)\n")
    assert not (tmp_path / "o").exists()


def test_usage_errors_exit_2(tiny_model, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = CliRunner().invoke(main, ["translate", str(SOURCES), "--model", str(tiny_model),
                                       "-o", str(not_a_folder), "-q"])
    assert result.exit_code == 2
    assert result.output.strip() == f"align: error: {not_a_folder}: output folder is a file; choose another -o DIR"
    result = CliRunner().invoke(main, ["translate", str(SOURCES), "--batch-size", "0"])
    assert result.exit_code == 2


def test_segment_reads_stdin():
    result = CliRunner().invoke(main, ["segment", "-"], input="Bonjour M. Dupont.Alors ça va ?\n\nOui. Non.")
    assert result.exit_code == 0
    assert result.output == "Bonjour M. Dupont.\nAlors ça va ?\n\nOui.\nNon.\n"


def test_shards_cover_the_collection_exactly_once_and_match_an_unsharded_run(tiny_model, tmp_path):
    # The sample articles' first paragraphs (one sentence a batch is slow on the random model).
    sources = tmp_path / "fr"
    sources.mkdir()
    for path in sorted(SOURCES.glob("*.txt")):
        (sources / path.name).write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[:4]) + "\n",
                                         encoding="utf-8")

    def run(out, *extra):
        result = CliRunner().invoke(main, ["translate", str(sources), "--model", str(tiny_model), "-o", str(out),
                                           "--beams", "1", "--no-memory", "-q",
                                           # one sentence a batch: what a shard holds cannot change the numerics
                                           "--batch-size", "1", *extra])
        assert result.exit_code == 0, result.output
        return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".tsv", ".txt")}

    whole = run(tmp_path / "whole")
    shards = [run(tmp_path / f"shard{k}", "--shard", f"{k}/3") for k in (1, 2, 3)]
    names = [name for shard in shards for name in shard]
    assert len(names) == len(set(names))  # no article in two shards
    assert {name: data for shard in shards for name, data in shard.items()} == whole
    assert len(whole) == 2 * len(ARTICLES)
    manifest = json.loads((tmp_path / "shard2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["shard"] == "2/3"


def test_bad_shard_is_a_usage_error(tiny_model, tmp_path):
    result = CliRunner().invoke(main, ["translate", str(SOURCES), "--model", str(tiny_model), "--shard", "4/3"])
    assert result.exit_code == 2
    assert result.output.startswith("align: error: --shard 4/3")

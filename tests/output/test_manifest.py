"""manifest.json through align.output.manifest: the signature's line, and what is
written read back member for member (json.load is the oracle)."""
import json

from align.output.manifest import Manifest, RunHeader, Signature

ENGINE = {"engine": "ctranslate2", "model": "Helsinki-NLP/opus-mt-fr-en",
          "revision": "dd7f6540a7a48a7f4db59e5c0b9c42c8eb43a6b1", "beams": 4, "batch_size": 32,
          "batch_tokens": 4096, "max_new_tokens": 256, "compute_type": "int8"}


def test_the_signature_names_engine_model_revision_settings_and_glossary_in_one_line():
    line = str(Signature.of(ENGINE, "0123456789abcdef" * 4))
    assert line.split("|")[1:] == ["engine:ctranslate2", "model:Helsinki-NLP/opus-mt-fr-en", "rev:dd7f6540a7a4",
                                   "beams:4", "batch:4096tok/32", "maxlen:256", "compute:int8",
                                   "glossary:0123456789ab"]
    plain = {**ENGINE, "batch_tokens": None, "compute_type": None, "revision": None}
    assert str(Signature.of(plain, None)).split("|")[3:] == ["rev:unknown", "beams:4", "batch:32", "maxlen:256",
                                                            "glossary:none"]


def test_a_manifest_reads_back_as_json_reads_it(tmp_path):
    header = RunHeader.of(ENGINE, None, None, {"typography": "english"}, (2, 3))
    manifest = Manifest(header, counts={"articles": 2}, timings={"batches": 1}, failed=[{"source": "x", "error": "e"}],
                        merged_from=[{"folder": "a", "created": None, "shard": "1/3"}], other={"later": [1, 2]})
    articles = [{"name": "a", "sentences": 3}, {"name": "b", "sentences": 0}]
    path = manifest.write(tmp_path / "manifest.json", iter(articles))
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert list(loaded) == list(RunHeader.FIELDS) + ["counts", "timings", "failed", "merged_from", "later", "articles"]
    assert loaded["shard"] == "2/3" and loaded["signature"] == str(Signature.of(ENGINE, None))
    read, entries = Manifest.read(path)
    assert read == manifest and entries == articles
    assert {**read.to_json(), "articles": entries} == loaded
    assert Manifest.read_header(path) == manifest


def test_an_empty_article_list_is_written_as_json_writes_it(tmp_path):
    manifest = Manifest(RunHeader.of(ENGINE, None, None, {}, None))
    path = manifest.write(tmp_path / "manifest.json", [])
    assert json.loads(path.read_text(encoding="utf-8"))["articles"] == []
    assert Manifest.read(path) == (manifest, [])

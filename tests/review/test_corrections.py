"""A review team's work is never lost: the scenarios of issue 18, end to end.

Articles go through `align.pipeline.run` with an engine that upper-cases its input
(the model is not what is tested), reviews through the HTTP API the page uses,
and the next `align translate` of the same folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from align.mt.engines.base import Engine, GenerationSettings, Hypothesis
from align.output.memory import TranslationMemory, default_path
from align.pipeline.run import translate_paths
from align.review.folder import ReviewFolder
from align.review.server import COOKIE, allowed_hosts, create_app, session_value
from align.terms.glossary import Glossary
from align.output.writers.tsv import read_rows

TOKEN = "t0k3n"
PORT = 8766


class Upper(Engine):
    """The English is the French upper-cased (words aligned to themselves); `tag`
    changes the engine's identity, as another model or setting would."""

    name = "upper"
    max_input_tokens = 512

    def __init__(self, tag: str = "v1"):
        self.tag = tag
        self.settings = GenerationSettings()

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def translate_batch(self, sources, with_attention=True):
        return [Hypothesis(text=f"{s.upper()} [{self.tag}]", tokens=len(s.split())) for s in sources]

    def signature(self):
        return {"engine": self.name, "model": "upper", "revision": self.tag, "beams": 1}


def translate(sources: Path, out: Path, engine: Engine | None = None, glossary=None):
    with TranslationMemory(default_path(out)) as memory:
        report = translate_paths([sources], engine or Upper(), out, memory=memory, glossary=glossary)
    assert not report.failed, report.failed
    return report


def rows(out: Path, name: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in read_rows(out / f"{name}.tsv")}


@pytest.fixture
def articles(tmp_path):
    sources, out = tmp_path / "fr", tmp_path / "out"
    sources.mkdir()
    for name in ("a", "b", "c"):
        (sources / f"{name}.txt").write_text("Le chat dort.\n", encoding="utf-8")
    translate(sources, out)
    return sources, out


@pytest.fixture
def client(articles):
    _, out = articles
    with TestClient(create_app(out, TOKEN, allowed_hosts("127.0.0.1", PORT)),
                    base_url=f"http://127.0.0.1:{PORT}") as test_client:
        test_client.cookies.set(COOKIE, session_value(TOKEN))
        yield test_client


def save(client, name, sentence="p1s1", **edit):
    return client.post(f"/api/articles/{name}/sentences/{sentence}", json=edit)


# ---------------------------------------------------------------- per article
def test_two_articles_with_the_same_french_keep_their_own_corrections(articles, client):
    sources, out = articles
    assert save(client, "a", version=0, target="The cat sleeps.", status="approved",
                comment="checked with client").status_code == 200
    assert save(client, "b", version=0, target="The cat is sleeping.", status="reviewed").status_code == 200
    translate(sources, out)
    a, b, c = (rows(out, name)["p1s1"] for name in "abc")
    assert (a["en"], a["status"], a["comment"], a["version"]) == \
        ("The cat sleeps.", "approved", "checked with client", "1")
    assert (b["en"], b["status"], b["comment"], b["version"]) == ("The cat is sleeping.", "reviewed", "", "1")
    # c has no correction of its own: it takes the newest one, says where from, and is not reviewed
    assert (c["en"], c["status"], c["origin"], c["version"]) == ("The cat is sleeping.", "", "reviewed", "")
    # ... and, as a and b disagree, the index and every row of that French say so
    assert c["flags"] == 'correction-reused:b#p1s1; inconsistent:« Le chat dort. »: also "The cat sleeps." (article a)'

    # saving it there makes it c's own: a's and b's rows are untouched
    assert save(client, "c", version=0, status="approved").status_code == 200
    translate(sources, out)
    # (a and b still disagree: the row says so, and that is all it says now)
    assert rows(out, "c")["p1s1"]["flags"] == 'inconsistent:« Le chat dort. »: also "The cat sleeps." (article a)'
    assert rows(out, "c")["p1s1"]["status"] == "approved"
    assert rows(out, "a")["p1s1"]["en"] == "The cat sleeps." and rows(out, "b")["p1s1"]["en"] == "The cat is sleeping."


def test_a_french_sentence_twice_in_one_article_keeps_each_correction(tmp_path):
    sources, out = tmp_path / "fr", tmp_path / "out"
    sources.mkdir()
    (sources / "d.txt").write_text("Oui.\nNon.\nOui.\n", encoding="utf-8")
    translate(sources, out)
    with TestClient(create_app(out, TOKEN, allowed_hosts("127.0.0.1", PORT)),
                    base_url=f"http://127.0.0.1:{PORT}") as client:
        client.cookies.set(COOKIE, session_value(TOKEN))
        assert save(client, "d", "p1s1", version=0, target="Yes.").status_code == 200
        assert save(client, "d", "p3s1", version=0, target="Indeed.").status_code == 200
    translate(sources, out)
    assert [rows(out, "d")[s]["en"] for s in ("p1s1", "p3s1")] == ["Yes.", "Indeed."]


# ------------------------------------------------------------ all or nothing
def test_a_save_that_fails_leaves_no_trace_now_or_later(articles, client, monkeypatch):
    sources, out = articles
    before = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    import align.output.writers.base as base

    real = base.atomic_write

    def failing(path, data, *args, **kwargs):
        if Path(path).name == "index.html":  # the last file a save writes
            raise OSError(28, "No space left on device")
        return real(path, data, *args, **kwargs)

    monkeypatch.setattr(base, "atomic_write", failing)
    import align.review.folder as folder_module

    monkeypatch.setattr(folder_module, "atomic_write", failing)
    response = save(client, "a", version=0, target="The cat sleeps.", status="approved")
    assert response.status_code == 500 and "nothing was saved" in response.json()["error"]
    monkeypatch.undo()
    after = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    assert after == before  # every file as it was
    with TranslationMemory(default_path(out)) as memory:
        assert memory.review_for("Le chat dort.") is None
    translate(sources, out)
    assert rows(out, "a")["p1s1"]["en"] == "LE CHAT DORT. [v1]"


def test_versions_survive_a_new_run_so_a_stale_page_gets_a_conflict(articles, client):
    sources, out = articles
    assert save(client, "a", version=0, target="The cat sleeps.").status_code == 200
    translate(sources, out, Upper("v2"))
    assert rows(out, "a")["p1s1"]["version"] == "1"
    stale = save(client, "a", version=0, target="A cat sleeps.")  # a window opened before the first save
    assert stale.status_code == 409 and stale.json()["row"]["en"] == "The cat sleeps."


# ------------------------------------------------------- what freezes the English
def test_only_edits_and_acceptance_keep_the_english(articles, client):
    sources, out = articles
    assert save(client, "a", version=0, status="needs-work", comment="too literal").status_code == 200
    assert save(client, "b", version=0, comment="ask the author").status_code == 200
    assert save(client, "c", version=0, status="approved").status_code == 200  # accepted as it is
    translate(sources, out, Upper("v2"))
    a, b, c = (rows(out, name)["p1s1"] for name in "abc")
    # marked, not accepted: another model's English, the status and comment kept
    assert (a["en"], a["status"], a["comment"], a["origin"]) == ("LE CHAT DORT. [v2]", "needs-work", "too literal",
                                                                "model")
    assert (b["en"], b["comment"]) == ("LE CHAT DORT. [v2]", "ask the author")
    # accepted: the English the reviewer approved
    assert (c["en"], c["status"], c["origin"]) == ("LE CHAT DORT. [v1]", "approved", "reviewed")


# ------------------------------------------------------------ terms and variants
def test_a_correction_with_another_accepted_form_keeps_its_term(tmp_path):
    sources, out = tmp_path / "fr", tmp_path / "out"
    sources.mkdir()
    (sources / "board.txt").write_text("Le conseil d'administration s'est réuni hier.\n", encoding="utf-8")
    glossary = Glossary.loads("source\ttarget\tnote\tcase\tvariants\n"
                              "conseil d'administration\tboard of directors\t\t\t"
                              "conseils d'administration=boards of directors\n", "g.tsv")
    translate(sources, out, glossary=glossary)
    terms = json.loads(rows(out, "board")["p1s1"]["terms"])
    assert terms[0]["forms"] == ["boards of directors"]  # the TSV keeps what the entry accepts
    with TestClient(create_app(out, TOKEN, allowed_hosts("127.0.0.1", PORT)),
                    base_url=f"http://127.0.0.1:{PORT}") as client:
        client.cookies.set(COOKIE, session_value(TOKEN))
        response = save(client, "board", version=0, target="The boards of directors met yesterday.")
    assert response.status_code == 200
    row = rows(out, "board")["p1s1"]
    assert "term-failed" not in row["flags"] and json.loads(row["terms"])[0]["status"] == "model"


# ------------------------------------------------------- files align did not write
def test_files_align_did_not_write_are_left_out_with_a_warning(articles, client):
    sources, out = articles
    (out / "glossary.tsv").write_text("source\ttarget\nIAG\tAGI\n", encoding="utf-8")
    outside = out.parent / "elsewhere.tsv"
    outside.write_text((out / "a.tsv").read_text(encoding="utf-8"), encoding="utf-8")
    (out / "linked.tsv").symlink_to(outside)
    assert client.get("/").status_code == 200
    assert [a["name"] for a in client.get("/api/articles").json()] == ["a", "b", "c"]
    assert client.get("/api/articles/glossary").status_code == 404
    assert client.get("/api/articles/linked").status_code == 404 and client.get("/linked.html").status_code == 404
    assert save(client, "a", version=0, target="The cat sleeps.").status_code == 200
    warnings = []
    assert ReviewFolder(out, on_warning=warnings.append).articles() == ["a", "b", "c"]
    assert sorted(warnings) == [f"{out / 'glossary.tsv'}: not an aligned TSV of align (another header), left out",
                                f"{out / 'linked.tsv'}: leads outside {out}, left out"]

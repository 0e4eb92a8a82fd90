"""The write stage (align.pipeline.write.ArticleFiles): an article recorded in the
consistency store, its inconsistency flags set from it, its files rendered and
placed; files rendered beforehand (by the run, while its child is behind) are placed
as given unless the store changed the article's flags."""
from __future__ import annotations

import pickle

import pytest
from click.testing import CliRunner

import align.mt.engines
from align.checks.consistency import ConsistencyIndex, mark_inconsistent
from align.cli import main
from align.output.articles import load_article
from align.output.writers import TsvWriter
from align.output.writers.html import HtmlWriter
from align.pipeline.write import ArticleFiles

from scripted_engine import ScriptedEngine

# Two articles naming Jean-Marc Ayrault, the second misspelling him (as in
# tests/checks/test_consistency.py).
AYRAULT_A = "Jean-Marc Ayrault a présenté le budget."
AYRAULT_B = "Le budget de Jean-Marc Ayrault est critiqué par la droite."
SCRIPT = {
    AYRAULT_A: [("Jean-Marc", "Jean-Marc"), ("Ayrault", "Ayrault"), ("presented", "présenté"), ("the", "le"),
                ("budget.", "budget.")],
    AYRAULT_B: [("The", "Le"), ("budget", "budget"), ("of", "de"), ("Jean-Marc", "Jean-Marc"), ("Ayraut", "Ayrault"),
                ("is", "est"), ("criticised", "critiqué"), ("by", "par"), ("the", "la"), ("right.", "droite.")],
}


@pytest.fixture()
def documents(tmp_path, monkeypatch):
    """Articles a and b as a run translated them, read back, without flags of inconsistency."""
    engine = ScriptedEngine(SCRIPT)
    monkeypatch.setattr(align.mt.engines, "load_engine", lambda *args, **kwargs: engine)
    src, out = tmp_path / "src", tmp_path / "translated"
    src.mkdir()
    (src / "a.txt").write_text(AYRAULT_A + "\n", encoding="utf-8")
    (src / "b.txt").write_text(AYRAULT_B + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["translate", str(src), "-o", str(out), "--no-glossary", "-q"])
    assert result.exit_code == 0, result.output
    loaded = {name: load_article(out, name) for name in ("a", "b")}
    for document in loaded.values():
        mark_inconsistent(document, {})
    return loaded


def test_files_rendered_beforehand_are_placed_unless_the_store_changes_the_flags(tmp_path, documents):
    out = tmp_path / "out"
    store = ConsistencyIndex(tmp_path / "store.db")
    writing = ArticleFiles(out, [TsvWriter(), HtmlWriter()], store)
    a, b = documents["a"], documents["b"]
    # Article a alone: nothing inconsistent, so what was rendered beforehand is placed.
    given = [(out / "a.tsv", "rendered beforehand\n"), (out / "a.html", b"<p>rendered beforehand</p>")]
    assert writing.write(a, None, rendered=given) is None
    assert (out / "a.tsv").read_text() == "rendered beforehand\n"
    assert (out / "a.html").read_bytes() == b"<p>rendered beforehand</p>"
    # Article b contradicts a: the store flags it, so its files are rendered again, with the flag.
    stale = writing.render(b, None)
    counts = writing.write(b, None, rendered=stale)
    assert counts == b.flag_counts() and counts.get("inconsistent") == 1
    assert [(path, data) for path, data in writing.render(b, None)] != stale
    for path, data in writing.render(b, None):
        assert path.read_bytes() == (data.encode("utf-8") if isinstance(data, str) else data)
    assert "inconsistent:" in (out / "b.tsv").read_text(encoding="utf-8")
    writing.close()


def test_a_failure_leaves_no_file_and_the_articles_earlier_rows(tmp_path, documents):
    """A writer failing after another rendered: nothing placed, the store as it was."""
    out = tmp_path / "out"
    store = ConsistencyIndex(tmp_path / "store.db")

    class Broken(HtmlWriter):
        def render(self, document, run=None):
            raise RuntimeError("a bug")

    writing = ArticleFiles(out, [TsvWriter(), HtmlWriter()], store)
    writing.write(documents["a"], None)
    writing.commit()
    before = store.flags_for("a"), store.articles()
    b = documents["b"]
    with pytest.raises(RuntimeError):
        ArticleFiles(out, [TsvWriter(), Broken()], store).write(b, None)
    assert not (out / "b.tsv").exists() and not (out / "b.html").exists()
    assert (store.flags_for("a"), store.articles()) == before
    writing.close()


def test_pickled_it_keeps_the_stores_path_and_opens_its_own(tmp_path):
    store = ConsistencyIndex(tmp_path / "store.db")
    copy = pickle.loads(pickle.dumps(ArticleFiles(tmp_path / "out", [TsvWriter()], store)))
    assert copy.store is None and copy.store_path == store.path and copy.out_dir == tmp_path / "out"
    copy.prepare()
    assert isinstance(copy.store, ConsistencyIndex) and copy.store is not store
    copy.close()
    store.close()

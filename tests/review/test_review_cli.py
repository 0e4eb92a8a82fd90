"""The reviewer's round trip end to end, with the tiny random model (its English
is noise: only what is kept, flagged and reused is checked):

translate → review through the HTTP API the page uses → translate again (same
French, other engine settings; then changed French) → XLIFF export → edit →
import → translate again; and the TMX export marks the corrections.
"""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from lxml import etree
from starlette.testclient import TestClient

from align.cli import main
from align.output.memory import TranslationMemory, default_path
from align.review.server import COOKIE, allowed_hosts, create_app, session_value
from align.output.writers.tsv import read_rows

ARTICLE = "Le chat dort sur le canapé. Le chien aboie dans la rue.\n\nLa pluie tombe sur la ville. Le vent souffle fort."


def translate(tiny_model, sources: Path, out: Path, beams: int) -> str:
    result = CliRunner().invoke(main, ["translate", str(sources), "--model", str(tiny_model), "-o", str(out),
                                       "--no-glossary", "--beams", str(beams), "--quiet"])
    assert result.exit_code == 0, result.output
    return result.output


def rows(out: Path) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in read_rows(out / "news.tsv")}


def test_corrections_survive_translate_xliff_and_changed_french(tiny_model, tmp_path):
    sources, out = tmp_path / "fr", tmp_path / "out"
    sources.mkdir()
    (sources / "news.txt").write_text(ARTICLE + "\n", encoding="utf-8")
    translate(tiny_model, sources, out, beams=1)
    first = rows(out)
    assert {r["origin"] for r in first.values()} == {"model"}

    # review through the HTTP API, as the page does
    app = create_app(out, "tok", allowed_hosts("127.0.0.1", 9000))
    with TestClient(app, base_url="http://127.0.0.1:9000") as client:
        client.cookies.set(COOKIE, session_value("tok"))
        saved = client.post("/api/articles/news/sentences/p1s2",
                            json={"version": 0, "target": "The dog barks in the street.", "status": "approved"})
        assert saved.status_code == 200, saved.text
        saved = client.post("/api/articles/news/sentences/p2s1",
                            json={"version": 0, "status": "needs-work", "comment": "rain, not fall"})
        assert saved.status_code == 200, saved.text

    # same French, another engine setting: the correction is kept; the sentence only marked
    # "needs work" keeps its status, comment and version, and its English is translated again
    summary = translate(tiny_model, sources, out, beams=2)
    assert ", 1 from memory" in summary
    again = rows(out)
    assert (again["p1s2"]["en"], again["p1s2"]["origin"], again["p1s2"]["status"], again["p1s2"]["version"]) == \
        ("The dog barks in the street.", "reviewed", "approved", "1")
    assert (again["p2s1"]["origin"], again["p2s1"]["status"], again["p2s1"]["comment"], again["p2s1"]["version"]) == \
        ("model", "needs-work", "rain, not fall", "1")
    assert again["p1s1"]["origin"] == again["p2s2"]["origin"] == "model"
    assert "The dog barks in the street." in (out / "news.en.txt").read_text(encoding="utf-8")
    # even without the memory, corrections are not overwritten
    result = CliRunner().invoke(main, ["translate", str(sources), "--model", str(tiny_model), "-o", str(out),
                                       "--no-glossary", "--beams", "1", "--quiet", "--no-memory"])
    assert result.exit_code == 0, result.output
    assert rows(out)["p1s2"]["en"] == "The dog barks in the street." and rows(out)["p1s2"]["status"] == "approved"

    # the French of the approved sentence changes: re-translated, flagged, old correction offered
    (sources / "news.txt").write_text(ARTICLE.replace("aboie dans la rue", "dort dans la rue") + "\n",
                                      encoding="utf-8")
    translate(tiny_model, sources, out, beams=2)
    changed = rows(out)
    assert changed["p1s2"]["origin"] in ("model", "memory") and changed["p1s2"]["en"] != "The dog barks in the street."
    assert changed["p1s2"]["flags"].split("; ").count("source-changed") == 1
    assert changed["p1s2"]["suggestion"] == "The dog barks in the street."
    assert changed["p2s1"]["status"] == "needs-work"  # the others are untouched
    page = (out / "news.html").read_text(encoding="utf-8")
    assert "Earlier correction: <span class=\"suggestion-text\">The dog barks in the street.</span>" in page

    # XLIFF: export, approve the re-translated sentence with a new English, import, translate again
    xlf = tmp_path / "news.xlf"
    result = CliRunner().invoke(main, ["xliff", "export", str(out), "-o", str(xlf)])
    assert result.exit_code == 0, result.output
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    tree = etree.parse(str(xlf))
    target = tree.find(".//x:trans-unit[@resname='p1s2']/x:target", ns)
    target.text, target.attrib["state"] = "The dog sleeps in the street.", "final"
    del target.attrib["state-qualifier"]
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    result = CliRunner().invoke(main, ["xliff", "import", str(xlf), "--into", str(out)])
    assert result.exit_code == 0 and result.output.startswith("1 sentences imported as reviewed"), result.output
    assert rows(out)["p1s2"]["flags"].split("; ").count("source-changed") == 0
    translate(tiny_model, sources, out, beams=1)
    final = rows(out)
    assert (final["p1s2"]["en"], final["p1s2"]["status"], final["p1s2"]["suggestion"]) == \
        ("The dog sleeps in the street.", "approved", "")
    assert "source-changed" not in final["p1s2"]["flags"]
    with TranslationMemory(default_path(out)) as memory:
        assert memory.review_for("Le chien dort dans la rue.")["target"] == "The dog sleeps in the street."

    # TMX: corrections are marked for CAT tools
    tmx = tmp_path / "tm.tmx"
    result = CliRunner().invoke(main, ["tm", "export", "--tmx", str(tmx), "-o", str(out)])
    assert result.exit_code == 0, result.output
    reviewed = [tu for tu in etree.parse(str(tmx)).iterfind("body/tu")
                if tu.findtext("prop[@type='x-origin']") == "reviewed"]
    # (the sentence marked "needs work" is no correction: its English is the machine's)
    assert sorted(tu.findall("tuv/seg")[1].text for tu in reviewed) == \
        ["The dog barks in the street.", "The dog sleeps in the street."]

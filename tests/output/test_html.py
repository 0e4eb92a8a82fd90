"""The HTML review page and index, checked on the rendered markup (no browser;
tests/review/test_browser.py drives a real one)."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from align.document import METADATA, Document, Flag, Paragraph, SentencePair, Term
from align.output.writers import default_writers
from align.output.writers.html import HtmlWriter, render_article, render_index, term_colour, write_index

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <td>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.cells: list[tuple[dict[str, str | None], str]] = []
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))
        if tag == "td":
            self._cell = [attributes, ""]

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell[0], self._cell[1]))
            self._cell = None

    def handle_data(self, data):
        if self._script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)
        if self._cell is not None:
            self._cell[1] += data


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def sample_document(name: str = "article") -> Document:
    evil_fr = f"L'IAG {SCRIPT} et {IMG} arrive."
    evil_en = f"AGI {SCRIPT} and {IMG} is coming."
    pairs = [
        SentencePair(evil_fr, evil_en, 2, 1, origin="model",
                     terms=[Term("IAG", 2, 5, "AGI", entry="IAG", note="acronyme <b>note</b>", status="forced",
                                 target_start=0, target_end=3)],
                     flags=[Flag("term-forced", "AGI"), Flag("repetition", "the")]),
        SentencePair("L'intelligence artificielle et l'IA.", "The robot.", 2, 2, origin="model",
                     terms=[Term("intelligence artificielle", 2, 27, "artificial intelligence",
                                 entry="intelligence artificielle", status="failed"),
                            Term("IA", 33, 35, "AI", entry="IA", status="failed")],
                     flags=[Flag("term-failed", "artificial intelligence"), Flag("term-failed", "AI"),
                            Flag("length-ratio", "0.2x")]),
        SentencePair("Rien à signaler.", "Nothing to report.", 2, 3, origin="model"),
        SentencePair("Encore l'IA.", "Again AI.", 3, 1, origin="model",
                     terms=[Term("IA", 9, 11, "AI", entry="IA", note="acronym", status="model",
                                 target_start=6, target_end=8)]),
    ]
    return Document(name, [
        Paragraph("Titre", 1, METADATA, [SentencePair("Titre : « IA »", "Titre : « IA »", 1, 1, origin="metadata")]),
        Paragraph("...", 2, sentences=pairs[:3]),
        Paragraph("...", 3, sentences=pairs[3:]),
    ])


RUN = {"engine": {"engine": "transformers", "model": "Helsinki-NLP/opus-mt-fr-en", "revision": "abc123def"},
       "signature": "align:0.1.0|engine:transformers", "created": "2025-01-01T00:00:00+00:00"}


@pytest.fixture()
def page() -> str:
    return render_article(sample_document(), RUN)


def rows(page: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in parse(page).tags if tag == "tr" and "pair" in (attrs.get("class") or "").split()]


def test_payloads_are_escaped_in_both_columns(page):
    assert SCRIPT not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    tags = parse(page)
    assert [t for t, _ in tags.tags if t == "img"] == []
    # the only scripts are the JSON block and the page's own script
    assert [a.get("type") for a, _ in tags.scripts] == ["application/json", None]
    cells = [(a.get("lang"), text) for a, text in tags.cells if a.get("lang")]
    assert ("fr", f"L'IAG {SCRIPT} et {IMG} arrive.") in cells  # shown literally
    assert ("en", f"AGI {SCRIPT} and {IMG} is coming.") in cells
    # no attribute was broken open
    assert not any("onerror" in attrs for _, attrs in tags.tags)


def test_escaping_in_names_notes_and_flag_details():
    document = sample_document(name=f"a{IMG}")
    document.pairs().__next__().flags.append(Flag("repetition", SCRIPT))
    document.paragraphs[1].sentences[0].terms[0].note = IMG
    page = render_article(document, RUN)
    assert SCRIPT not in page and "<img" not in page
    index = render_index({"articles": [{"name": f"a{IMG}", "sentences": 1, "outputs": [], "flags": {}}],
                          "engine": {"model": SCRIPT}, "settings": {"x": IMG}, "signature": SCRIPT})
    assert SCRIPT not in index and "<img" not in index
    links = [a["href"] for t, a in parse(index).tags if t == "a"]
    assert links == ["./a%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.html"]


def test_json_block_cannot_close_its_script():
    page = render_article(sample_document(name="x</script><script>alert(1)//"), RUN)
    [(_, data)] = [(a, text) for a, text in parse(page).scripts if a.get("type") == "application/json"]
    assert json.loads(data)["name"] == "x</script><script>alert(1)//"
    assert "</script><script>" not in page


def test_one_row_per_pair_with_ids(page):
    found = rows(page)
    document = sample_document()
    assert [r["id"] for r in found] == [p.id for p in document.pairs()]
    assert [r["data-id"] for r in found] == [p.id for p in document.pairs()]
    for pair in document.pairs():  # the id is also visible, as a link to the row
        assert f'<a href="#{pair.id}">{pair.id}</a>' in page


def test_paragraph_groups_and_metadata(page):
    bodies = [a for t, a in parse(page).tags if t == "tbody"]
    assert [b["data-paragraph"] for b in bodies] == ["1", "2", "3"]
    assert "metadata" in bodies[0]["class"].split()
    assert "metadata" not in bodies[1]["class"].split()
    assert "has-flags" in bodies[1]["class"].split() and "has-flags" not in bodies[0]["class"].split()


def test_columns_have_languages(page):
    cells = [a for t, a in parse(page).tags if t == "td" and "sent" in (a.get("class") or "")]
    assert [c["lang"] for c in cells[:2]] == ["fr", "en"]
    assert all(c["lang"] in ("fr", "en") for c in cells)


def marks(page: str) -> list[dict[str, str | None]]:
    return [a for t, a in parse(page).tags if t == "mark" and "term" in (a.get("class") or "").split()
            and a.get("data-term") is not None]


def test_terms_marked_in_both_columns_with_matching_colours(page):
    found = marks(page)
    colour = {m["data-entry"]: [c for c in m["class"].split() if c.startswith("tc")] for m in found}
    # IAG: French and English; intelligence artificielle, IA failed: French only; IA again (model): both
    assert [(m["data-entry"], m["class"].split()[-1]) for m in found] == [
        ("IAG", "st-forced"), ("IAG", "st-forced"),
        ("intelligence artificielle", "st-failed"), ("IA", "st-failed"),
        ("IA", "st-model"), ("IA", "st-model")]
    for entry in colour:  # one colour per entry, the same wherever it is marked
        assert len({tuple(c for c in m["class"].split() if c.startswith("tc"))
                    for m in found if m["data-entry"] == entry}) == 1
    assert len({tuple(v) for v in colour.values()}) == 3  # three entries, three colours
    # each colour class has a CSS rule
    for classes in colour.values():
        assert re.search(rf"mark\.term\.{classes[0]} {{ background-color: hsl\(", page)


def test_term_marks_cover_the_right_text(page):
    assert '>IAG</mark> &lt;script&gt;' in page       # French span
    assert '>AGI</mark> &lt;script&gt;' in page       # English span from target_start/target_end
    assert 'Again <mark' in page and '>AI</mark>.' in page


def test_term_tooltips_give_note_and_status(page):
    iag = marks(page)[0]
    assert iag["title"] == "IAG → AGI\nnote: acronyme <b>note</b>\nforced: placed by align's term policy (the model's English lacked it)"
    failed = marks(page)[2]
    assert "failed: missing from the translation" in failed["title"]


def test_bad_or_overlapping_offsets_are_left_unmarked():
    pair = SentencePair("OpenAI et l'IA", "OpenAI and AI", 1, 1, terms=[
        Term("OpenAI", 0, 6, "OpenAI", entry="OpenAI", status="model", target_start=0, target_end=6),
        Term("IA", 12, 14, "AI", entry="IA", status="model", target_start=4, target_end=6),   # overlaps
        Term("x", 50, 60, "y", entry="x", status="model", target_start=90, target_end=99),     # out of range
    ])
    page = render_article(Document("d", [Paragraph("p", 1, sentences=[pair])]))
    [(_, fr), (_, en)] = [(a, t) for a, t in parse(page).cells if a.get("lang")]
    assert fr == "OpenAI et l'IA" and en == "OpenAI and AI"  # text intact
    assert [(m["data-entry"]) for m in marks(page)] == ["OpenAI", "IA", "OpenAI"]


def test_flags_as_badges_on_rows_and_counted_in_header(page):
    found = rows(page)
    assert found[1]["data-flags"] == "term-forced repetition" and "flagged" in found[1]["class"].split()
    assert found[2]["data-flags"] == "term-failed length-ratio"
    assert found[3]["data-flags"] == "" and "flagged" not in found[3]["class"].split()
    badges = [a for t, a in parse(page).tags if t == "span" and "badge" in (a.get("class") or "")]
    header = {b["data-code"]: int(b["data-count"]) for b in badges if b.get("data-count") is not None}
    assert header == {"term-forced": 1, "term-late": 0, "term-failed": 2, "length-ratio": 1, "untranslated": 0,
                      "number-mismatch": 0, "number-repaired": 0,
                      "empty": 0, "repetition": 1, "split": 0, "truncated": 0, "low-confidence": 0, "source-changed": 0,
                      "correction-reused": 0}
    on_rows = [b["data-code"] for b in badges if b.get("data-count") is None and b.get("data-code")]
    assert on_rows == ["term-forced", "repetition", "term-failed", "term-failed", "length-ratio"]
    assert 'id="flagged-count">2<' in page
    data = json.loads(html.unescape(re.search(r'id="align-data">(.*?)</script>', page).group(1)))
    assert (data["rows"], data["flagged"]) == (5, 2)


def test_controls_and_shortcuts_present(page):
    assert 'id="flagged-only"' in page and "<kbd>j</kbd>" in page and "<kbd>f</kbd>" in page
    assert "@media print" in page and ".no-print { display: none !important; }" in page


def test_self_contained_with_a_csp_that_allows_only_the_page_script(page):
    tags = parse(page)
    assert not [a for t, a in tags.tags if t in ("link", "img", "iframe")]
    assert not [a for t, a in tags.tags if t == "script" and a.get("src")]
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    [csp] = [a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    [(_, script)] = [(a, s) for a, s in tags.scripts if a.get("type") is None]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_run_footer_and_finish_writes_index(tmp_path):
    writer = HtmlWriter()
    document = sample_document()
    bare = writer.render(document)
    assert "Helsinki-NLP" not in bare
    path = writer.write(document, tmp_path, RUN)  # as the pipeline does: run details known up front
    assert path.name == "article.html"
    page = path.read_text(encoding="utf-8")
    assert "<code>Helsinki-NLP/opus-mt-fr-en</code>" in page and "<code>abc123def</code>" in page
    manifest = {**RUN, "version": "0.1.0", "settings": {"beams": 4}, "glossary": None, "counts": {},
                "articles": [{"name": "article", "sentences": 5, "term_accuracy": 0.4,
                              "terms": {"model": 1, "forced": 1, "failed": 2},
                              "flags": {"term-forced": 1, "term-failed": 2}, "outputs": [str(path)]}]}
    article = manifest["articles"][0]
    index = write_index(tmp_path / "index.html", manifest, [("", iter([article]))], article_count=1,
                        sentences=5, flag_totals=article["flags"], review_total=None)
    assert path.read_text(encoding="utf-8") == page  # article pages are not rewritten
    # Streamed from the run's article log, the index is what render_index makes of the manifest.
    assert index.read_text(encoding="utf-8") == render_index(manifest)
    text = index.read_text(encoding="utf-8")
    assert index.name == "index.html"
    assert '<a href="./article.html">article</a>' in text
    assert "40.0%" in text and "1 / 1 / 2" in text
    assert "align:0.1.0|engine:transformers" in text and "2025-01-01T00:00:00+00:00" in text
    assert "abc123def" in text


def test_default_writers_include_html():
    assert any(isinstance(w, HtmlWriter) for w in default_writers())


def test_empty_document_renders():
    page = render_article(Document("empty"))
    assert 'id="pairs"' in page and "0 of 0 rows shown" in page


def test_templates_ship_with_the_package():
    root = Path(__file__).resolve().parent.parent.parent
    assert (root / "align" / "templates" / "article.html.j2").is_file()
    assert "templates/*" in (root / "pyproject.toml").read_text(encoding="utf-8")


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hex(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def test_text_contrast_meets_wcag_aa(page):
    import colorsys

    text = _hex("#1b1b1b")
    for index in range(60):  # term backgrounds under body text
        hue, saturation, lightness = map(float, re.fullmatch(r"hsl\((\d+) (\d+)% (\d+)%\)",
                                                             term_colour(index)).groups())
        rgb = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
        assert _contrast(text, rgb) >= 4.5
    # every "color: #x; background: #y" pair of the stylesheet (badges), and the
    # muted / link colours on the page's light backgrounds
    pairs = re.findall(r"color: (#[0-9a-f]{6}); background: (#[0-9a-f]{6})", page)
    assert len(pairs) >= 7
    for foreground, background in pairs + [("#4a4a4a", "#ffffff"), ("#4a4a4a", "#f4f5f7"),
                                           ("#4a4a4a", "#fff4c2"), ("#0b57d0", "#ffffff"),
                                           ("#1b1b1b", "#ffe28a"), ("#1b1b1b", "#e7effd")]:
        assert _contrast(_hex(foreground), _hex(background)) >= 4.5, (foreground, background)


def test_compiled_templates_are_cached_and_a_damaged_cache_only_compiles_again(tmp_path):
    """Jinja's compiled templates are kept under align's cache folder (a short run
    renders without compiling them); a damaged or unwritable cache is not an error."""
    import os
    import subprocess
    import sys

    from jinja2.bccache import bc_magic

    script = ("from align.document import Document; from align.output.writers.html import render_article; "
              "page = render_article(Document(name='a', paragraphs=[])); print('<html' in page and len(page))")
    cache = tmp_path / "cache"

    def render() -> str:
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                                env=dict(os.environ, ALIGN_CACHE=str(cache)))
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    page = render()
    cached = sorted((cache / "templates").glob("*.jinja"))
    assert cached and int(page) > 1000  # the article template, compiled once
    whole = {path: path.read_bytes() for path in cached}
    for path in cached:  # Jinja's magic kept, the checksum it unpickles broken
        path.write_bytes(whole[path][:len(bc_magic)] + b"\x80\x04 damaged")
    assert render() == page
    assert {path: path.read_bytes() for path in cached} == whole  # compiled again and written whole
    for path in cached:
        path.unlink()
    (cache / "templates").rmdir()
    (cache / "templates").write_text("a file where the cache folder would be")
    assert render() == page  # nowhere to keep them: compiled each time

"""The review pages in a real browser (Selenium + headless Chromium).

Pages are generated once for the module from sources_fr/ with the tiny random
model (and the project glossary, when align.glossary is importable), plus one
hand-made article full of injection attempts. The English is noise: tests
check structure and behaviour, never wording.

Skipped only when the chromium / chromedriver binaries are absent; CI installs
them (.ci/run: apt-get install chromium chromium-driver).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, SOURCES

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from align.document import Document, Flag, Paragraph, SentencePair, Term
from align.output.writers.html import HtmlWriter
from align.output.writers.tsv import read_rows


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None)
        if found:
            return found
    return None


CHROMIUM = _binary("chromium", "chromium-browser")
CHROMEDRIVER = _binary("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromedriver binaries not found (CI installs them: apt-get install chromium "
           "chromium-driver, see .ci/run)")

EVIL_SCRIPT = "<script>window.__pwned=1</script>"
EVIL_IMG = '"><img src=x onerror="window.__pwned=2">'
EVIL = "zz_injection"


def evil_document() -> Document:
    fr = f"Le texte {EVIL_SCRIPT} puis {EVIL_IMG} et l'IA."
    en = f"The text {EVIL_SCRIPT} then {EVIL_IMG} and AI."
    pair = SentencePair(fr, en, 1, 1, origin="model",
                        terms=[Term("IA", fr.index("IA"), fr.index("IA") + 2, "AI", entry="IA",
                                    note=EVIL_IMG, status="model", target_start=en.index("AI"),
                                    target_end=en.index("AI") + 2)],
                        flags=[Flag("repetition", EVIL_SCRIPT)])
    return Document(EVIL, [Paragraph(fr, 1, sentences=[pair])])


@pytest.fixture(scope="module")
def pages(tiny_model, tmp_path_factory) -> Path:
    """Output folder of one run over sources_fr/ (default writers, HTML included)."""
    from align.mt.engines.base import GenerationSettings
    from align.mt.engines.transformers import TransformersEngine
    from align.pipeline.run import translate_paths

    try:
        from align.terms.glossary import Glossary
        glossary = Glossary.load(ROOT / "glossary.tsv")
    except ImportError:  # glossary module not available: pages without terms
        glossary = None
    out = tmp_path_factory.mktemp("review")
    # Greedy decoding and short outputs keep the random model quick; the page
    # does not care what the English says.
    engine = TransformersEngine(str(tiny_model), GenerationSettings(beams=1, length_ratio=1.0, length_slack=4))
    report = translate_paths([SOURCES], engine, out, glossary=glossary, glossary_path="glossary.tsv")
    assert not report.failed
    HtmlWriter().write(evil_document(), out)
    return out


def articles(out: Path) -> list[str]:
    return sorted(p.name[:-4] for p in out.glob("*.tsv"))


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="align-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Chromium keeps crash-report settings and GTK's dconf under the home folder whatever
    # its profile: the tests give it a home of its own, removed with the profile.
    home = {"HOME": profile, "XDG_CONFIG_HOME": f"{profile}/config", "XDG_CACHE_HOME": f"{profile}/cache"}
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER, env={**os.environ, **home}),
                               options=options)
    browser.set_page_load_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def load(driver, path: Path) -> float:
    """Open a page, fail on any console error; the load time in seconds."""
    driver.get_log("browser")  # drop what earlier pages left
    started = time.perf_counter()
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.readyState")
    seconds = time.perf_counter() - started
    assert_no_console_errors(driver)
    return seconds


def assert_no_console_errors(driver) -> None:
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


ROWS_JS = """
return Array.from(document.querySelectorAll('#pairs tr.pair')).map(function (r) {
  return [r.id, r.dataset.id, r.querySelector('td.sid').textContent, r.querySelector('td.src').textContent,
          r.querySelector('td.tgt').textContent, r.dataset.flags, r.querySelector('td.src').lang,
          r.querySelector('td.tgt').lang];
});"""

VISIBLE_JS = """
return Array.from(document.querySelectorAll('#pairs tr.pair'))
  .filter(function (r) { return r.getClientRects().length > 0; }).length;"""


def test_one_row_per_tsv_row_with_the_same_ids_and_text(pages, driver):
    names = articles(pages)
    assert len(names) == len(list(SOURCES.glob("*.txt")))
    for name in names:
        load(driver, pages / f"{name}.html")
        rows = driver.execute_script(ROWS_JS)
        tsv = list(read_rows(pages / f"{name}.tsv"))
        assert len(rows) == len(tsv) > 0
        for row, expected in zip(rows, tsv):
            assert row[:3] == [expected["id"]] * 3
            assert row[3:5] == [expected["fr"], expected["en"]]
            assert row[5].split() == list(dict.fromkeys(
                f.split(":")[0] for f in expected["flags"].split("; ") if f))
            assert row[6:] == ["fr", "en"]


def test_terms_are_marked_when_a_glossary_is_used(pages, driver):
    name = articles(pages)[1]
    load(driver, pages / f"{name}.html")
    tsv_terms = sum(len(json.loads(r["terms"])) for r in read_rows(pages / f"{name}.tsv")
                    if r["terms"])
    fr_marks = driver.execute_script("return document.querySelectorAll('td.src mark.term').length")
    if tsv_terms == 0:
        pytest.skip("no glossary terms in this run (align.glossary not available)")
    assert fr_marks == tsv_terms
    # a mark's colour is the same in both columns
    same = driver.execute_script("""
      return Array.from(document.querySelectorAll('td.tgt mark.term')).every(function (m) {
        var twin = m.closest('tr').querySelector('td.src mark.term[data-term="' + m.dataset.term + '"]');
        return twin && getComputedStyle(twin).backgroundColor === getComputedStyle(m).backgroundColor
          && m.title === twin.title && m.title.length > 0;
      });""")
    assert same is True


def test_clicking_a_french_sentence_highlights_its_english_counterpart(pages, driver):
    load(driver, pages / f"{articles(pages)[1]}.html")
    rows = driver.find_elements(By.CSS_SELECTOR, "#pairs tr.pair")
    for row in (rows[2], rows[5]):
        row.find_element(By.CSS_SELECTOR, "td.src").click()
        english = row.find_element(By.CSS_SELECTOR, "td.tgt")
        assert "counterpart" in english.get_attribute("class").split()
        assert "selected" in row.get_attribute("class").split()
        assert driver.execute_script("return document.querySelectorAll('.counterpart').length") == 1
    # and the other way round
    rows[3].find_element(By.CSS_SELECTOR, "td.tgt").click()
    assert "counterpart" in rows[3].find_element(By.CSS_SELECTOR, "td.src").get_attribute("class").split()
    assert_no_console_errors(driver)


def test_flagged_only_filter_hides_unflagged_rows(pages, driver):
    for name in articles(pages):
        load(driver, pages / f"{name}.html")
        tsv = list(read_rows(pages / f"{name}.tsv"))
        flagged = sum(1 for r in tsv if r["flags"])
        assert driver.execute_script(VISIBLE_JS) == len(tsv)
        driver.find_element(By.ID, "flagged-only").click()
        assert driver.execute_script(VISIBLE_JS) == flagged
        assert driver.find_element(By.ID, "shown-count").text == f"{flagged} of {len(tsv)} rows shown"
        # header counts agree with the TSV
        counts: dict[str, int] = {}
        for row in tsv:
            for flag in filter(None, row["flags"].split("; ")):
                code = flag.split(":")[0]
                counts[code] = counts.get(code, 0) + 1
        header = driver.execute_script("""
          var out = {};
          document.querySelectorAll('.flag-counts .badge').forEach(function (b) {
            if (+b.dataset.count) { out[b.dataset.code] = +b.dataset.count; } });
          return out;""")
        assert header == counts
        # f toggles it back
        driver.find_element(By.TAG_NAME, "body").send_keys("f")
        assert driver.execute_script(VISIBLE_JS) == len(tsv)
        assert driver.find_element(By.ID, "flagged-only").is_selected() is False
    assert_no_console_errors(driver)


def test_j_and_k_move_the_selection(pages, driver):
    name = articles(pages)[1]
    load(driver, pages / f"{name}.html")
    ids = [r["id"] for r in read_rows(pages / f"{name}.tsv")]
    body = driver.find_element(By.TAG_NAME, "body")

    def selected() -> list[str]:
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('tr.pair.selected')).map(r => r.id)")

    body.send_keys("j")
    assert selected() == [ids[0]]
    body.send_keys("jjj")
    assert selected() == [ids[3]]
    body.send_keys("k")
    assert selected() == [ids[2]]
    body.send_keys("j" * 60)  # far down: the selected row is scrolled into view
    assert selected() == [ids[min(62, len(ids) - 1)]]
    in_view = driver.execute_script("""
      var r = document.querySelector('tr.pair.selected').getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;""")
    assert in_view is True
    assert driver.execute_script("return window.scrollY") > 0
    # with the filter on, j/k skip unflagged rows
    flagged = [r["id"] for r in read_rows(pages / f"{name}.tsv") if r["flags"]]
    body.send_keys(Keys.ESCAPE)
    assert selected() == []
    body.send_keys("f")
    body.send_keys("jj")
    assert selected() == flagged[1:2]
    assert_no_console_errors(driver)


def test_injected_markup_never_runs_and_shows_literally(pages, driver):
    load(driver, pages / f"{EVIL}.html")
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.find_elements(By.CSS_SELECTOR, "#pairs img, #pairs script") == []
    row = driver.find_element(By.ID, "p1s1")
    french = row.find_element(By.CSS_SELECTOR, "td.src").text
    english = row.find_element(By.CSS_SELECTOR, "td.tgt").text
    assert EVIL_SCRIPT in french and EVIL_IMG in french
    assert EVIL_SCRIPT in english and EVIL_IMG in english
    assert EVIL_SCRIPT in row.find_element(By.CSS_SELECTOR, "td.flags").text
    # the page's own script did run (the CSP lets it, and only it)
    row.find_element(By.CSS_SELECTOR, "td.src").click()
    assert "counterpart" in row.find_element(By.CSS_SELECTOR, "td.tgt").get_attribute("class")
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert_no_console_errors(driver)


def test_index_lists_every_article_with_counts_and_the_manifest(pages, driver):
    load(driver, pages / "index.html")
    manifest = json.loads((pages / "manifest.json").read_text(encoding="utf-8"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#articles tbody tr.article")
    assert [r.get_attribute("data-name") for r in rows] == [a["name"] for a in manifest["articles"]]
    for row, article in zip(rows, manifest["articles"]):
        cells = row.find_elements(By.TAG_NAME, "td")
        assert cells[1].text == str(article["sentences"])
        for code, n in article["flags"].items():
            assert row.find_element(By.CSS_SELECTOR, f'td[data-code="{code}"]').text == str(n)
    footer = driver.find_element(By.ID, "manifest").text
    assert manifest["engine"]["model"] in footer and manifest["signature"] in footer
    assert manifest["created"] in footer and manifest["engine"]["revision"] in footer
    # links work from file://, and the article footer names the model too
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert driver.current_url.endswith(f"{manifest['articles'][0]['name']}.html")
    assert manifest["engine"]["model"] in driver.find_element(By.ID, "run-info").text
    assert_no_console_errors(driver)


def test_longest_article_loads_quickly(pages, driver):
    name = max(articles(pages), key=lambda n: sum(1 for _ in read_rows(pages / f"{n}.tsv")))
    seconds = load(driver, pages / f"{name}.html")
    timing = driver.execute_script(
        "var t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, t.loadEventEnd];")
    print(f"\n{name}: {len(driver.execute_script(ROWS_JS))} rows, driver.get {seconds:.2f} s, "
          f"DOMContentLoaded {timing[0]:.0f} ms, load {timing[1]:.0f} ms")
    assert timing[1] < 5000  # generous: a shared CI machine


def test_print_layout_keeps_both_columns_and_term_marks(pages, driver):
    name = articles(pages)[1]
    load(driver, pages / f"{name}.html")
    driver.find_element(By.TAG_NAME, "body").send_keys("f")  # the filter is for the screen only
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        state = driver.execute_script("""
          var shown = function (el) { return el.getClientRects().length > 0; };
          var mark = document.querySelector('td.tgt mark.term') || document.querySelector('mark.term');
          return {controls: shown(document.querySelector('.controls')),
                  rows: Array.from(document.querySelectorAll('tr.pair')).filter(shown).length,
                  columns: shown(document.querySelector('td.src')) && shown(document.querySelector('td.tgt')),
                  mark: mark ? getComputedStyle(mark).backgroundColor : null,
                  body: getComputedStyle(document.body).backgroundColor};""")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert state["controls"] is False and state["columns"] is True
    assert state["rows"] == sum(1 for _ in read_rows(pages / f"{name}.tsv"))
    assert state["body"] in ("rgba(0, 0, 0, 0)", "transparent")
    if state["mark"] is not None:
        assert state["mark"] not in ("rgba(0, 0, 0, 0)", "transparent")


def test_narrow_window_does_not_scroll_sideways(pages, driver):
    name = articles(pages)[1]
    try:
        driver.set_window_size(420, 900)
        load(driver, pages / f"{name}.html")
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth") is True
    finally:
        driver.set_window_size(1400, 1000)


@pytest.fixture(scope="module")
def translated_html(tiny_model, tmp_path_factory) -> Path:
    """tests/data/altman-html.html translated by `align translate` (tiny model)."""
    from align.mt.engines.base import GenerationSettings
    from align.mt.engines.transformers import TransformersEngine
    from align.pipeline.run import translate_paths

    out = tmp_path_factory.mktemp("html_article")
    engine = TransformersEngine(str(tiny_model), GenerationSettings(beams=1, length_ratio=1.0, length_slack=4))
    report = translate_paths([ROOT / "tests" / "data" / "altman-html.html"], engine, out)
    assert not report.failed
    return out / "altman-html.en.html"


def test_translated_html_article_loads_without_console_errors(translated_html, driver):
    load(driver, translated_html)
    assert driver.execute_script("return document.documentElement.dataset.ready") == "1"  # its own script ran
    counts = driver.execute_script(
        "return ['h2', 'li', 'p', 'a', 'pre', 'title'].map(function (t) { return document.getElementsByTagName(t).length; });")
    assert counts == [11, 5, 11, 3, 1, 1]
    assert driver.execute_script("return document.querySelector('pre').textContent") == 'print("AGI")'
    assert driver.execute_script("return window.__pwned") is None

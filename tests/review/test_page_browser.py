"""The review page follows each save, in a real browser (Selenium + headless
Chromium against `align review` as a process, on 127.0.0.1): flags and counts
without a reload, the index, one-line edits, the sign-in file, the index at 1400 px."""
from __future__ import annotations


import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from align.document import Term
from align.segment import segment_document
from align.read.sources import read_text
from align.output.writers import TsvWriter, TxtWriter
from align.output.writers.html import HtmlWriter
from align.output.writers.tsv import read_rows
from test_browser import assert_no_console_errors, driver, pytestmark  # noqa: F401  (fixture, skip marker)
from test_review_server import serving

TEXT = "Le conseil d'administration se réunit. Le chien aboie.\n\nLa pluie tombe."


@pytest.fixture
def server(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    document = segment_document(read_text(TEXT, "alpha"))
    english = ["The board of directors meets.", "The dog barks.", "The rain falls."]
    for pair, target in zip(document.translatable_pairs(), english):
        pair.target, pair.origin = target, "model"
    board = next(document.translatable_pairs())
    board.terms = [Term("conseil d'administration", 3, 27, "board of directors", entry="conseil d'administration",
                        status="model", target_start=4, target_end=22)]
    for writer in (TsvWriter(), TxtWriter(), HtmlWriter()):
        writer.write(document, out)
    from align.output.writers.html import render_index
    (out / "index.html").write_text(render_index({"articles": [{"name": "alpha", "sentences": 3,
                                                                "terms": {"model": 1}, "term_accuracy": 1.0}],
                                                  "counts": {"term_accuracy": 1.0, "terms": {"model": 1}}}),
                                    encoding="utf-8")
    with serving(out) as (base, token):
        yield out, base, token


def sign_in(driver, base, token):
    """As `align review` signs a browser in: the private local file POSTs the token."""
    from align.review.server import write_login_file

    login = write_login_file(f"{base}/", token)
    try:
        driver.get(login.as_uri())
        WebDriverWait(driver, 20).until(lambda d: d.current_url == f"{base}/")
    finally:
        login.unlink()
        login.parent.rmdir()
    assert token not in driver.current_url
    driver.get_log("browser")  # the sign-in's own page


def edit(driver, sentence, text):
    driver.find_element(By.CSS_SELECTOR, f"#{sentence} td.tgt").click()
    box = driver.find_element(By.CSS_SELECTOR, f"#{sentence} textarea.edit-text")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(text)
    return box


def test_a_save_updates_flags_counts_and_the_index_without_a_reload(server, driver):
    out, base, token = server
    sign_in(driver, base, token)
    driver.get(f"{base}/alpha.html")
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.body.classList.contains('editable')"))
    assert driver.find_element(By.CSS_SELECTOR, '.flag-counts .badge[data-code="term-failed"]').text == \
        "term failed: 0"
    box = edit(driver, "p1s1", "The council meets.")  # drops the glossary's target
    box.send_keys(Keys.CONTROL, Keys.ENTER)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "p1s1").get_attribute("data-version") == "1")
    row = driver.find_element(By.ID, "p1s1")
    assert row.get_attribute("data-flags") == "term-failed" and "flagged" in row.get_attribute("class")
    assert row.find_element(By.CSS_SELECTOR, "td.flags .badge").text == "term failed: board of directors"
    assert driver.find_element(By.CSS_SELECTOR, '.flag-counts .badge[data-code="term-failed"]').text == \
        "term failed: 1"
    assert driver.find_element(By.ID, "flagged-count").text == "1"
    # the index, served and on disk, says what the TSV now says
    driver.get(f"{base}/")
    assert "Term accuracy 0.0%" in driver.find_element(By.TAG_NAME, "header").text
    assert driver.find_element(By.CSS_SELECTOR, 'tr.article td[data-code="term-failed"]').text == "1"
    assert "Term accuracy 0.0%" in (out / "index.html").read_text(encoding="utf-8")
    assert_no_console_errors(driver)


def test_line_breaks_in_an_edit_are_refused_visibly(server, driver):
    out, base, token = server
    sign_in(driver, base, token)
    driver.get(f"{base}/alpha.html")
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.body.classList.contains('editable')"))
    box = edit(driver, "p1s2", "The dog")
    box.send_keys(Keys.ENTER)
    box.send_keys(" barks.")
    message = driver.find_element(By.CSS_SELECTOR, "#p1s2 .edit-message")
    assert message.text == "A sentence is one line: line breaks are not kept (Ctrl+Enter saves)."
    assert box.get_attribute("value") == "The dog barks."
    # pasted text with a line break: the break becomes a space, and the page says so
    driver.execute_script("arguments[0].value = 'The dog\\nbarks loudly.';"
                          "arguments[0].dispatchEvent(new Event('input'));", box)
    assert box.get_attribute("value") == "The dog barks loudly."
    box.send_keys(Keys.CONTROL, Keys.ENTER)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "p1s2").get_attribute("data-version") == "1")
    assert {r["id"]: r["en"] for r in read_rows(out / "alpha.tsv")}["p1s2"] == "The dog barks loudly."
    assert_no_console_errors(driver)


def test_the_index_fits_1400_pixels(server, driver):
    """No sideways scrolling, and long names on two lines at most, in a 1,400-pixel
    window (the driver's), with every kind of flag in the run."""
    out, base, token = server
    from align.output.writers.html import render_index

    flags = {code: 1 for code in ("term-forced", "term-late", "term-failed", "length-ratio", "untranslated",
                                  "repetition", "split", "truncated", "low-confidence", "source-changed",
                                  "correction-reused", "markup-moved")}
    names = [f"2024/politique-internationale/un-titre-d-article-assez-long-{n:03d}_691388031b0927c0"
             for n in range(5)]
    manifest = {"articles": [{"name": name, "sentences": 113, "terms": {"model": 110, "forced": 101},
                              "term_accuracy": 1.0, "flags": flags} for name in names]}
    progress = {name: {"total": 113, "translated": 100, "reviewed": 10, "approved": 2, "needs-work": 1}
                for name in names}
    page = out / "wide-index.html"
    page.write_text(render_index(manifest, progress), encoding="utf-8")
    driver.get(page.as_uri())
    width, visible = driver.execute_script("var w = document.querySelector('.table-wrap');"
                                           "return [w.scrollWidth, w.clientWidth];")
    assert width <= visible
    lines = driver.execute_script("return Array.from(document.querySelectorAll('td.name a'))"
                                  ".map(function (a) { return a.getClientRects().length; });")
    assert len(lines) == 5 and max(lines) <= 2

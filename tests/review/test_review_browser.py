"""The editable review page in a real browser, against `align review` running
as a process (Selenium + headless Chromium, set up as in test_browser.py).

Articles are hand-made (no model): the page, the server and the files are
what is tested.
"""
from __future__ import annotations

import signal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from align.segment import segment_document
from align.read.sources import read_text
from align.output.writers import TsvWriter, TxtWriter
from align.output.writers.html import HtmlWriter
from align.output.writers.tsv import read_rows
from test_browser import assert_no_console_errors, driver, pytestmark  # noqa: F401  (fixture, skip marker)
from test_review_server import HOSTILE, serving, start

TEXT = ("Le chat dort. Le chien aboie. La pluie tombe.\n\n"
        "Le vent souffle. La mer monte. Le soleil brille.")
SCORES = [-0.4, -1.9, -0.5, -0.7, -2.6, -0.3]


@pytest.fixture
def server(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    document = segment_document(read_text(TEXT, "alpha"))
    for pair, score in zip(document.translatable_pairs(), SCORES):
        pair.target, pair.origin, pair.score = f"EN {pair.source}", "model", score
    for writer in (TsvWriter(), TxtWriter(), HtmlWriter()):
        writer.write(document, out)
    with serving(out) as (base, token):
        yield out, base, token


def open_page(driver, base, token, name="alpha"):
    driver.get_log("browser")
    driver.get(f"{base}/{name}.html?token={token}")
    assert driver.current_url == f"{base}/{name}.html"  # the token left the address bar
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.body.classList.contains('editable')"))


def row(driver, sentence):
    return driver.find_element(By.ID, sentence)


def wait_version(driver, sentence, version):
    WebDriverWait(driver, 20).until(
        lambda d: d.find_element(By.ID, sentence).get_attribute("data-version") == str(version))


def tsv(out):
    return {r["id"]: r for r in read_rows(out / "alpha.tsv")}


def edit(driver, sentence, text, keys_only=False):
    if not keys_only:
        row(driver, sentence).find_element(By.CSS_SELECTOR, "td.tgt").click()
    box = driver.find_element(By.CSS_SELECTOR, f"#{sentence} textarea.edit-text")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(text)
    box.send_keys(Keys.CONTROL, Keys.ENTER)


def test_edit_save_reload_and_approve(server, driver):
    out, base, token = server
    open_page(driver, base, token)
    edit(driver, "p1s2", "The dog barks.")
    wait_version(driver, "p1s2", 1)
    assert driver.find_elements(By.CSS_SELECTOR, "textarea.edit-text") == []
    assert tsv(out)["p1s2"]["en"] == "The dog barks." and tsv(out)["p1s2"]["status"] == "reviewed"
    assert driver.find_element(By.ID, "progress-reviewed").text == "1"
    driver.refresh()
    assert row(driver, "p1s2").find_element(By.CSS_SELECTOR, "td.tgt").text == "The dog barks."
    assert row(driver, "p1s2").find_element(By.CSS_SELECTOR, ".status").text == "reviewed"
    # approve with the key, then filter by status
    row(driver, "p1s2").find_element(By.CSS_SELECTOR, "td.src").click()
    driver.find_element(By.TAG_NAME, "body").send_keys("a")
    wait_version(driver, "p1s2", 2)
    assert tsv(out)["p1s2"]["status"] == "approved"
    assert driver.find_element(By.ID, "progress-approved").text == "1"
    driver.find_element(By.CSS_SELECTOR, "#status-filter option[value='approved']").click()
    visible = driver.execute_script("return Array.from(document.querySelectorAll('tr.pair'))"
                                    ".filter(r => r.getClientRects().length).map(r => r.id)")
    assert visible == ["p1s2"]
    assert driver.find_element(By.ID, "shown-count").text == "1 of 6 rows shown"
    driver.find_element(By.CSS_SELECTOR, "#status-filter option[value='translated']").click()
    assert driver.find_element(By.ID, "shown-count").text == "5 of 6 rows shown"
    # the static page and the index agree
    static = (out / "alpha.html").read_text(encoding="utf-8")
    assert "The dog barks." in static and 'data-status="approved"' in static
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'title="0 reviewed / 1 approved / 0 needs work of 6">0 / 1 / 0 of 6<' in index
    assert_no_console_errors(driver)


def test_conflicting_save_from_a_second_window_is_shown(server, driver):
    out, base, token = server
    open_page(driver, base, token)
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        open_page(driver, base, token)
        second = driver.current_window_handle
        driver.switch_to.window(first)
        edit(driver, "p2s1", "The wind blows.")
        wait_version(driver, "p2s1", 1)
        driver.switch_to.window(second)  # still shows version 0
        edit(driver, "p2s1", "The wind is blowing.")
        message = driver.find_element(By.CSS_SELECTOR, "#p2s1 .edit-message")
        WebDriverWait(driver, 20).until(lambda d: "Conflict" in message.text)
        assert "was saved elsewhere since you opened it (version 1, yours 0); reload to see it" in message.text
        assert "The wind blows." in message.text
        assert tsv(out)["p2s1"]["en"] == "The wind blows."
        driver.close()
    finally:
        driver.switch_to.window(first)


def test_hostile_text_typed_into_an_edit_never_runs(server, driver):
    out, base, token = server
    open_page(driver, base, token)
    edit(driver, "p1s1", HOSTILE)
    wait_version(driver, "p1s1", 1)
    for page in (f"{base}/alpha.html", (out / "alpha.html").resolve().as_uri()):
        driver.get(page)
        assert row(driver, "p1s1").find_element(By.CSS_SELECTOR, "td.tgt").text == HOSTILE
        assert driver.execute_script("return typeof window.__pwned") == "undefined"
        assert driver.find_elements(By.CSS_SELECTOR, "#pairs img, #pairs script") == []
    assert tsv(out)["p1s1"]["en"] == HOSTILE


def test_keyboard_only_review_of_three_sentences(server, driver):
    out, base, token = server
    open_page(driver, base, token)
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys("j")                 # p1s1: edit with e, save with Ctrl+Enter
    body.send_keys("e")
    edit(driver, "p1s1", "The cat sleeps.", keys_only=True)
    wait_version(driver, "p1s1", 1)
    driver.find_element(By.TAG_NAME, "body").send_keys("j")   # p1s2: approve as it is
    driver.find_element(By.TAG_NAME, "body").send_keys("a")
    wait_version(driver, "p1s2", 1)
    driver.find_element(By.TAG_NAME, "body").send_keys("j")   # p1s3: Enter edits, Esc cancels, n
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ENTER)
    box = driver.find_element(By.CSS_SELECTOR, "#p1s3 textarea.edit-text")
    assert driver.switch_to.active_element == box
    box.send_keys(Keys.ESCAPE)
    assert driver.find_elements(By.CSS_SELECTOR, "textarea.edit-text") == []
    driver.find_element(By.TAG_NAME, "body").send_keys("n")
    wait_version(driver, "p1s3", 1)
    rows = tsv(out)
    assert [(rows[s]["en"], rows[s]["status"]) for s in ("p1s1", "p1s2", "p1s3")] == [
        ("The cat sleeps.", "reviewed"), ("EN Le chien aboie.", "approved"), ("EN La pluie tombe.", "needs-work")]
    assert driver.find_element(By.ID, "progress-needs-work").text == "1"
    assert_no_console_errors(driver)


def test_sort_by_confidence_puts_the_lowest_scores_first(server, driver):
    out, base, token = server
    open_page(driver, base, token)
    order = "return Array.from(document.querySelectorAll('#pairs tr.pair')).map(r => r.id)"
    document_order = driver.execute_script(order)
    driver.find_element(By.ID, "sort-confidence").click()
    assert driver.execute_script(order) == ["p2s2", "p1s2", "p2s1", "p1s3", "p1s1", "p2s3"]
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys("j")   # j follows the sorted order
    assert driver.execute_script("return document.querySelector('tr.pair.selected').id") == "p2s2"
    body.send_keys("s")
    assert driver.execute_script(order) == document_order
    assert_no_console_errors(driver)


def test_two_servers_side_by_side_keep_their_own_tokens(server, driver, tmp_path):
    out, base, token = server
    from test_review_server import make_folder
    other_process, other_url = start(make_folder(tmp_path / "other", names=("gamma",)))
    try:
        other_base, other_token = other_url.split("/?token=")
        open_page(driver, base, token)
        open_page(driver, other_base, other_token, name="gamma")
        driver.get(f"{base}/alpha.html")   # the first server's cookie survived the second's
        assert driver.find_elements(By.CSS_SELECTOR, "tr.pair")
    finally:
        other_process.send_signal(signal.SIGINT)
        other_process.communicate(timeout=30)


def test_an_article_of_a_subfolder_is_edited_in_the_browser(server, driver):
    out, base, token = server
    document = segment_document(read_text(TEXT, "2024/gamma"))
    for pair in document.translatable_pairs():
        pair.target, pair.origin, pair.score = f"EN {pair.source}", "model", -0.5
    for writer in (TsvWriter(), TxtWriter(), HtmlWriter()):
        writer.write(document, out)
    assert (out / "2024" / "gamma.tsv").is_file()
    open_page(driver, base, token, name="2024/gamma")
    edit(driver, "p1s2", "The dog barks.")
    wait_version(driver, "p1s2", 1)
    assert {r["id"]: r for r in read_rows(out / "2024" / "gamma.tsv")}["p1s2"]["en"] == "The dog barks."
    assert tsv(out)["p1s2"]["en"] == "EN Le chien aboie."  # alpha, at the top, untouched
    assert_no_console_errors(driver)

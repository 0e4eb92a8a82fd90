"""Numbers that sit side by side on the review page and the index count the same
thing, or each says what it counts (issue 31): flags beside term occurrences,
sentences (metadata included) beside the review's "of N translated". Read from the
pages of a real run (sources_fr/, the project glossary), parsed with lxml."""
from __future__ import annotations

import json
import re

import lxml.html
import pytest

from align.output.writers.html import render_index
from align.output.writers.tsv import read_rows


def number(element) -> int:
    return int(element.text_content().strip())


@pytest.fixture(scope="module")
def run(translated):
    result, out = translated
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, manifest


@pytest.fixture(scope="module")
def article_with_metadata(run):
    """The article whose first row is a metadata line (copied, not reviewed)."""
    out, _ = run
    name = "000_691388031b0927c0"
    rows = list(read_rows(out / f"{name}.tsv"))
    assert rows[0]["origin"] == "metadata"
    page = lxml.html.fromstring((out / f"{name}.html").read_text(encoding="utf-8"))
    return name, rows, page


def test_sentences_and_the_review_total_agree_and_say_what_they_count(article_with_metadata):
    _, rows, page = article_with_metadata
    metadata = sum(1 for row in rows if row["origin"] == "metadata")
    assert metadata >= 1
    sentences = number(page.get_element_by_id("sentence-count"))
    translated = number(page.get_element_by_id("translated-count"))
    review_total = number(page.get_element_by_id("progress-total"))
    assert sentences == len(rows)
    assert translated == review_total == sentences - number(page.get_element_by_id("metadata-count"))
    assert number(page.get_element_by_id("metadata-count")) == metadata
    header = " ".join(page.xpath("//header//div[@class='summary']")[0].text_content().split())
    assert f"Sentences {sentences} ({translated} translated, {metadata} metadata copied as is)" in header
    assert f"needs work · of {review_total} translated" in header


def test_flags_rows_and_term_occurrences_are_each_labelled_and_each_right(article_with_metadata):
    _, rows, page = article_with_metadata
    terms = [term for row in rows for term in json.loads(row["terms"] or "[]")]
    forced_terms = sum(1 for term in terms if term["status"] == "forced")
    forced_flags = sum(flag.startswith("term-forced:") for row in rows for flag in row["flags"].split("; "))
    forced_rows = sum(1 for row in rows if "term-forced" in row["flags"])
    assert forced_flags > forced_rows > 0   # flags are not rows: the chip says it counts flags
    chips = page.xpath("//div[@class='flag-counts']")[0]
    assert " ".join(chips.text_content().split()).startswith("Flags (a row can have several):")
    chip = chips.xpath(".//span[@data-code='term-forced']")[0]
    assert int(chip.get("data-count")) == forced_flags and chip.text_content().strip() == f"term forced: {forced_flags}"
    assert chip.get("title").startswith("flags of this kind: ")
    flagged_rows = number(page.get_element_by_id("flagged-count"))
    assert flagged_rows == sum(1 for row in rows if row["flags"])
    occurrences = page.get_element_by_id("term-occurrences").text_content()
    assert re.fullmatch(r"\(term occurrences: \d+ by the model, (\d+) forced, \d+ failed\)", occurrences)
    assert int(re.search(r"(\d+) forced", occurrences).group(1)) == forced_terms


def test_the_index_says_its_sentences_include_the_metadata_the_review_leaves_out(run):
    out, manifest = run
    progress = {}
    for article in manifest["articles"]:
        rows = list(read_rows(out / f"{article['name']}.tsv"))
        translated = sum(1 for row in rows if row["origin"] != "metadata")
        progress[article["name"]] = {"total": translated, "translated": translated, "reviewed": 0,
                                     "approved": 0, "needs-work": 0}
        assert article["sentences"] == len(rows)
    page = lxml.html.fromstring(render_index(manifest, progress))
    sentences = sum(article["sentences"] for article in manifest["articles"])
    translated = sum(p["total"] for p in progress.values())
    assert translated < sentences
    title = " ".join(page.xpath("//h1")[0].text_content().split())
    assert title == (f"align review: {len(manifest['articles'])} articles, {sentences} sentences "
                     f"({translated} translated, {sentences - translated} metadata copied as is)")
    [review_header] = [th for th in page.xpath("//thead//th") if th.text_content().startswith("Review")]
    assert " ".join(review_header.text_content().split()) == "Review r / a / n of translated"
    total_row = page.xpath("//tfoot/tr")[0]
    assert f"of {translated}" in total_row.xpath("./td[contains(@class, 'review')]")[0].text_content()
    assert number(total_row.xpath("./td")[1]) == sentences

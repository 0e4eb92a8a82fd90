"""What real HTML pages showed untranslated or half-translated: form hints and
accessible names, a button's label, a description written over several lines, an
inner lang="fr" on words now English, front matter at the top of the page; and an
empty translation is flagged. lxml reads the results."""
from __future__ import annotations

import lxml.html

from align.checks.pair import check_pair
from align.document import SentencePair
from align.read.formats.html import HtmlFormat
from test_formats import round_trip, translate_with

PAGE = '''<html lang="fr"><head><meta name="description" content="
    Le site officiel de la mairie.
  "></head><body>
<form><input type="text" placeholder="Votre adresse" value="dupont"><input type="submit" value="Envoyer le formulaire">
<button aria-label="Fermer la fenêtre">X</button></form>
<p>Un texte <span lang="fr">en français</span> ici.</p>
</body></html>
'''
ENGLISH = {"Le site officiel de la mairie.": "The town hall's official site.", "Votre adresse": "Your address",
           "Envoyer le formulaire": "Send the form", "Fermer la fenêtre": "Close the window",
           "Un texte en français ici.": "A text in French here."}


def translated_page():
    assert round_trip(HtmlFormat(), PAGE.encode(), "t.html").decode() == PAGE
    return lxml.html.document_fromstring(translate_with(HtmlFormat(), PAGE, ENGLISH).encode())


def test_hints_accessible_names_and_button_labels_are_translated_and_data_is_not():
    page = translated_page()
    text_input, submit = page.iter("input")
    assert (text_input.get("placeholder"), text_input.get("value")) == ("Your address", "dupont")
    assert submit.get("value") == "Send the form"
    assert next(page.iter("button")).get("aria-label") == "Close the window"


def test_a_description_over_several_lines_is_translated_with_its_line_breaks_kept():
    (meta,) = [m for m in translated_page().iter("meta") if m.get("name") == "description"]
    assert meta.get("content") == "\n    The town hall's official site.\n  "


def test_french_declared_inside_a_translated_paragraph_becomes_english():
    page = translated_page()
    assert page.get("lang") == "en" and [s.get("lang") for s in page.iter("span")] == ["en"]


def test_a_page_untranslated_keeps_its_french_declarations():
    page = lxml.html.document_fromstring(translate_with(HtmlFormat(), PAGE, {}).encode())
    assert page.get("lang") == "fr" and [s.get("lang") for s in page.iter("span")] == ["fr"]


def test_front_matter_at_the_top_of_a_page_is_kept():
    page = "---\ntitle: 'Élément <br>'\nslug: Web/HTML/Element/br\ntags:\n  - HTML\n---\n<p>Le texte.</p>\n"
    english = translate_with(HtmlFormat(), page, {"Le texte.": "The text."})
    assert english == "---\ntitle: 'Élément <br>'\nslug: Web/HTML/Element/br\ntags:\n  - HTML\n---\n<p>The text.</p>\n"


def test_an_empty_translation_of_words_is_flagged():
    pair = SentencePair(source="ok", target="", paragraph=1, number=1)
    check_pair(pair)
    assert [flag.code for flag in pair.flags] == ["empty"]
    pair = SentencePair(source="—", target="", paragraph=1, number=1)
    check_pair(pair)
    assert pair.flags == []

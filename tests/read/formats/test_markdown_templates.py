"""Template values in Markdown (align.read.protect's `template`), through the pipeline:
copied they come back byte for byte; with each sentence's words reversed every
element and word reads as it did (tests/test_document_path.py's reader: a template
value is one word with what is glued to it).

- a value glued to a path or quotes (`"{{ base }}/api/{id}"`) moves as one word;
- a value opened on one line and closed on a later one (`{{ component("table", {`
  … `}) }}`) is kept whole, its French strings never translated word by word."""
from __future__ import annotations

import pytest

from align.pipeline.run import translate_paths
from copy_engines import CopyEngine, ReverseEngine
from test_document_path import markdown_reading


def pipeline(markdown: str, engine, folder) -> str:
    (folder / "src").mkdir(exist_ok=True)
    (folder / "src" / "a.md").write_text(markdown, encoding="utf-8")
    translate_paths([folder / "src" / "a.md"], engine, folder / engine.name,
                    glossary=None, typography="keep", numbers="flag")
    return (folder / engine.name / "a.en.md").read_text(encoding="utf-8")


CALL = ('{{ component("table", {\n    headers: ["Corps de requête Multipart"],\n'
        '    data: [\n        ["file = &lt;installation.gpkg&gt;"]\n    ]\n}) }}')

DOCUMENTS = [
    'Consultez "{{ urls.api_entrepot }}/datastores/{datastore}/processings" pour la liste.\n',
    "Pour [{{ urls.api }}/swagger-ui/index.html]({{ urls.api }}/swagger-ui/index.html){target=\"_blank\"} voir.\n",
    "Le fichier {{ site.url }}{{ page.url }}.html est servi tel quel.\n",
    "Voici le tableau des champs :\n" + CALL + "\net la suite du texte.\n",
    "- Un élément avec son tableau :\n  " + CALL.replace("\n", "\n  ") + "\n  et la suite.\n",
    CALL + "\n\nUn paragraphe après.\n",
]


@pytest.mark.parametrize("markdown", DOCUMENTS)
def test_template_values_keep_their_words(markdown, tmp_path):
    assert pipeline(markdown, CopyEngine(), tmp_path) == markdown
    english = pipeline(markdown, ReverseEngine(), tmp_path)
    assert markdown_reading(english) == markdown_reading(markdown)


@pytest.mark.parametrize("markdown", DOCUMENTS[3:])
def test_a_value_over_several_lines_is_kept_whole(markdown, tmp_path):
    english = pipeline(markdown, ReverseEngine(), tmp_path)
    call = CALL if markdown.startswith(("Voici", "{{")) else CALL.replace("\n", "\n  ")
    assert call in english


# Hugo links whose destination is a shortcode, and sentences with no space after their
# end: each word stays the word a reader reads (the shortcode a placeholder in its word).
GLUED = [
    "Plus d'informations peuvent être trouvées [en-dessous]({{< ref \"#ancres-titre-hugo\" >}}).\n",
    "* [Taille d'image, ombres...]({{%relref \"cont/markdown.fr.md#images\" %}})\n",
    "Contactez-nous via le formulaire de contact!(actuellement en anglais) Merci.\n",
]


@pytest.mark.parametrize("markdown", GLUED)
def test_words_glued_to_shortcodes_and_punctuation_stay_words(markdown, tmp_path):
    assert pipeline(markdown, CopyEngine(), tmp_path) == markdown
    english = pipeline(markdown, ReverseEngine(), tmp_path)
    assert markdown_reading(english) == markdown_reading(markdown)

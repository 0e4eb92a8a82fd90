"""Build tests/data/altman-{md,html,docx}.* from sources_fr/004_4308e03e8e9adbfa.txt.

The same article in each format, with the markup people use: headings, list
items, bold, italic, links, inline code, a code block (and front matter, a
script and a style in the formats that have them). Run from the repository
root: python3 tests/data/make_article_formats.py
"""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "sources_fr" / "004_4308e03e8e9adbfa.txt"
OUT = ROOT / "tests" / "data"
URL = "https://www.microsoft.com/fr-fr/?ref=align&lang=fr"
CODE = 'print("AGI")'


def blocks() -> list[tuple[str, str]]:
    """(kind, text): "h" for headings (short lines without a final period), "li", "p"."""
    out = []
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            out.append(("li", line[2:]))
        elif len(line) < 70 and not line.endswith("."):
            out.append(("h", line))
        else:
            out.append(("p", line))
    return out


def marked(text: str, bold, link, code) -> str:
    """The first "ChatGPT" in bold, the first "Microsoft" as a link, "GPT-4" as code."""
    text = re.sub(r"\bChatGPT\b", lambda m: bold(m.group()), text, count=1)
    text = re.sub(r"\bMicrosoft\b", lambda m: link(m.group()), text, count=1)
    return re.sub(r"\bGPT-4\b", lambda m: code(m.group()), text, count=1)


def markdown() -> str:
    lines = ["---", "title: L'IA selon Sam Altman", "layout: post", "---", ""]
    previous = None
    for kind, text in blocks():
        body = marked(text, lambda t: f"**{t}**", lambda t: f"[{t}]({URL})", lambda t: f"`{t}`")
        if kind != "li" and previous == "li":
            lines.append("")
        if kind == "h":
            lines += [f"## {body}", ""]
        elif kind == "li":
            lines.append(f"- {body}")
        else:
            lines += [body, ""]
        previous = kind
    lines += ["```python", CODE, "```", ""]
    return "\n".join(lines)


def html_page() -> str:
    def esc(text: str) -> str:
        return html.escape(text, quote=False)

    parts = ['<!DOCTYPE html>', '<html lang="fr">', "<head>", '<meta charset="utf-8">',
             "<title>L'IA selon Sam Altman</title>",
             "<style>body { font-family: serif; } code { color: #444; }</style>",
             '<script>document.documentElement.dataset.ready = "1";</script>', "</head>",
             '<body>', '<article title="Entrevue avec Sam Altman">']
    in_list = False
    for kind, text in blocks():
        body = marked(esc(text), lambda t: f"<b>{t}</b>", lambda t: f'<a href="{esc(URL)}">{t}</a>',
                      lambda t: f"<code>{t}</code>")
        if kind == "li" and not in_list:
            parts.append("<ul>")
            in_list = True
        if kind != "li" and in_list:
            parts.append("</ul>")
            in_list = False
        tag = {"h": "h2", "li": "li", "p": "p"}[kind]
        parts.append(f"<{tag}>{body}</{tag}>")
    parts += [f"<pre><code>{esc(CODE)}</code></pre>", "</article>", "</body>", "</html>", ""]
    return "\n".join(parts)


def docx_bytes() -> bytes:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_heading("L'IA selon Sam Altman", 1)

    def add(paragraph, text: str) -> None:
        pieces = re.split(r"(\bChatGPT\b|\bMicrosoft\b|\bGPT-4\b)", text)
        done = set()
        for piece in pieces:
            if piece in ("ChatGPT", "Microsoft", "GPT-4") and piece not in done:
                done.add(piece)
                if piece == "ChatGPT":
                    paragraph.add_run(piece).bold = True
                elif piece == "GPT-4":
                    paragraph.add_run(piece).italic = True
                else:
                    rel = paragraph.part.relate_to(URL, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
                    link = OxmlElement("w:hyperlink")
                    link.set(qn("r:id"), rel)
                    run = OxmlElement("w:r")
                    properties = OxmlElement("w:rPr")
                    style = OxmlElement("w:u")
                    style.set(qn("w:val"), "single")
                    properties.append(style)
                    run.append(properties)
                    text_element = OxmlElement("w:t")
                    text_element.text = piece
                    run.append(text_element)
                    link.append(run)
                    paragraph._p.append(link)
            elif piece:
                paragraph.add_run(piece)

    for kind, text in blocks():
        if kind == "h":
            document.add_heading(text, 2)
        elif kind == "li":
            add(document.add_paragraph(style="List Bullet"), text)
        else:
            add(document.add_paragraph(), text)
    table = document.add_table(rows=2, cols=2)
    for row, (name, value) in enumerate([("Entreprise", "OpenAI"), ("Lancement de ChatGPT", "2022")]):
        table.cell(row, 0).text = name
        table.cell(row, 1).text = value
    buffer = io.BytesIO()
    import datetime
    document.core_properties.created = datetime.datetime(2025, 1, 1)
    document.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    (OUT / "altman-md.md").write_text(markdown(), encoding="utf-8")
    (OUT / "altman-html.html").write_text(html_page(), encoding="utf-8")
    (OUT / "altman-docx.docx").write_bytes(docx_bytes())
    print("wrote", ", ".join(str(p) for p in sorted(OUT.glob("altman-*"))))

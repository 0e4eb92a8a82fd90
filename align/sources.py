"""Reading articles: bytes → text → paragraphs.

Decoding: UTF-8 (with or without BOM), UTF-16 with a BOM, and anything else as
cp1252 with a warning naming the file, since scraped Windows text is the usual
culprit. Newlines (CRLF, lone CR) are unified, text is NFC-normalised, and each
non-empty line is a paragraph: scraped articles use single line breaks between
paragraphs as often as blank lines.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from .document import METADATA, PROSE, Document, Paragraph
from .errors import InputError

# A leading metadata line of the scraper, e.g. " date 2025-01 Le deuxième…": the
# field may share its line with the first paragraph.
METADATA_RE = re.compile(r"\A[ \t]*(date)[ \t]+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*")

# Characters that are not text: C0/C1 controls except tab and newlines.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Typographic apostrophes are kept in the text; matching treats them as "'".
APOSTROPHES = "\u2019\u02bc\u2032\u00b4"
APOSTROPHE_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})


def plain_apostrophes(text: str) -> str:
    """Same length as `text`, with typographic apostrophes as ASCII ones."""
    return text.translate(APOSTROPHE_TABLE)


def decode(data: bytes, name: str = "<bytes>") -> tuple[str, str, list[str]]:
    """Decode file bytes; returns (text, encoding, warnings)."""
    warnings: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig", warnings
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", warnings
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: UTF-16 byte order mark but invalid UTF-16 ({exc.reason})") from None
    if b"\x00" in data:
        raise InputError(f"{name}: binary file (contains NUL bytes), not a text article")
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        warnings.append(f"{name}: not valid UTF-8, decoded as cp1252 (Windows Latin-1); check accented letters")
        return text, "cp1252", warnings


def normalize_text(text: str) -> str:
    """Unify newlines, apply NFC, and drop control characters (tabs become spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\t", " ").replace("\u2028", "\n").replace("\u2029", "\n")
    return CONTROL_RE.sub(" ", text)


def split_paragraphs(text: str) -> list[str]:
    """Each non-blank line is a paragraph, with its surrounding whitespace removed."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def parse(text: str, name: str) -> tuple[list[Paragraph], dict[str, str]]:
    """Paragraphs of a normalised text, the metadata line set apart."""
    metadata: dict[str, str] = {}
    paragraphs: list[Paragraph] = []
    match = METADATA_RE.match(text)
    if match:
        metadata[match.group(1)] = match.group(2)
        paragraphs.append(Paragraph(text=match.group(0).strip(), kind=METADATA))
        text = text[match.end():]
    paragraphs.extend(Paragraph(text=line, kind=PROSE) for line in split_paragraphs(text))
    for number, paragraph in enumerate(paragraphs, 1):
        paragraph.number = number
    return paragraphs, metadata


def read_text(text: str, name: str = "stdin") -> Document:
    paragraphs, metadata = parse(normalize_text(text), name)
    return Document(name=name, paragraphs=paragraphs, metadata=metadata)


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes; every failure is an InputError of one line naming the file."""
    path = Path(path)
    try:
        return path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: cannot read file (permission denied)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a text file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror})") from None


def read_document(path: str | Path, allow_empty: bool = False) -> Document:
    """Read one article. Raises InputError with a one-line message on bad input;
    an article with no text is one, unless `allow_empty`."""
    path = Path(path)
    from .formats import format_for  # Markdown, HTML, DOCX: by suffix

    article_format = format_for(path)
    if article_format is not None:
        document = article_format.read(path)
        if not allow_empty and not any(p.translatable for p in document.paragraphs):
            raise InputError(f"{path}: empty article (no text to translate)")
        return document
    text, encoding, warnings = decode(read_bytes(path), str(path))
    name = path.name[:-4] if path.name.lower().endswith(".txt") else path.name
    document = read_text(text, name)
    document.path = path
    document.encoding = encoding
    document.warnings = warnings
    if not allow_empty and not any(p.translatable for p in document.paragraphs):
        raise InputError(f"{path}: empty article (no text to translate)")
    return document


# Suffixes of articles in a folder: plain text and the formats of align.formats.
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx")


def find_articles(paths: list[str | Path]) -> tuple[list[Path], list[str]]:
    """Expand files and folders (their articles, ARTICLE_SUFFIXES, sorted) into article paths.

    Returns (articles, errors); a missing path or a folder with no .txt is an error
    line, and the other paths are still used.
    """
    articles: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES
                           and p.stem.lower() != "readme" and not p.is_dir())
            for candidate in found:
                if candidate.is_file():
                    articles.append(candidate)
                else:  # a broken symbolic link, a socket...
                    errors.append(f"{candidate}: not a readable file (broken link?)")
            if not found:
                errors.append(f"{path}: folder has no .txt articles")
        elif path.exists():
            articles.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    unique: list[Path] = []
    seen: set[Path] = set()
    for article in articles:
        key = article.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(article)
    return unique, errors

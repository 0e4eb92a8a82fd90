"""Text decoding, below every reader: bytes → text, and the text's normal form.

Decoding: UTF-8 (with or without BOM), UTF-16 with a BOM, and anything else as
cp1252 with a warning naming the file, since scraped Windows text is the usual
culprit. Newlines (CRLF, lone CR) are unified and text is NFC-normalised.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from ..errors import InputError

# Characters that are not text: C0/C1 controls except tab and newlines.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Typographic apostrophes are kept in the text; matching treats them as "'".
APOSTROPHES = "\u2019\u02bc\u2032\u00b4"
APOSTROPHE_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})


def plain_apostrophes(text: str) -> str:
    """Same length as `text`, with typographic apostrophes as ASCII ones."""
    for apostrophe in APOSTROPHES:  # (a few scans cost less than translate's lookup of each character)
        if apostrophe in text:
            return text.translate(APOSTROPHE_TABLE)
    return text


_SPACES_RE = re.compile(r"\s+")


def normalize_source(text: str) -> str:
    """A French sentence as the memory and the consistency store key it: NFC,
    whitespace collapsed and trimmed, typographic apostrophes as '."""
    text = unicodedata.normalize("NFC", text)
    return plain_apostrophes(_SPACES_RE.sub(" ", text).strip())


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


def utf8_text(data: bytes, path: str | Path) -> str:
    """A file that must be UTF-8 (a glossary, a patterns file), a BOM skipped; else an
    InputError naming the file and the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not valid UTF-8; save the file as UTF-8") from None

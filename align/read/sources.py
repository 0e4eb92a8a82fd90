"""Input trees: which articles the command line names (files, folders walked
with --include/--exclude, standard input) and their output names; each read by
its format (align.read.formats: plain text, Markdown, HTML, Word)."""
from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from ..document import Document
from ..errors import InputError, UsageError
from .formats import FORMAT_SUFFIXES, format_for
from .formats.text import PLAIN_TEXT, read_text
from .protect import DEFAULT as DEFAULT_PROTECTION


def read_document(path: str | Path, allow_empty: bool = False, protection=None) -> Document:
    """Read one article by its format (its suffix; any other file is plain text).
    Raises InputError with a one-line message on bad input; a plain-text article
    with no text is one, unless `allow_empty`. A Markdown, HTML or Word article
    with no words (code blocks, a table of links, a rule) is read all the same: it
    is copied as it is. `protection`: the syntax formatted articles keep out of
    translation (align.read.protect; None: the built-ins)."""
    path = Path(path)
    article_format = format_for(path)
    document = (article_format or PLAIN_TEXT).read(path, protection or DEFAULT_PROTECTION)
    if not allow_empty and article_format is None and not any(p.translatable for p in document.paragraphs):
        raise InputError(f"{path}: empty article (no text to translate)")
    return document


# The suffixes of article files found in folders (compared in lower case). Readers
# for other formats add theirs here; `find_articles` and `align pair` use it.
ARTICLE_SUFFIXES: tuple[str, ...] = PLAIN_TEXT.suffixes + FORMAT_SUFFIXES
# Files with an article suffix that are not articles.
NOT_ARTICLES = frozenset(f"readme{suffix}" for suffix in ARTICLE_SUFFIXES)
# The argument that reads one article from standard input.
STDIN = "-"
STDIN_NAME = "stdin"
# Output names a run writes itself (OUT/index.html): no top-level article may take them.
RESERVED_NAMES = frozenset({"index"})


@dataclass(frozen=True)
class Article:
    """One input article: where it comes from and its output name.

    `name` is the path of its outputs relative to the output folder, without
    suffix and with "/" between folders (``2024/intro`` → ``OUT/2024/intro.tsv``).
    `data` holds the bytes of an article read from standard input (`path` None).
    """

    name: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return str(self.path) if self.path is not None else STDIN


@dataclass
class Inputs:
    """What the command-line paths expand to: articles, and one line per problem.
    `unusable`: the lines (among `errors`) of paths named on the command line that
    give no article at all: missing, an empty folder, a folder without articles."""

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)

    def refuse_unusable_paths(self) -> None:
        """A path named on the command line that gives no article is a usage error
        (UsageError, one line naming each such path): said before any work."""
        if self.unusable:
            raise UsageError("; ".join(self.unusable) + "; nothing was translated")


def article_suffix(filename: str, suffixes: tuple[str, ...] | None = None) -> str | None:
    """The article suffix `filename` ends with (longest first), or None."""
    lower = filename.lower()
    for suffix in sorted(suffixes or ARTICLE_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(filename) > len(suffix):
            return filename[-len(suffix):]
    return None


def _strip_suffix(filename: str) -> str:
    suffix = article_suffix(filename)
    return filename[: -len(suffix)] if suffix else filename


def path_matches(relative: PurePosixPath, pattern: str) -> bool:
    """Whether an --include/--exclude glob matches a path relative to its input
    folder: a pattern with a "/" matches the whole path or a folder above it
    (``2024/*``, ``drafts/old``); one without matches any file or folder name in
    it (``*.draft.txt``, ``drafts``). `*` also crosses "/" (fnmatch)."""
    pattern = pattern.strip("/")
    text = relative.as_posix()
    if "/" in pattern:
        return fnmatch.fnmatchcase(text, pattern) or fnmatch.fnmatchcase(text, pattern + "/*")
    return any(fnmatch.fnmatchcase(part, pattern) for part in relative.parts)


def _selected(relative: PurePosixPath, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    if include and not any(path_matches(relative, p) for p in include):
        return False
    return not any(path_matches(relative, p) for p in exclude)


def walk_articles(folder: str | Path, *, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
                  skip: tuple[Path, ...] = (), suffixes: tuple[str, ...] | None = None
                  ) -> tuple[list[Path], list[str]]:
    """Article files anywhere under `folder` (sorted by name, folder by folder),
    and one line per problem: a symbolic link loop, a folder that cannot be read,
    a broken link. Hidden files and folders (``.git``, ``.align``) and the folders
    in `skip` (resolved paths, e.g. the output folder) are not entered."""
    suffixes = suffixes or ARTICLE_SUFFIXES
    root = Path(folder)
    found: list[Path] = []
    errors: list[str] = []
    skipped = {Path(p).resolve() for p in skip}

    def visit(directory: Path, relative: PurePosixPath, above: frozenset[tuple[int, int]]) -> None:
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            errors.append(f"{directory}: cannot read folder ({exc.strerror or exc}), skipped")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = directory / entry.name
            inner = relative / entry.name
            try:
                is_folder = entry.is_dir()  # follows links
            except OSError:
                is_folder = False
            if is_folder:
                try:
                    status = entry.stat()
                except OSError as exc:
                    errors.append(f"{path}: cannot read folder ({exc.strerror or exc}), skipped")
                    continue
                identity = (status.st_dev, status.st_ino)
                if identity in above:
                    errors.append(f"{path}: symbolic link loop (it leads back to a folder above it), skipped")
                    continue
                if skipped and path.resolve() in skipped:
                    continue
                if exclude and any(path_matches(inner, p) for p in exclude):
                    continue
                visit(path, inner, above | {identity})
                continue
            if article_suffix(entry.name, suffixes) is None or entry.name.lower() in NOT_ARTICLES:
                continue
            if not _selected(inner, include, exclude):
                continue
            try:
                readable = entry.is_file()
            except OSError:
                readable = False
            if readable:
                found.append(path)
            else:  # a broken symbolic link, a socket...
                errors.append(f"{path}: not a readable file (broken link?)")

    try:
        top = root.stat()
    except OSError as exc:
        return [], [f"{root}: cannot read folder ({exc.strerror or exc})"]
    visit(root, PurePosixPath(), frozenset({(top.st_dev, top.st_ino)}))
    return found, errors


def collect_articles(paths: list[str | Path], *, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
                     skip: tuple[Path, ...] = (), stdin_name: str | None = None,
                     read_stdin: Callable[[], bytes] | None = None, refuse_collisions: bool = True) -> Inputs:
    """Expand command-line paths into named articles.

    Folders are read recursively (their article files, through `include` and
    `exclude`); files are taken as given; ``-`` is one article read from
    `read_stdin`, named `stdin_name` (default ``stdin``). Output names are paths
    relative to the folder the inputs share (one folder: relative to it), so
    `DIR/2024/intro.txt` is ``2024/intro`` and ``a/x.txt`` and ``b/x.txt`` stay
    ``a/x`` and ``b/x``. Raises UsageError, naming both files, when two inputs
    would still write the same outputs (e.g. ``x.txt`` and ``X.txt``: one on
    case-insensitive disks); problems with single paths are error lines.
    """
    inputs = Inputs()
    # (anchor folder, path relative to it) for each article file; stdin apart.
    located: list[tuple[Path, PurePosixPath]] = []
    stdin_article: Article | None = None
    for raw in paths:
        if str(raw) == STDIN:
            if stdin_article is None:
                stdin_article = _stdin_article(stdin_name, read_stdin)
            continue
        path = Path(raw)
        if path.is_dir():
            found, errors = walk_articles(path, include=include, exclude=exclude, skip=skip)
            inputs.errors.extend(errors)
            located.extend((path, PurePosixPath(p.relative_to(path).as_posix())) for p in found)
            if not found and not errors:
                described = ", ".join(ARTICLE_SUFFIXES)
                filtered = " (after --include/--exclude)" if include or exclude else ""
                inputs.unusable.append(f"{path}: folder has no articles ({described}){filtered}")
                inputs.errors.append(inputs.unusable[-1])
        elif path.exists():
            located.append((path.parent, PurePosixPath(path.name)))
        else:
            inputs.unusable.append(f"{path}: no such file or folder")
            inputs.errors.append(inputs.unusable[-1])
    # The same file named twice (a folder and a file in it, a link) is read once.
    unique: list[tuple[Path, PurePosixPath]] = []
    seen: set[Path] = set()
    for anchor, relative in located:
        key = (anchor / relative).resolve()
        if key not in seen:
            seen.add(key)
            unique.append((anchor, relative))
    base = _common_folder([anchor for anchor, _ in unique])
    for anchor, relative in unique:
        prefix = _relative_folder(anchor, base)
        name = (prefix / relative).as_posix()
        inputs.articles.append(Article(name=_strip_suffix_path(name), path=anchor / relative))
    if stdin_article is not None:
        inputs.articles.append(stdin_article)
    if refuse_collisions:
        _refuse_collisions(inputs.articles)
    return inputs


def _strip_suffix_path(name: str) -> str:
    folder, _, filename = name.rpartition("/")
    return f"{folder}/{_strip_suffix(filename)}" if folder else _strip_suffix(filename)


def _common_folder(anchors: list[Path]) -> Path | None:
    if not anchors:
        return None
    try:
        return Path(os.path.commonpath([os.path.abspath(a) for a in anchors]))
    except ValueError:  # Windows: folders on different drives share nothing
        return None


def _relative_folder(anchor: Path, base: Path | None) -> PurePosixPath:
    if base is None:
        return PurePosixPath()
    relative = os.path.relpath(os.path.abspath(anchor), base)
    return PurePosixPath() if relative == "." else PurePosixPath(Path(relative).as_posix())


def _stdin_article(name: str | None, read_stdin: Callable[[], bytes] | None) -> Article:
    name = (name or STDIN_NAME).strip()
    relative = PurePosixPath(name.replace("\\", "/"))
    if not name or relative.is_absolute() or ".." in relative.parts or name.startswith("."):
        raise UsageError(f"--name {name!r}: give a relative name without '..', e.g. 2024/intro")
    if read_stdin is None:
        read_stdin = sys.stdin.buffer.read
    try:
        data = read_stdin()
    except OSError as exc:
        raise UsageError(f"{STDIN}: cannot read standard input ({exc.strerror or exc})") from None
    return Article(name=_strip_suffix_path(relative.as_posix()), data=data)


def _refuse_collisions(articles: list[Article]) -> None:
    """Two inputs, one output name: stop before any work (case-insensitively, as
    outputs are often copied to macOS or Windows disks)."""
    owners: dict[str, Article] = {}
    for article in articles:
        key = article.name.casefold()
        if key in RESERVED_NAMES:
            raise UsageError(f"{article}: its outputs would overwrite the run's own {article.name}.html; "
                             f"rename the file or put it in a sub-folder")
        if key in owners:
            raise UsageError(f"{owners[key]} and {article} would both be written as {article.name}.* "
                             f"in the output folder; rename one, or translate them in separate runs")
        owners[key] = article


def find_articles(paths: list[str | Path]) -> tuple[list[Path], list[str]]:
    """Expand files and folders (their article files, recursively, sorted) into
    article paths. Returns (articles, errors); a missing path or a folder with no
    article is an error line, and the other paths are still used."""
    inputs = collect_articles([p for p in paths if str(p) != STDIN], refuse_collisions=False)
    return [a.path for a in inputs.articles if a.path is not None], inputs.errors


def read_article(article: Article, allow_empty: bool = False, protection=None) -> Document:
    """Read one Article (a file, or standard input's bytes) under its output name."""
    if article.path is not None:
        document = read_document(article.path, allow_empty=allow_empty, protection=protection)
        document.name = article.name
        return document
    document = PLAIN_TEXT.parse(article.data or b"", STDIN)
    document.name = article.name
    if not allow_empty and not any(p.translatable for p in document.paragraphs):
        raise InputError(f"{STDIN}: empty article (no text to translate)")
    return document

"""MarianTokenizer's source side without transformers.

The CTranslate2 engine needs only each sentence's source pieces, and importing
transformers for them (with torch and sacremoses) cost about 3.5 s at the start
of every run. `MarianSourceTokenizer` reads the model folder with `json` and
`sentencepiece` alone and gives exactly what
``MarianTokenizer(texts, add_special_tokens=True)["input_ids"]`` then
``convert_ids_to_tokens`` give, mirroring transformers 5.25 step by step:

1. Loading (tokenization_utils_base.py ``_from_pretrained`` and
   ``PreTrainedTokenizerBase.__init__``; tokenization_python.py
   ``PythonBackend.__init__`` and ``_add_tokens``; tokenization_marian.py
   ``MarianTokenizer.__init__``): tokenizer_config.json's keys (else nothing);
   its ``added_tokens_decoder``, else the legacy special_tokens_map.json,
   added_tokens.json and tokenizer.json's ``added_tokens``; the special tokens
   (``unk_token`` ``<unk>``, ``eos_token`` ``</s>``, ``pad_token`` ``<pad>`` by
   default, the other named ``*_token`` keys, ``extra_special_tokens`` or
   ``additional_special_tokens``) are added tokens too: with their id in the
   vocabulary, else after it; ``model_max_length`` (default 512).
2. ``PythonBackend.tokenize``: the text is split on the added tokens by
   ``Trie.split`` (longest token first; ported below), their ``lstrip``,
   ``rstrip`` and ``single_word`` applied, and each added token kept as one
   piece (``split_special_tokens`` in the config turns the split off).
3. ``MarianTokenizer._tokenize`` on each other chunk: ``remove_language_code``
   (a leading ``>>xx<<`` is a piece of its own), then the source SentencePiece
   model's ``encode(chunk, out_type=str)``. (MarianTokenizer loads a sacremoses
   punctuation normalizer, but tokenizing never calls it.)
4. Ids (``_convert_token_to_id_with_added_voc``): an added token's id, else
   vocab.json's, else vocab.json's id for the unknown token; then
   ``build_inputs_with_special_tokens`` appends EOS.
5. ``convert_ids_to_tokens``: an added token's text by id, else vocab.json
   inverted (target_vocab.json with ``separate_vocabs``, as MarianTokenizer
   does), so a piece vocab.json lacks reads ``<unk>``.

tests/mt/engines/test_tokenizer.py compares it with MarianTokenizer.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...errors import ModelLoadError
from ..hub import load_failure_message

# PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES, in its order.
NAMED_TOKENS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
MARIAN_TOKENS = {"unk_token": "<unk>", "eos_token": "</s>", "pad_token": "<pad>"}  # MarianTokenizer's defaults
DEFAULT_MAX_LENGTH = 512
VERY_LARGE_INTEGER = int(1e30)  # transformers' model_max_length when the config sets it to null
MEMO_LIMIT = 500_000  # tokens whose piece pieces() remembers (unknown text makes new ones)


class AddedToken:
    """What tokenizing reads of transformers' AddedToken."""
    __slots__ = ("content", "lstrip", "rstrip", "single_word")

    def __init__(self, content: str, lstrip: bool = False, rstrip: bool = False, single_word: bool = False,
                 **_: Any) -> None:
        self.content, self.lstrip, self.rstrip, self.single_word = content, lstrip, rstrip, single_word


def _is_token(value: Any) -> bool:
    """A string, or an AddedToken as tokenizer_config.json serialises it."""
    return isinstance(value, str) or isinstance(value, dict) and value.get("__type") == "AddedToken"


def _content(value: Any) -> Any:
    """A special token's text: a string, or a serialised AddedToken's content."""
    return value.get("content") if isinstance(value, dict) else value


def trie_split(trie: dict, text: str) -> list[str]:
    """`text` cut around the tokens of `trie` (nested dicts, "" marks a token's
    end), the longest token first: transformers' `Trie.split`, ported as it is
    (tokenization_python.py, transformers 5.25, Apache License 2.0), overlaps
    included."""
    if not any(first in text for first in trie):
        return [text] if text else []
    states: dict[int, dict] = {}
    offsets = [0]
    skip = 0
    for current, char in enumerate(text):
        if skip and current < skip:
            continue
        to_remove = set()
        reset = False
        for start, pointer in states.items():
            if "" in pointer:
                # Lookahead, from the earliest partial match, for the longest token.
                for lookstart, lookpointer in states.items():
                    if lookstart > start:
                        break
                    if lookstart < start:
                        lookahead = end = current + 1
                    else:
                        lookahead = end = current
                    following = text[lookahead] if lookahead < len(text) else None
                    if "" in lookpointer:
                        start, end, skip = lookstart, lookahead, lookahead
                    while following in lookpointer:
                        lookpointer = lookpointer[following]
                        lookahead += 1
                        if "" in lookpointer:
                            start, end, skip = lookstart, lookahead, lookahead
                        if lookahead == len(text):
                            break
                        following = text[lookahead]
                offsets += [start, end]
                reset = True
                break
            if char in pointer:
                states[start] = pointer[char]
            else:
                to_remove.add(start)
        if reset:
            states = {}
        else:
            for start in to_remove:
                del states[start]
        if current >= skip and char in trie:
            states[current] = trie[char]
    for start, pointer in states.items():
        if "" in pointer:
            offsets += [start, len(text)]
            break
    # Trie.cut_text
    offsets.append(len(text))
    chunks, start = [], 0
    for end in offsets:
        if start < end:
            chunks.append(text[start:end])
            start = end
    return chunks


class MarianSourceTokenizer:
    """The source pieces MarianTokenizer gives a model folder's texts, EOS included.
    `name` (default: the folder) is the model as the user named it, for messages."""

    def __init__(self, folder: str | Path, name: str | None = None) -> None:
        self.folder = Path(folder)
        self.name = name or str(folder)
        try:
            import sentencepiece
        except ImportError as exc:
            raise ModelLoadError(f"cannot load model '{self.name}': sentencepiece cannot be imported ({exc}). "
                                 f"Fix: pip install 'sentencepiece>=0.2'") from None
        config = self._json("tokenizer_config.json", missing={})
        if not isinstance(config, dict):
            self._fail("tokenizer_config.json", "not a JSON object")
        added = self._read_special_tokens(config)

        encoder = self._json("vocab.json")
        if not isinstance(encoder, dict):
            self._fail("vocab.json", "not a JSON object")
        if self.unk_token not in encoder:
            self._fail("vocab.json", f"the unknown token {self.unk_token} is not in it")
        if self.eos_token is None:
            self._fail("tokenizer_config.json", "eos_token is null")

        added_encoder = self._add_special_tokens(encoder, added)
        self._split = not config.get("split_special_tokens", False)

        # Piece -> id (_convert_token_to_id_with_added_voc) and id -> piece (convert_ids_to_tokens).
        self._ids = dict(encoder, **added_encoder)
        self._unk_id = encoder[self.unk_token]
        self.eos_id = self._ids[self.eos_token]
        decoder = self._json("target_vocab.json") if config.get("separate_vocabs", False) else encoder
        if not isinstance(decoder, dict):
            self._fail("target_vocab.json", "not a JSON object")
        self._id_pieces = {index: piece for piece, index in decoder.items()}
        self._id_pieces.update({index: token.content for index, token in added.items()})
        self._target_spm = None
        self._read_back: dict[str, str] = {}  # token -> piece, as pieces() met them

        limit = config.get("model_max_length", DEFAULT_MAX_LENGTH)
        self.model_max_length = VERY_LARGE_INTEGER if limit is None else limit
        self._spm_kwargs = config.get("sp_model_kwargs") or {}
        self.spm = self._load_spm(sentencepiece, "source.spm")
        self._encode = self.spm.encode

    # -- loading ---------------------------------------------------------
    def _read_special_tokens(self, config: dict) -> dict[int, AddedToken]:
        """The special tokens (`special_tokens`, `unk_token`, `eos_token`) as
        `_from_pretrained` and PreTrainedTokenizerBase.__init__ read them from the
        config (popping what they consume); returns the added tokens by id."""
        config.pop("tokenizer_class", None)
        # _from_pretrained: additional_special_tokens is the old name of extra_special_tokens;
        # the config's other `*_token` strings are "model-specific" special tokens.
        if "additional_special_tokens" in config and not config.get("extra_special_tokens"):
            config["extra_special_tokens"] = config.pop("additional_special_tokens")
        explicit = {key: config.pop(key) for key in list(config)
                    if key not in NAMED_TOKENS and key.endswith("_token") and isinstance(config[key], str)}
        if isinstance(config.get("extra_special_tokens"), dict):
            explicit.update(config.pop("extra_special_tokens"))
        added = self._added_tokens(config)
        if isinstance(config.get("extra_special_tokens"), dict):  # (from special_tokens_map.json)
            explicit.update(config.pop("extra_special_tokens"))
        # PreTrainedTokenizerBase.__init__: the `*_token` tokens left are model-specific too.
        if "additional_special_tokens" in config and "extra_special_tokens" not in config:
            config["extra_special_tokens"] = config.pop("additional_special_tokens")
        auto = {key: value for key, value in config.items()
                if key not in NAMED_TOKENS and key.endswith("_token") and _is_token(value)}
        specific = {key: _content(value) for key, value in {**auto, **explicit}.items() if _is_token(value)}
        named = {key: _content(config.get(key, MARIAN_TOKENS.get(key))) for key in NAMED_TOKENS}
        extra = config.get("extra_special_tokens") or []
        # The special tokens, in PreTrainedTokenizerBase.all_special_tokens' order.
        special = [str(token) for token in [*named.values(), *specific.values()] if token is not None]
        special += [str(_content(token)) for token in extra]
        self.special_tokens = list(dict.fromkeys(special))
        self._special = set(self.special_tokens)
        self.unk_token, self.eos_token = str(named["unk_token"]), named["eos_token"]
        return added

    def _add_special_tokens(self, encoder: dict[str, int], added: dict[int, AddedToken]) -> dict[str, int]:
        """PythonBackend.__init__ and _add_tokens: the special tokens become added
        tokens (ids after the vocabulary's for those it lacks), and the trie that
        splits texts on them is built; returns the added tokens' ids by content."""
        added_encoder = {token.content: index for index, token in added.items()}
        vocab = dict(encoder, **{token.content: index for index, token in sorted(added.items())})
        start, count = len(vocab), 0
        for token in self.special_tokens:
            if token == "" or token in added_encoder:
                continue
            if token not in vocab:
                index = start + count
                vocab[token] = index
                count += 1
            else:
                index = vocab[token]
            added[index] = AddedToken(token)
            added_encoder[token] = index
        self._added = added
        self._added_encoder = added_encoder
        self._trie: dict = {}
        for token in added.values():
            node = self._trie
            for char in token.content:
                node = node.setdefault(char, {})
            if token.content:
                node[""] = 1
        self._added_contents = [token.content for token in added.values() if token.content]
        return added_encoder

    def _fail(self, file: str, reason: str):
        reason = " ".join(str(reason).split())[:300]
        raise ModelLoadError(load_failure_message(self.name, f"{self.folder / file}: {reason}"))

    def _json(self, file: str, missing: Any = None) -> Any:
        path = self.folder / file
        if missing is not None and not path.exists():
            return missing
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self._fail(file, exc.strerror or exc)
        except ValueError as exc:
            self._fail(file, f"not valid JSON ({exc})")

    def _load_spm(self, sentencepiece, file: str):
        try:
            processor = sentencepiece.SentencePieceProcessor(**self._spm_kwargs)
            processor.Load(str(self.folder / file))
        except (OSError, RuntimeError, TypeError, ValueError) as exc:
            self._fail(file, f"not a SentencePiece model ({exc})" if (self.folder / file).is_file()
                       else "no such file")
        return processor

    def _added_tokens(self, config: dict) -> dict[int, AddedToken]:
        """The added tokens by id: tokenizer_config.json's added_tokens_decoder, else
        the legacy files (_from_pretrained), which also set special tokens in `config`."""
        file = "tokenizer_config.json"
        try:
            if "added_tokens_decoder" in config:
                return {int(index): AddedToken(**token) if isinstance(token, dict) else AddedToken(str(token))
                        for index, token in config.pop("added_tokens_decoder").items()}
            added: dict[int, AddedToken] = {}
            file = "special_tokens_map.json"
            for key, value in self._json(file, missing={}).items():
                if isinstance(value, dict) and key != "extra_special_tokens":
                    value = dict(value, __type="AddedToken")
                elif key == "extra_special_tokens" and isinstance(value, list):
                    existing = list(config.get("extra_special_tokens") or [])
                    value = existing + [token for token in value if token not in existing]
                config[key] = value
            file = "added_tokens.json"
            for token, index in self._json(file, missing={}).items():
                added[index] = AddedToken(token)
            file = "tokenizer.json"
            if (self.folder / file).exists():
                for token in self._json(file).get("added_tokens", []):
                    added[token.pop("id")] = AddedToken(**token)
            return added
        except (AttributeError, TypeError, ValueError) as exc:
            self._fail(file, f"unreadable added tokens ({exc})")

    # -- tokenizing ------------------------------------------------------
    def _chunks(self, text: str) -> list[tuple[bool, str]]:
        """PythonBackend.tokenize before `_tokenize`: (is an added token, text) pairs."""
        if not self._split:
            return [(False, text)]
        if not any(token in text for token in self._added_contents):
            return [(False, text)] if text else []
        tokens = trie_split(self._trie, text)
        encoder, added = self._added_encoder, self._added
        for i, token in enumerate(tokens):
            if token in encoder:
                extended = added.get(encoder[token])
                left = tokens[i - 1] if i > 0 else None
                right = tokens[i + 1] if i < len(tokens) - 1 else None
                if extended is not None:
                    if extended.rstrip and right:
                        tokens[i + 1] = right.lstrip()
                    if extended.lstrip and left:
                        tokens[i - 1] = left.rstrip()
                    if extended.single_word:
                        if left and left[-1] != " ":
                            tokens[i - 1] += token
                            tokens[i] = ""
                        elif right and right[0] != " ":
                            tokens[i + 1] = token + tokens[i + 1]
                            tokens[i] = ""
        special = self._special
        return [(token in encoder or token in special, token) for token in tokens if token]

    def tokens(self, texts: list[str]) -> list[list[str]]:
        """Each text's tokens before ids (MarianTokenizer.tokenize): added tokens,
        language codes and SentencePiece pieces."""
        layouts, chunks = [], []
        for text in texts:
            layout = []
            for is_added, chunk in self._chunks(text):
                if is_added:
                    layout.append(chunk)
                    continue
                # MarianTokenizer.remove_language_code
                if chunk.startswith(">>") and (end := chunk.find("<<")) != -1:
                    layout.append(chunk[:end + 2])
                    chunk = chunk[end + 2:]
                layout.append(len(chunks))
                chunks.append(chunk)
            layouts.append(layout)
        encoded = self._encode(chunks, out_type=str) if chunks else []
        return [[piece for item in layout for piece in ([item] if isinstance(item, str) else encoded[item])]
                for layout in layouts]

    def ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's ids, EOS appended: MarianTokenizer(texts)["input_ids"]."""
        get, unk, eos = self._ids.get, self._unk_id, self.eos_id
        return [[get(piece, unk) for piece in pieces] + [eos] for pieces in self.tokens(texts)]

    def pieces(self, texts: list[str]) -> list[list[str]]:
        """Each text's pieces as the model reads them, EOS included: MarianTokenizer's
        ids through convert_ids_to_tokens."""
        memo, eos = self._read_back, self._piece(self.eos_id)
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        result = []
        for tokens in self.tokens(texts):
            try:
                result.append([memo[token] for token in tokens] + [eos])
            except KeyError:
                get, unk = self._ids.get, self._unk_id
                for token in tokens:
                    if token not in memo:
                        memo[token] = self._piece(get(token, unk))
                result.append([memo[token] for token in tokens] + [eos])
        return result

    def _piece(self, index: int) -> str:
        """MarianTokenizer._convert_id_to_token: an id the vocabulary lacks reads the
        target SentencePiece model's piece (separate vocabularies only)."""
        piece = self._id_pieces.get(index)
        if piece is None:  # (never with a joint vocabulary: every id is vocab.json's or an added token's)
            if self._target_spm is None:
                import sentencepiece

                self._target_spm = self._load_spm(sentencepiece, "target.spm")
            piece = self._target_spm.IdToPiece(index) or self.unk_token
        return piece

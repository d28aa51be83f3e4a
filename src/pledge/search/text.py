"""Search text: normalised (simplified characters, half-width, lower case, as the wish pool reads
text), cut into words by jieba (its search mode at index time, which also keeps the shorter
words inside a long one; its plain mode at query time) and widened by the synonym groups."""

from __future__ import annotations

import logging
import re
from importlib import resources

import jieba

from pledge.kernel.once import once
from pledge.wishes.text import plain

MAX_QUERY_CHARS = 100  # pledge:default: a longer string is not a search (422)
MAX_QUERY_WORDS = 8  # pledge:default: words after the eighth are ignored
MAX_INDEXED_CHARS = 2000  # pledge:default: the start of a long description is enough to find it
# A word is letters, digits and CJK characters only: everything else (FTS operators, quotes,
# brackets, SQL) separates words and is never part of one.
_NOT_WORD = re.compile(r"[^\w]+|_+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@once
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each word of synonyms.txt -> its whole group (the word first)."""
    text = resources.files("pledge.search").joinpath("synonyms.txt").read_text(encoding="utf-8")
    groups: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = tuple(dict.fromkeys(plain(w) for w in line.split()))
        for word in group:
            groups[word] = (word, *(w for w in group if w != word))
    return groups


@once
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in synonym_groups():
        tokenizer.add_word(word)
    return tokenizer


def _clean(pieces: list[str]) -> list[str]:
    words: list[str] = []
    for piece in pieces:
        words.extend(w for w in _NOT_WORD.split(piece) if w)
    return words


def index_words(*texts: str) -> str:
    """The words of a document as stored: search-mode segments plus every CJK character of it (so
    a one-character query such as 伞 finds 雨伞), space-separated, each once."""
    text = plain(" ".join(texts))[:MAX_INDEXED_CHARS]
    words = _clean(list(_tokenizer().cut_for_search(text)))
    words.extend(_CJK.findall(text))
    return " ".join(dict.fromkeys(words))


def query_groups(query: str) -> list[tuple[str, ...]]:
    """The query as groups of alternatives: every group must match (AND), any word of a group
    may (OR: the word and its synonyms). Empty when the query has no word at all."""
    words = _clean(_tokenizer().lcut(plain(query)))
    groups = [synonym_groups().get(w, (w,)) for w in dict.fromkeys(words)]
    return groups[:MAX_QUERY_WORDS]

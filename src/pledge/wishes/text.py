"""Text as the wish rules read it: simplified characters, half-width forms, lower case, and cut
into clauses at punctuation, since one comment often carries a wish and its reason
("能出儿童款吗，孩子上学用")."""

from __future__ import annotations

import logging
import re
import unicodedata
from importlib import resources

import jieba
import opencc

from pledge.kernel.once import once

MAX_TEXT_CHARS = 2000  # pledge:default: longer texts are not comments; see docs/wish-pool.md
_CLAUSE_BREAK = re.compile(r"[\s,.!?;:~，。！？；：、…～\n]+")


@once
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@once
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def plain(text: str) -> str:
    return unicodedata.normalize("NFKC", _t2s().convert(text)).casefold()


def clauses(text: str) -> list[str]:
    return [part for part in _CLAUSE_BREAK.split(plain(text)) if part]


def words(text: str) -> list[str]:
    return [w for w in _tokenizer().lcut(text) if w.strip()]


def term_lines(name: str) -> list[str]:
    """The non-comment lines of a file in wishes/terms/."""
    body = resources.files("pledge.wishes").joinpath("terms", name).read_text(encoding="utf-8")
    return [line for line in body.splitlines() if line.strip() and not line.startswith("#")]

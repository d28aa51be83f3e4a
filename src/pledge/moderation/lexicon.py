"""Term lexicons matched in one pass (Aho-Corasick, pyahocorasick) over normalised text.

A lexicon holds banned terms, each with a category ("absolute", "sexual", "weapons", ...), and
allowed words: a banned term found inside an allowed word is not a hit ("第一" inside "第一次",
"最低" inside "最低温度"). A term made of Latin letters or digits must stand alone among them:
"no1" is a hit in "全网no1" but not in "no10"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import ahocorasick

from pledge.moderation.normalise import Normalised, normalise


@dataclass(frozen=True)
class Hit:
    term: str  # as the lexicon writes it (normalised)
    category: str
    span: tuple[int, int]  # [start, end) in the original text

    def as_json(self) -> dict:
        return {"term": self.term, "category": self.category, "span": list(self.span)}


_BANNED, _ALLOWED = 0, 1


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


class Lexicon:
    def __init__(self, banned: Iterable[tuple[str, str]], allowed: Iterable[str] = ()) -> None:
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for term, category in banned:
            key = normalise(term).text
            if key:
                self._automaton.add_word(key, (_BANNED, key, category))
                self.size += 1
        for word in allowed:
            key = normalise(word).text
            if key and key not in self._automaton:
                self._automaton.add_word(key, (_ALLOWED, key, ""))
        if len(self._automaton):
            self._automaton.make_automaton()

    def find(self, text: Normalised) -> list[Hit]:
        if not len(self._automaton):
            return []
        banned: list[tuple[int, int, str, str]] = []
        allowed: list[tuple[int, int]] = []
        for last, (kind, key, category) in self._automaton.iter(text.text):
            start, end = last - len(key) + 1, last + 1
            if kind == _ALLOWED:
                allowed.append((start, end))
            elif _stands_alone(text.text, start, end):
                banned.append((start, end, key, category))
        kept = [b for b in banned if not any(a <= b[0] and b[1] <= z for a, z in allowed)]
        return [
            Hit(key, category, text.span(start, end))
            for start, end, key, category in kept
            if not any(o[0] <= start and end <= o[1] and o[1] - o[0] > end - start for o in kept)
        ]


def _stands_alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return not (
        (_ascii_alnum(text[start]) and before and _ascii_alnum(before))
        or (_ascii_alnum(text[end - 1]) and after and _ascii_alnum(after))
    )


def read_terms(name: str) -> list[str]:
    """A shipped term file (moderation/terms/NAME): one term per line, '#' starts a comment."""
    body = resources.files("pledge.moderation").joinpath("terms", name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in body.splitlines())
    return [line for line in lines if line]


def read_categorised(name: str) -> list[tuple[str, str]]:
    """A shipped TSV of `term<TAB>category` lines."""
    return [tuple(line.split("\t", 1)) for line in read_terms(name)]  # type: ignore[misc]

"""The text the lexicons are matched against, with a map back to the text as written.

Disguises must not pass: traditional characters become simplified (OpenCC t2s), full-width
forms, circled and other decorated digits and letters become plain ones (NFKC plus the dingbat
digits NFKC leaves alone), letters are case-folded, and whatever is not a letter or a digit
(spaces, punctuation, separators, zero-width characters, emoji) is dropped, so that "最 佳",
"最*佳", "最\u200b佳", "ＮＯ．１" and "No①" all read as one word. Every character of the normalised
text remembers the index of the character it came from, so that a hit is reported as a span of
the original text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import opencc

from pledge.kernel.once import once

# Digits that NFKC keeps as they are: dingbat circled digits (➀-➉, ❶-❿, ➊-➓).
_DINGBAT_DIGITS = {
    **{chr(0x2780 + n): str(n + 1) for n in range(9)},
    **{chr(0x278A + n): str(n + 1) for n in range(9)},
    **{chr(0x2776 + n): str(n + 1) for n in range(9)},
    "\u2789": "10",
    "\u2793": "10",
    "\u277f": "10",
    "\u24ea": "0",  # ⓪
    "\u24ff": "0",  # ⓿
}


@once
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Normalised:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's [start, end) that the normalised text's [start, end) came from."""
        return self.origin[start], self.origin[end - 1] + 1


def _kept(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def normalise(text: str) -> Normalised:
    # OpenCC converts character for character here (t2s has no length-changing phrases for the
    # characters that matter); a converted text of another length is mapped back by position
    # only where lengths agree, otherwise each character is converted on its own.
    simplified = _t2s().convert(text)
    if len(simplified) != len(text):
        simplified = "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in text)
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(simplified):
        plain = _DINGBAT_DIGITS.get(char) or unicodedata.normalize("NFKC", char)
        for piece in plain.casefold():
            if _kept(piece):
                chars.append(piece)
                origin.append(index)
    return Normalised("".join(chars), tuple(origin))

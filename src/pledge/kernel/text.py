"""What typed text may contain. Names, titles and notes end up on other people's screens, in
PDFs and in the database, so each is checked once, the same way for the API, the pages and
the CLI:

- valid Unicode only: a lone surrogate ("\\ud800", which JSON can carry) cannot be stored as
  UTF-8 and is refused;
- no NUL and no control characters (notes may hold line breaks and tabs);
- no bidirectional overrides or isolates (U+202A-U+202E, U+2066-U+2069), which make a shop
  name or a tracking number read differently from what it is ("Trojan Source");
- not made only of invisible characters (spaces, zero-width spaces, fillers): a name nobody
  can see is a name nobody can check;
- at most `max_length` characters after trimming the surrounding whitespace.
"""

from __future__ import annotations

import unicodedata

from pledge.kernel.errors import InvalidInput

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\t")
# Letters that render as nothing although Unicode calls them letters or symbols.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
INVISIBLE_CATEGORIES = frozenset(("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"))


def is_invisible(char: str) -> bool:
    return char in BLANK_LETTERS or unicodedata.category(char) in INVISIBLE_CATEGORIES


def text_problem(
    value: str, *, max_length: int, multiline: bool = False, required: bool = True
) -> str | None:
    """Why `value` is not acceptable text, or None."""
    if any("\ud800" <= c <= "\udfff" for c in value):
        return "is not valid Unicode text (it holds a lone surrogate)"
    if "\x00" in value:
        return "contains a NUL character"
    if any(c in BIDI_CONTROLS for c in value):
        return "contains a bidirectional override character (U+202A-U+202E, U+2066-U+2069)"
    allowed = LINE_BREAKS if multiline else frozenset()
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        return "contains a control character" + ("" if multiline else " or a line break")
    text = value.strip()
    if len(text) > max_length:
        return f"is longer than {max_length} characters"
    if text and all(is_invisible(c) for c in text):
        return "is made only of invisible characters"
    if required and not text:
        return "is required"
    return None


def clean_text(
    value: object, *, field: str, max_length: int, multiline: bool = False, required: bool = True
) -> str:
    """The text trimmed of surrounding whitespace, or InvalidInput naming the field."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text")
    problem = text_problem(value, max_length=max_length, multiline=multiline, required=required)
    if problem:
        raise InvalidInput(f"{field} {problem}")
    return value.strip()

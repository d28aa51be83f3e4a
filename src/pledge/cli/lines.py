"""JSON lines on standard input, as the offline text commands read them: one object with "id" and
"text" per line; a line that cannot be read is reported by its number, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from pledge.kernel.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True)
class TextLine:
    number: int
    id: object
    text: str


def text_line(number: int, raw: bytes, *, id_required: bool = False) -> TextLine:
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput("the line is not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the line is not JSON: {exc.msg}") from exc
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise InvalidInput('each line is an object with "id" and a "text" string')
    if id_required and "id" not in item:
        raise InvalidInput('each line is an object with "id" and "text": this one has no "id"')
    return TextLine(number, item.get("id"), item["text"])


def text_lines(
    stream: Iterable[bytes], read: Callable[[str], T], *, id_required: bool = False
) -> Iterator[tuple[TextLine, T] | str]:
    """Each non-blank line with what `read` makes of its text, or, for a line that cannot be read
    (or has no "id" when `id_required`) or whose text `read` refuses, the JSON line
    {"line", "error"} that reports it."""
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            line = text_line(number, raw, id_required=id_required)
            yield line, read(line.text)
        except InvalidInput as exc:
            yield json.dumps({"line": number, "error": exc.detail}, ensure_ascii=False)

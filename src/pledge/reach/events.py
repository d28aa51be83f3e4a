"""Behaviour events as the offline evaluation reads them: a Taobao UserBehavior CSV
(user_id, item_id, category_id, behaviour, unix timestamp; no header row)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pledge.kernel.errors import InvalidInput

COLUMNS = ("user_id", "item_id", "category_id", "behavior", "timestamp")


class Behaviour(StrEnum):
    VIEW = "pv"
    CART = "cart"
    FAVOURITE = "fav"
    BUY = "buy"


@dataclass(frozen=True, slots=True)
class Event:
    """One behaviour event; `seq` is its line number, the tie-break between equal timestamps."""

    user: int
    item: int
    category: int
    behaviour: Behaviour
    at: int
    seq: int


def _whole(value: str, column: str, line: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"line {line}: {column} {value[:40]!r} is not a whole number") from None
    if number < 0:
        raise InvalidInput(f"line {line}: {column} {number} is negative")
    return number


def parse_row(row: list[str], line: int) -> Event:
    """One CSV row as an Event, or InvalidInput naming the line and what is wrong with it."""
    if len(row) != len(COLUMNS):
        raise InvalidInput(
            f"line {line}: expected {len(COLUMNS)} columns ({', '.join(COLUMNS)}), found {len(row)}"
        )
    user, item, category, behaviour, at = (cell.strip() for cell in row)
    try:
        kind = Behaviour(behaviour)
    except ValueError:
        words = "/".join(b.value for b in Behaviour)
        raise InvalidInput(f"line {line}: behavior {behaviour[:20]!r} is not one of {words}") from None
    return Event(
        user=_whole(user, "user_id", line),
        item=_whole(item, "item_id", line),
        category=_whole(category, "category_id", line),
        behaviour=kind,
        at=_whole(at, "timestamp", line),
        seq=line,
    )


def _is_header(row: list[str], line: int) -> bool:
    """A first row that names its columns is allowed when the names are the expected ones."""
    if line != 1 or not row or row[0].strip().isdigit():
        return False
    names = tuple(cell.strip().lower() for cell in row)
    if names != COLUMNS:
        raise InvalidInput(
            f"the header names the columns {', '.join(names)[:200]}; expected {', '.join(COLUMNS)}"
        )
    return True


def read_events(path: Path) -> list[Event]:
    """Every event of the file, in file order. A header row is optional; blank lines are
    skipped; any other unreadable line stops the read with InvalidInput (an evaluation on
    silently dropped rows would lie)."""
    if not path.is_file():
        raise InvalidInput(f"no events file at {path}")
    events: list[Event] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.reader(handle), start=1):
                if row and any(cell.strip() for cell in row) and not _is_header(row, line):
                    events.append(parse_row(row, line))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path.name} is not a readable CSV: {exc}") from None
    if not events:
        raise InvalidInput(f"{path.name} holds no events")
    return events

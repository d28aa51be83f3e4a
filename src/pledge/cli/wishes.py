"""`pledge wishes ...`: the wish pool's rules offline, on JSON lines, with no database."""

from __future__ import annotations

import json
import sys

import typer

from pledge.cli.lines import TextLine, text_lines
from pledge.wishes.detection import detect
from pledge.wishes.grouping import group, names

wishes_app = typer.Typer(help="Find wishes in comments and group them into demands.", no_args_is_help=True)
JSON_LINES = typer.Option(True, "--json/--no-json", help="JSON lines out (the only format).")


def _write(line: dict[str, object] | str) -> None:
    sys.stdout.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n")


def _finish(failed: int) -> None:
    sys.stdout.flush()
    if failed:
        raise typer.Exit(code=2)


@wishes_app.command("detect")
def detect_command(as_json: bool = JSON_LINES) -> None:
    """Read {"id", "text"} lines; write {"id", "wish", "item"} per line. An unreadable line gets
    {"line", "error"} and the command exits with code 2 after the last line."""
    failed = 0
    for read in text_lines(sys.stdin.buffer, detect):
        if isinstance(read, str):
            failed += 1
            _write(read)
        else:
            line, found = read
            _write({"id": line.id, **found.as_json()})
    _finish(failed)


@wishes_app.command("cluster")
def cluster_command(as_json: bool = JSON_LINES) -> None:
    """Read {"id", "text"} lines of wishes; write {"id", "cluster"} per line, the cluster named the
    way its wishers wrote it most often. Unreadable lines are reported first, as in `detect`."""
    wishes: list[tuple[TextLine, str]] = []
    failed = 0
    for read in text_lines(sys.stdin.buffer, lambda text: detect(text).item or text.strip()):
        if isinstance(read, str):
            failed += 1
            _write(read)
        else:
            wishes.append(read)
    items = [item for _, item in wishes]
    numbers = group(items)
    label = names(items, numbers)
    for (line, _), number in zip(wishes, numbers, strict=True):
        _write({"id": line.id, "cluster": label[number]})
    _finish(failed)

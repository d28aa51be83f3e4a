"""`pledge moderate ...`: the text checks where content enters, from the command line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from pledge.cli.lines import text_lines
from pledge.cli.run import fail, run_domain
from pledge.kernel.errors import InvalidInput
from pledge.moderation.checks import MAX_TEXT, Context, Result, check, text_to_check
from pledge.rulebooks.loader import load

SENSITIVE_TSV = Path("src/pledge/moderation/terms/sensitive.tsv")
MODEL_PATH = Path("src/pledge/moderation/terms/offensive-model.json.gz")
moderate_app = typer.Typer(
    help="Check texts as they would be checked where content enters.", no_args_is_help=True
)


def _at(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--at {value!r} is not an ISO date-time")
    if at.tzinfo is None:
        fail("--at needs a time zone offset, e.g. 2026-09-01T10:00:00+08:00")
    return at


@moderate_app.command("text")
def text(
    body: str = typer.Argument(..., help="The text to check; - reads it from standard input (UTF-8)."),
    context: Annotated[Context, typer.Option(help="Where the text enters.")] = Context.COMMENT,
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    at: str | None = typer.Option(None, help="Check under the clauses in force at this time (ISO)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The verdict, the terms hit (with their spans) and the clause applied."""
    book = run_domain(load, rulebook)
    body = run_domain(text_to_check, run_domain(_stdin_text) if body == "-" else body)
    result = run_domain(check, body, context, book, _at(at))
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    typer.echo(f"{result.verdict.word}" + (f" ({result.clause})" if result.clause else ""))
    for hit in result.hits:
        start, end = hit.span
        typer.echo(f"  {hit.category}: {body[start:end]!r} at {start}-{end} (term {hit.term})")


@moderate_app.command("batch")
def batch(
    context: Annotated[Context, typer.Option(help="Where the texts enter.")] = Context.COMMENT,
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    as_json: bool = typer.Option(True, "--json/--no-json", help="JSON lines out (the only format)."),
) -> None:
    """Read JSON lines {"id", "text"} on standard input; write one line {"id", "verdict", "hits"}
    per input. A line that cannot be read gets {"line", "error"} instead, and the command then
    exits with code 2 after the last line."""
    book, at, failed, seen = run_domain(load, rulebook), datetime.now(UTC), 0, False
    out = sys.stdout

    def checked(text: str) -> Result:
        return check(text_to_check(text), context, book, at)

    for read in text_lines(sys.stdin.buffer, checked, id_required=True):
        seen = True
        if isinstance(read, str):
            failed += 1
            out.write(read + "\n")
            continue
        line, result = read
        answer = {"id": line.id, "verdict": result.verdict.word, "hits": [h.as_json() for h in result.hits]}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    out.flush()
    if not seen:
        fail('standard input is empty: give JSON lines {"id", "text"}')
    if failed:
        raise typer.Exit(code=2)


def _stdin_text() -> str:
    raw = sys.stdin.buffer.read(MAX_TEXT * 4 + 1)  # UTF-8 takes at most 4 bytes a character
    if len(raw) > MAX_TEXT * 4:
        raise InvalidInput(f"text is over {MAX_TEXT} characters")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"standard input is not valid UTF-8 (byte {exc.start})") from exc


@moderate_app.command("curate")
def curate(
    lexicon_dir: Annotated[Path, typer.Argument(help="shared/data/zh_sensitive_lexicon")],
    reviews: Annotated[list[Path], typer.Argument(help="Review CSV files with a `review` column.")],
    out: Annotated[Path, typer.Option(help="Where to write.")] = SENSITIVE_TSV,
) -> None:
    """Make the sensitive-term list from the public lexicon (moderation/curate.py says how)."""
    from pledge.moderation.curate import curate as make
    from pledge.moderation.curate import write_tsv

    for path in (lexicon_dir, *reviews):
        if not path.exists():
            fail(f"{path} does not exist")
    pairs, counts = make(lexicon_dir, reviews)
    write_tsv(pairs, out, counts)
    typer.echo(f"wrote {out}: {len(pairs)} terms ({counts})")


@moderate_app.command("train")
def train(
    data_dir: Annotated[Path, typer.Argument(help="shared/data/zh_cold_offensive (train, dev, test .csv)")],
    reviews: Annotated[
        list[Path], typer.Argument(help="Ordinary review CSVs (shared/data/zh_reviews/*.csv).")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the model.")] = MODEL_PATH,
    keep: Annotated[int, typer.Option(min=100, max=1_000_000, help="n-grams to keep.")] = 30_000,
) -> None:
    """Train the offensive-comment classifier (COLD train + dev, ordinary reviews) and report
    macro-F1 on COLD test."""
    try:
        from pledge.moderation.training import train as fit
    except ImportError:  # pragma: no cover - scikit-learn is a dev dependency
        fail('training needs scikit-learn: pip install -e ".[dev]"')
    model = run_domain(fit, data_dir, reviews, keep=keep)
    out.write_bytes(model.to_bytes())
    typer.echo(json.dumps(model.about, ensure_ascii=False))
    typer.echo(f"wrote {out} ({out.stat().st_size} bytes)")

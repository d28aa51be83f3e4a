"""moderation: comments a second through the comment check (normalisation, the lexicon's
Aho-Corasick pass and the offensive-comment classifier: pledge.moderation.checks.check in the
`comment` context) on one core, with the p99 latency of one comment; the lexicon alone (the
`listing` context runs no classifier); and, as the baseline in the same run, one bare regular
expression alternation over the same lexicon's terms matched on the raw text. Then
`pledge moderate batch --context comment` on 10 000 JSON lines, end to end (process start,
reading, checking, writing), against the issue's bound of one minute.

The comments are COLD test texts and ordinary shopping reviews (shared/data, when present beside
the repository) or, without them, generated ones; each is checked once per pass, in one thread.

    python -m bench --only moderation [--moderation-comments 20000]
"""

from __future__ import annotations

import csv
import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import ROOT, envelope, say, write_result
from pledge.moderation.checks import Context, check, shipped_lexicon
from pledge.moderation.lexicon import read_categorised
from pledge.rulebooks.loader import load

NAME = "moderation"
BATCH_LINES = 10_000
BATCH_BOUND_S = 60.0  # issue 14: "fast enough for 10 000 lines in under a minute"
SHARED = [ROOT.parent / "shared" / "data", Path("/work/shared/data")]
ORDINARY = [
    "花很新鲜，包装也好",
    "物流有点慢，不过客服态度不错",
    "第一次买，下次还来",
    "颜色和图片不一样，有点失望",
]
RUDE = ["你这个骗子", "主播太会说了", "这种人真恶心", "什么垃圾东西"]


def corpus(n: int) -> tuple[list[str], str]:
    """n comments, and where they came from."""
    for data in SHARED:
        cold, reviews = (
            data / "zh_cold_offensive" / "test.csv",
            data / "zh_reviews" / "online_shopping_10_cats.csv",
        )
        if cold.is_file() and reviews.is_file():
            texts = _column(cold, "TEXT") + _column(reviews, "review")[:5000]
            random.Random(14).shuffle(texts)
            return [texts[i % len(texts)][:200] for i in range(n)], f"COLD test + shopping reviews ({data})"
    rng = random.Random(14)
    return [rng.choice(ORDINARY) + rng.choice(RUDE) * rng.randint(0, 1) for _ in range(n)], "generated"


def _column(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8-sig") as f:
        return [row[name] for row in csv.DictReader(f) if row.get(name)]


def timed(label: str, texts: list[str], one: Callable[[str], object]) -> dict:
    """Every text once, in this thread: comments a second over the pass, and latency quantiles."""
    latencies = []
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        one(text)
        latencies.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    latencies.sort()
    figures = {
        "comments": len(texts),
        "seconds": round(total, 3),
        "per_s": round(len(texts) / total),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
    }
    say(
        f"  {label:<38} {figures['per_s']:>8,} comments/s  "
        f"p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms"
    )
    return figures


def bare_regex() -> re.Pattern[str]:
    terms = {term for term, _ in read_categorised("absolute.tsv") + read_categorised("sensitive.tsv")}
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def batch_run(texts: list[str]) -> dict:
    """`pledge moderate batch` on BATCH_LINES lines, in its own process, timed from the outside."""
    lines = "".join(
        json.dumps({"id": i, "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n"
        for i in range(BATCH_LINES)
    )
    command = [str(Path(sys.executable).parent / "pledge"), "moderate", "batch", "--context", "comment"]
    started = time.perf_counter()
    done = subprocess.run(command, input=lines.encode(), capture_output=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    answered = done.stdout.decode().count("\n")
    figures = {
        "lines": BATCH_LINES,
        "answered": answered,
        "exit_code": done.returncode,
        "seconds": round(seconds, 2),
        "under_a_minute": seconds < BATCH_BOUND_S,
    }
    say(
        f"  pledge moderate batch, {BATCH_LINES:,} lines: {seconds:.1f} s "
        f"(bound {BATCH_BOUND_S:.0f} s), {answered:,} answered"
    )
    if answered != BATCH_LINES or done.returncode != 0:
        say(f"  WRONG: {answered} answers, exit code {done.returncode}: {done.stderr.decode()[-300:]}")
    return figures


def run(*, comments: int = 20_000) -> dict:
    texts, source = corpus(comments)
    say(f"moderation: {comments:,} comments ({source}), one thread")
    book, at = load("douyin"), datetime.now(UTC)
    shipped_lexicon()  # built once, before timing
    check("预热", Context.COMMENT, book, at)
    pattern = bare_regex()
    results = {
        "comment_check": timed(
            "comment check (lexicon + classifier)", texts, lambda t: check(t, Context.COMMENT, book, at)
        ),
        "lexicon_only": timed(
            "lexicon only (listing context)", texts, lambda t: check(t, Context.LISTING, book, at)
        ),
        "bare_regex": timed("bare regex alternation (baseline)", texts, pattern.findall),
    }
    base = results["bare_regex"]["per_s"]
    ratios = {k: round(v["per_s"] / base, 3) for k, v in results.items() if k != "bare_regex"}
    say(f"  ratios to the bare regex (comments/s): {ratios}")
    batch = batch_run(texts)
    data = envelope(
        NAME,
        None,
        config={"comments": comments, "source": source, "regex_terms": pattern.pattern.count("|") + 1},
        results=results,
        ratios_to_bare_regex=ratios,
        batch=batch,
    )
    write_result(NAME, data)
    return data

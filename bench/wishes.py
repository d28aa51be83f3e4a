"""wishes: how many comments a second the wish detector reads on one core (pledge.wishes.detection:
clauses, cue rules, jieba words for the item, the not-a-wish check), against a bare regex
alternation of the same cue words over the same comments in the same run (what a detector that
only spots a cue would cost). The comments are the labelled examples in tests/data/wishes,
repeated to --wish-comments. Latency percentiles are per comment.

    python -m bench --only wishes [--wish-comments 20000]
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench import ROOT, envelope, say, write_result
from pledge.wishes.detection import detect

NAME = "wishes"
DATA = ROOT / "tests" / "data" / "wishes"
BARE_CUES = re.compile("许愿|跪求|求|想要|能不能|可不可以|希望|期待|有没有|要是|如果|什么时候|出个|蹲|坐等")


def comments(n: int) -> list[str]:
    texts = [
        line.split("\t")[0]
        for path in sorted(Path(DATA).glob("*.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [texts[i % len(texts)] for i in range(n)]


def measure(label: str, read: Callable[[str], object], texts: list[str]) -> dict:
    latencies: list[float] = []
    started = time.perf_counter()
    for text in texts:
        t = time.perf_counter()
        read(text)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    figures = {
        "comments": len(texts),
        "seconds": round(elapsed, 3),
        "per_second": round(len(texts) / elapsed),
        "p50_ms": round(cuts[49] * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
    }
    rate, p50, p99 = figures["per_second"], figures["p50_ms"], figures["p99_ms"]
    say(f"  [{label}] {rate:,} comments/s, p50 {p50} ms, p99 {p99} ms")
    return figures


def run(n: int = 20_000) -> dict:
    say(f"wishes: detection over {n:,} comments on one core")
    texts = comments(n)
    detect(texts[0])  # load jieba's dictionary and the word lists outside the timing
    detector = measure("detector", detect, texts)
    bare = measure("bare cue regex", BARE_CUES.search, texts)
    ratio = round(bare["per_second"] / detector["per_second"], 1)
    say(f"  bare regex / detector throughput: {ratio}x")
    result = envelope(NAME, None, detector=detector, bare_regex=bare, bare_over_detector=ratio)
    write_result(NAME, result)
    return result

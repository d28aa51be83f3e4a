"""`pledge moderate` as a reviewer or a script runs it: JSON out, one line per input line, bad
lines reported with their number and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import time

from tests.e2e.test_cli import PLEDGE


def moderate(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([*PLEDGE, "moderate", *args], input=stdin, capture_output=True, timeout=120)


def test_text_answers_verdict_hits_and_clause_as_json():
    done = moderate("text", "全网ＮＯ．１的向日葵", "--context", "listing", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["verdict"] == "block"
    assert answer["clause"] == "moderation.absolute-terms"
    assert answer["hits"] == [{"term": "no1", "category": "absolute", "span": [2, 6]}]


def test_an_unknown_context_is_a_readable_error():
    done = moderate("text", "你好", "--context", "headline")
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr and b"headline" in done.stderr


def test_batch_writes_one_line_per_input_and_reports_bad_lines():
    lines = [
        json.dumps({"id": 1, "text": "顶级玫瑰"}, ensure_ascii=False).encode(),
        b"not json",
        b'{"id": 3, "text": "\xff\xfe"}',  # not UTF-8
        json.dumps({"id": 4, "text": "第一次买，花很新鲜"}, ensure_ascii=False).encode(),
    ]
    done = moderate("batch", "--context", "listing", stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert out[0] == {
        "id": 1,
        "verdict": "block",
        "hits": [{"term": "顶级", "category": "absolute", "span": [0, 2]}],
    }
    assert out[1]["line"] == 2 and "not JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and "UTF-8" in out[2]["error"]
    assert out[3] == {"id": 4, "verdict": "allow", "hits": []}


def test_batch_of_ten_thousand_comments_answers_every_line():
    texts = ["这束向日葵很新鲜，包装很用心", "出售气枪", "主播最佳！", "物流太慢了，差评"]
    stdin = "".join(
        json.dumps({"id": n, "text": texts[n % 4]}, ensure_ascii=False) + "\n" for n in range(10_000)
    ).encode()
    started = time.monotonic()
    done = moderate("batch", "--context", "comment", stdin=stdin)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == list(range(10_000))
    assert {o["verdict"] for o in out[1::4]} == {"block"}
    assert {o["verdict"] for o in out[::4]} == {"allow"}
    print(f"10 000 lines in {seconds:.1f} s")  # a figure, not a limit: tests never fail on speed


def assert_readable_error(done: subprocess.CompletedProcess, *words: bytes) -> None:
    assert done.returncode == 2, done
    assert done.stdout == b""
    assert b"Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_text_refuses_empty_huge_and_undecodable_text():
    assert_readable_error(moderate("text", "", "--json"), b"empty")
    assert_readable_error(moderate("text", "  \t ", "--json"), b"empty")
    assert_readable_error(moderate("text", "好" * 20_001, "--json"), b"20000")
    assert_readable_error(moderate("text", "-", "--json", stdin=b"\xff\xfe\xe5"), b"UTF-8")
    assert_readable_error(moderate("text", "-", "--json", stdin=b"x" * 80_001), b"20000")
    assert_readable_error(moderate("text", "-", "--json", stdin=b""), b"empty")
    done = moderate("text", "-", "--context", "listing", "--json", stdin="顶级玫瑰".encode())
    assert json.loads(done.stdout)["verdict"] == "block"


def test_batch_reports_each_bad_line_and_answers_the_good_ones():
    lines = [
        b'{"id": 1, "text": ""}',  # empty
        b'{"text": "no id"}',  # no id
        b"[1, 2]",  # not an object
        b'{"id": 4, "text": 5}',  # not a string
        json.dumps({"id": 5, "text": "好" * 20_001}).encode(),  # over the bound
        b'{"id": 6, "text": "\\ud800"}',  # a lone surrogate: JSON carries it, UTF-8 cannot
        b'{"id": 7, "text": "\xe5\xa5"}',  # a truncated UTF-8 sequence
        b'{"id": 8, "text": "\xe8\x8a\xb1\xe5\xbe\x88\xe6\x96\xb0\xe9\xb2\x9c"}',  # good
    ]
    done = moderate("batch", "--context", "comment", stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [o.get("line") for o in out] == [1, 2, 3, 4, 5, 6, 7, None]
    assert "empty" in out[0]["error"] and "20000" in out[4]["error"]
    assert "Unicode" in out[5]["error"] and "UTF-8" in out[6]["error"]
    assert out[7] == {"id": 8, "verdict": "allow", "hits": []}


def test_batch_on_empty_input_is_a_readable_error():
    assert_readable_error(moderate("batch", stdin=b""), b"empty")

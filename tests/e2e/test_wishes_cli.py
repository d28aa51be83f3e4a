"""`pledge wishes detect|cluster` offline, as a script runs them: JSON lines in and out, bad lines
reported with their number and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess

from tests.e2e.test_cli import PLEDGE


def wishes(*args: str, stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([*PLEDGE, "wishes", *args], input=stdin, capture_output=True, timeout=120)


def json_lines(*items: dict) -> bytes:
    return b"".join(json.dumps(item, ensure_ascii=False).encode() + b"\n" for item in items)


def test_detect_writes_a_line_per_input_with_the_wish_and_its_item():
    done = wishes(
        "detect", "--json", stdin=json_lines({"id": "a", "text": "求白玫瑰"}, {"id": 7, "text": "求链接"})
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"id": "a", "wish": True, "item": "白玫瑰"},
        {"id": 7, "wish": False, "item": None},
    ]


def test_cluster_names_each_wishes_demand():
    texts = ["双人伞", "超大号的伞", "加大款", "许愿透明伞", "透明伞"]
    done = wishes("cluster", "--json", stdin=json_lines(*({"id": n, "text": t} for n, t in enumerate(texts))))
    assert done.returncode == 0, done.stderr
    clusters = [json.loads(line)["cluster"] for line in done.stdout.splitlines()]
    assert clusters[0] == clusters[1] == clusters[2] != clusters[3]
    assert clusters[3] == clusters[4] == "透明伞"


def test_unreadable_lines_are_reported_by_number_and_the_rest_still_answered():
    stdin = (
        json_lines({"id": 1, "text": "求白玫瑰"})
        + b"\xff\xfe\n"
        + b"{not json\n"
        + json_lines({"id": 2}, {"id": 3, "text": ""})
    )
    done = wishes("detect", "--json", stdin=stdin)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr.decode()
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0] == {"id": 1, "wish": True, "item": "白玫瑰"}
    assert [line["line"] for line in lines[1:]] == [2, 3, 4, 5]
    assert "UTF-8" in lines[1]["error"] and "JSON" in lines[2]["error"]

"""The shipped rulebooks load, every clause can be cited, and the clause values are the ones
the platforms publish (RULES.md section 1; douyin:aJoPPkWZ7VQM, douyin:101706, tmall:10000177)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from pledge.kernel.errors import InvalidInput, NotFound
from pledge.rulebooks import loader
from pledge.rulebooks.loader import _parse, available, load

UTC = UTC


@pytest.fixture(scope="module")
def douyin():
    return load("douyin")


@pytest.fixture(scope="module")
def taobao():
    return load("taobao")


# --- loading ---------------------------------------------------------------------------------


def test_both_rulebooks_are_shipped():
    assert {"douyin", "taobao"} <= set(available())


def test_douyin_head(douyin):
    assert douyin.name == "douyin"
    assert douyin.version == "2026-08-10"
    assert douyin.title == "抖音电商"
    assert douyin.title_en == "Douyin e-commerce"
    assert douyin.timezone == "Asia/Shanghai"
    assert douyin.settings["rounding"] == "half_up_yuan"
    assert douyin.settings["coupon"] == "no_threshold"
    # head keys that are attributes are not repeated as settings
    assert not {"name", "version", "title", "title_en", "timezone"} & douyin.settings.keys()


def test_taobao_head(taobao):
    assert taobao.name == "taobao"
    assert taobao.version == "2025-09"
    assert taobao.timezone == "Asia/Shanghai"
    assert taobao.settings["default_promise_hours"] == 48
    assert taobao.settings["rounding"] == "half_up_yuan"


def test_load_by_version(douyin):
    assert load("douyin", "2026-08-10") is douyin
    assert load("taobao", "2025-09").version == "2025-09"


@pytest.mark.parametrize(
    "name, version",
    [("pinduoduo", None), ("", None), ("DOUYIN", None), ("douyin", "2020-01-01"), ("taobao", "2026-08-10")],
)
def test_unknown_rulebook_or_version_is_not_found(name, version):
    with pytest.raises(NotFound) as info:
        load(name, version)
    assert info.value.status == 404


@pytest.mark.parametrize("name, prefix", [("douyin", "douyin:"), ("taobao", "tmall:")])
def test_every_clause_can_be_cited(name, prefix):
    book = load(name)
    assert book.clauses
    for clause in book.clauses:
        assert clause.id and isinstance(clause.id, str)
        assert clause.kind and isinstance(clause.kind, str)
        assert type(clause.effective) is date, clause.id
        if clause.source == "pledge:default":
            # Where the platform publishes no number, the rulebook holds a documented default
            # and must never present it as the platform's figure.
            assert "Pledge default" in clause.text_en and "not a" in clause.text_en, clause.id
        elif clause.source.startswith("rules-md:"):
            # Cited from the digest shared/reference/RULES.md where the corpus has no single file.
            assert len(clause.source) > len("rules-md:"), clause.id
        else:
            assert clause.source.startswith(prefix) and len(clause.source) > len(prefix), clause.id
        assert clause.text.strip() and clause.text_en.strip(), clause.id


def test_douyin_clause_ids(douyin):
    late_ship = {
        c.id
        for c in douyin.clauses
        if c.kind
        in (
            "ship_promise",
            "ship_promise_conflict",
            "shipped_definition",
            "pickup_scan_grace",
            "late_ship",
            "late_ship_over48",
            "late_ship_payment",
        )
    }
    assert late_ship == {
        "ship-promise.same-day",
        "ship-promise.next-day",
        "ship-promise.hours",
        "ship-promise.presale",
        "ship-promise.shortest-binds",
        "shipped.pickup-scan",
        "shipped.pickup-scan-grace",
        "late-ship.le48h.within48",
        "late-ship.le48h.over48",
        "late-ship.48-240h.within48",
        "late-ship.48-240h.over48",
        "late-ship.gt240h.within48",
        "late-ship.gt240h.over48",
        "late-ship.payment",
    }


# --- the published tables, written out by hand --------------------------------------------------

# (promise_min_h, promise_max_h, late_min_h, late_max_h, rate_bp, min_fen, max_fen); None = unbounded.
# Douyin: the first column only, paid for any lateness; the second column ("发货超时48小时以上",
# kind late_ship_over48) is the out-of-stock deduction (tests/unit/test_late_ship_table.py).
DOUYIN_LATE_SHIP = {
    "late-ship.le48h.within48": (0, 48, None, None, 0, 0, 0),  # none
    "late-ship.48-240h.within48": (48, 240, None, None, 100, 200, 5000),  # 1% (2-50)
    "late-ship.gt240h.within48": (240, None, None, None, 100, 300, 5000),  # 1% (3-50)
}

TAOBAO_LATE_SHIP = {
    "late-ship.le48h": (0, 48, 0, None, 100, 300, 3000),  # 1% (3-30)
    "late-ship.gt48h": (48, None, 0, None, 500, 500, 3000),  # 5% (5-30)
}

PARAMS = ("promise_min_h", "promise_max_h", "late_min_h", "late_max_h", "rate_bp", "min_fen", "max_fen")


@pytest.mark.parametrize(
    "name, table, versions",
    [
        (
            "douyin",
            DOUYIN_LATE_SHIP,
            {date(2023, 1, 1): "douyin:aHwH9wK4Je2N", date(2026, 8, 10): "douyin:aJoPPkWZ7VQM"},
        ),
        ("taobao", TAOBAO_LATE_SHIP, {date(2025, 9, 1): "tmall:10000177"}),
    ],
)
def test_late_ship_clauses_match_the_published_table(name, table, versions):
    book = load(name)
    for effective, source in versions.items():
        clauses = {c.id: c for c in book.in_force("late_ship", effective)}
        assert clauses.keys() == table.keys()
        for clause_id, expected in table.items():
            clause = clauses[clause_id]
            assert tuple(clause.get(k) for k in PARAMS) == expected, clause_id
            assert (clause.effective, clause.source) == (effective, source)


def test_douyin_same_day_cutoff_is_16(douyin):
    clause = douyin.clause("ship-promise.same-day")
    assert clause.get("cutoff") == "16:00"
    assert clause.source == "douyin:101706"


def test_taobao_buyer_daily_cap_is_100_yuan(taobao):
    assert taobao.clause("late-ship.buyer-daily-cap").get("cap_fen") == 10000


def test_payment_clauses_cite_the_payment_rule(douyin, taobao):
    assert douyin.clause("late-ship.payment").source == "douyin:aHwH9wK4JUHQ"
    assert taobao.clause("late-ship.payment").source == "tmall:10000177"


# --- in_force --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, source",
    [
        (date(2022, 12, 31), None),
        (date(2026, 8, 9), "douyin:aHwH9wK4Je2N"),
        (date(2026, 8, 10), "douyin:aJoPPkWZ7VQM"),
        (date(2030, 1, 1), "douyin:aJoPPkWZ7VQM"),
        (
            datetime(2026, 8, 9, 15, 59, 59, tzinfo=UTC),
            "douyin:aHwH9wK4Je2N",
        ),  # 2026-08-09 23:59:59 in Beijing
        (datetime(2026, 8, 9, 16, 0, 0, tzinfo=UTC), "douyin:aJoPPkWZ7VQM"),  # 2026-08-10 00:00:00 in Beijing
        (datetime(2026, 8, 10, 23, 0, 0, tzinfo=UTC), "douyin:aJoPPkWZ7VQM"),
    ],
)
def test_douyin_late_ship_in_force(douyin, at, source):
    """Three cells in force at any time since 2023: the latest version of each id wins."""
    found = douyin.in_force("late_ship", at)
    assert [c.source for c in found] == ([source] * 3 if source else [])


@pytest.mark.parametrize("at, count", [(date(2022, 12, 31), 0), (date(2023, 1, 1), 4), (date(2026, 9, 1), 4)])
def test_douyin_ship_promises_in_force(douyin, at, count):
    assert len(douyin.in_force("ship_promise", at)) == count


@pytest.mark.parametrize(
    "at, count",
    [(date(2025, 8, 31), 0), (date(2025, 9, 1), 2), (datetime(2025, 8, 31, 16, 0, tzinfo=UTC), 2)],
)
def test_taobao_late_ship_in_force(taobao, at, count):
    assert len(taobao.in_force("late_ship", at)) == count


def test_in_force_of_an_unknown_kind_is_empty(douyin):
    assert douyin.in_force("no_such_kind", date(2026, 9, 1)) == []


@pytest.mark.parametrize("at", [date(2026, 3, 1), datetime(2026, 9, 1, 2, tzinfo=UTC), date(2030, 1, 1)])
def test_in_force_by_groups_exactly_the_clauses_in_force(douyin, taobao, at):
    assert len(douyin.in_force("logistics_compensation", at)) >= 8
    for book in (douyin, taobao):
        clauses = book.in_force("logistics_compensation", at)
        grouped = book.in_force_by("logistics_compensation", at, "rule")
        assert sorted(c.id for group in grouped.values() for c in group) == sorted(c.id for c in clauses)
        for rule, group in grouped.items():
            assert all(c.get("rule") == rule for c in group)
        assert book.in_force_by("logistics_compensation", at, "rule") is grouped  # remembered


def test_one_finds_the_single_match(douyin):
    clause = douyin.one("ship_promise", date(2026, 9, 1), promise="next-day")
    assert clause.id == "ship-promise.next-day"


@pytest.mark.parametrize(
    "kind, at, match",
    [
        ("ship_promise", date(2026, 9, 1), {"promise": "weekly"}),  # none
        ("ship_promise", date(2026, 9, 1), {}),  # four
        ("late_ship", date(2022, 12, 31), {}),  # none yet
    ],
)
def test_one_needs_exactly_one_match(douyin, kind, at, match):
    with pytest.raises(NotFound):
        douyin.one(kind, at, **match)


def test_clause_by_id(douyin):
    assert douyin.clause("late-ship.gt240h.within48").get("rate_bp") == 100
    assert douyin.clause("late-ship.gt240h.over48").get("paid_by") == "out-of-stock.pay.gt240h"
    with pytest.raises(NotFound):
        douyin.clause("late-ship.nope")


# --- _parse ----------------------------------------------------------------------------------------

HEAD = """
[rulebook]
name = "mini"
title = "迷你"
version = "2026-01"
rounding = "half_up_yuan"
"""


def test_parse_minimal_rulebook_and_defaults():
    book = _parse(
        HEAD
        + """
[[clauses]]
id = "late-ship.x"
kind = "late_ship"
effective = 2026-01-01
source = "douyin:TEST"
text = "测试"
rate_bp = 100
max_fen = 5000
""",
        "mini.toml",
    )
    assert (book.name, book.version, book.title, book.title_en) == ("mini", "2026-01", "迷你", "迷你")
    assert book.timezone == "Asia/Shanghai"
    assert book.settings == {"rounding": "half_up_yuan"}
    (clause,) = book.clauses
    assert clause.effective == date(2026, 1, 1)
    assert clause.text_en == "测试"
    assert clause.params == {"rate_bp": 100, "max_fen": 5000}
    assert clause.get("min_fen") is None and clause.get("min_fen", 7) == 7


def test_parse_rejects_a_clause_without_source():
    text = (
        HEAD
        + """
[[clauses]]
id = "late-ship.unsourced"
kind = "late_ship"
effective = 2026-01-01
text = "无出处"
rate_bp = 100
"""
    )
    with pytest.raises(InvalidInput) as info:
        _parse(text, "mini.toml")
    assert "late-ship.unsourced" in info.value.detail
    assert "source" in info.value.detail
    assert "mini.toml" in info.value.detail


@pytest.mark.parametrize("drop", ["id", "kind", "effective", "source", "text"])
def test_parse_rejects_a_clause_missing_any_required_key(drop):
    fields = {
        "id": '"a.b"',
        "kind": '"late_ship"',
        "effective": "2026-01-01",
        "source": '"douyin:X"',
        "text": '"t"',
    }
    body = "\n".join(f"{k} = {v}" for k, v in fields.items() if k != drop)
    with pytest.raises(InvalidInput) as info:
        _parse(HEAD + "\n[[clauses]]\n" + body + "\n", "mini.toml")
    assert drop in info.value.detail


def test_parse_rejects_the_same_id_twice_on_the_same_date():
    clause = """
[[clauses]]
id = "late-ship.x"
kind = "late_ship"
effective = 2026-01-01
source = "douyin:TEST"
text = "t"
"""
    with pytest.raises(InvalidInput):
        _parse(HEAD + clause + clause, "mini.toml")


def test_latest_effective_version_of_a_clause_wins():
    book = _parse(
        HEAD
        + """
[[clauses]]
id = "late-ship.x"
kind = "late_ship"
effective = 2026-06-01
source = "douyin:V2"
text = "v2"
rate_bp = 300

[[clauses]]
id = "late-ship.x"
kind = "late_ship"
effective = 2026-01-01
source = "douyin:V1"
text = "v1"
rate_bp = 100
""",
        "mini.toml",
    )
    assert book.in_force("late_ship", date(2025, 12, 31)) == []
    (v1,) = book.in_force("late_ship", date(2026, 5, 31))
    (v2,) = book.in_force("late_ship", date(2026, 6, 1))
    assert (v1.source, v1.get("rate_bp")) == ("douyin:V1", 100)
    assert (v2.source, v2.get("rate_bp")) == ("douyin:V2", 300)


def test_parse_rejects_malformed_toml():
    import tomllib

    with pytest.raises(tomllib.TOMLDecodeError):
        _parse(HEAD + "[[clauses]\nid = ", "broken.toml")


def test_parse_rejects_an_effective_date_written_as_a_string():
    text = (
        HEAD
        + """
[[clauses]]
id = "late-ship.x"
kind = "late_ship"
effective = "2026-01-01"
source = "douyin:TEST"
text = "t"
"""
    )
    with pytest.raises(InvalidInput, match="effective must be a TOML date"):
        _parse(text, "mini.toml")


def test_remember_computes_once_per_input_and_day_and_stays_bounded(monkeypatch):
    book = dataclasses.replace(load("douyin"))  # a copy with an empty memo
    calls: list[int] = []

    def compute(n: int):
        return lambda: calls.append(n) or n * 10

    at = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 1 September
    assert book.remember("t", at, (1,), compute(1)) == 10
    assert book.remember("t", at.replace(hour=15), (1,), compute(1)) == 10  # 23:00, the same day
    assert calls == [1]
    assert book.remember("t", at.replace(hour=16), (1,), compute(1)) == 10  # 00:00 on 2 September
    assert book.remember("u", at, (1,), compute(1)) == 10  # another question
    assert book.remember("t", at, (2,), compute(2)) == 20  # another input
    assert calls == [1, 1, 1, 2]
    monkeypatch.setattr(loader, "REMEMBERED", 3)
    for n in range(2, 6):
        book.remember("t", at, (n,), compute(n))
    assert len(book._derived_memo) <= 3

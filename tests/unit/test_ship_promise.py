"""Ship-by deadlines (douyin:101706): "same-day: paid before 16:00 -> ship by 23:59:59 that day,
from 16:00 -> by 23:59:59 the next day; next-day: by 23:59:59 the day after payment; 48 h /
merchant-set hours: within that many hours; presale: by the set date". The day and the 16:00
cut-off are the platform's (the rulebook's zone, Asia/Shanghai), whatever the shop's own
timezone; the deadline is stored as timezone-aware UTC.

Asia/Shanghai is UTC+8 all year; America/New_York is UTC-4 until 2026-11-01 02:00, then UTC-5.
Every expected instant below is written out in UTC by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.promises.model import Promise
from pledge.promises.policy import binding_promise, ship_by
from pledge.rulebooks.loader import load

UTC = UTC
SH = "Asia/Shanghai"
NY = "America/New_York"


@pytest.fixture(scope="module")
def douyin():
    return load("douyin")


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def assert_utc(at: datetime, expected: datetime) -> None:
    assert at.tzinfo is not None, "deadline must be timezone-aware"
    assert at.utcoffset() == timedelta(0), "deadline must be expressed in UTC"
    assert at == expected


# --- same-day, Shanghai ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "paid, expected",
    [
        # 15:59:59 local is before the cut-off: ship by 23:59:59 the same local day (= 15:59:59 UTC).
        (local(SH, 2026, 9, 1, 15, 59, 59), utc(2026, 9, 1, 15, 59, 59)),
        (local(SH, 2026, 9, 1, 15, 59, 59, 999999), utc(2026, 9, 1, 15, 59, 59)),
        (local(SH, 2026, 9, 1, 10, 0, 0), utc(2026, 9, 1, 15, 59, 59)),
        # 16:00:00 exactly is "after 16:00": the next day.
        (local(SH, 2026, 9, 1, 16, 0, 0), utc(2026, 9, 2, 15, 59, 59)),
        (local(SH, 2026, 9, 1, 16, 0, 1), utc(2026, 9, 2, 15, 59, 59)),
        # just before local midnight: next local day
        (local(SH, 2026, 9, 1, 23, 59, 59), utc(2026, 9, 2, 15, 59, 59)),
        # just after local midnight (still 2026-09-01 16:00 in UTC!): same local day, 09-02
        (local(SH, 2026, 9, 2, 0, 0, 0), utc(2026, 9, 2, 15, 59, 59)),
        (local(SH, 2026, 9, 2, 0, 0, 1), utc(2026, 9, 2, 15, 59, 59)),
        # month and year ends
        (local(SH, 2026, 12, 31, 17, 0, 0), utc(2027, 1, 1, 15, 59, 59)),
    ],
)
def test_same_day_shanghai(douyin, paid, expected):
    deadline, clause = ship_by(douyin, Promise.parse("same-day"), paid)
    assert_utc(deadline, expected)
    assert clause.id == "ship-promise.same-day"
    assert clause.source == "douyin:101706"


def test_same_day_accepts_paid_at_given_in_utc(douyin):
    # 07:59:59 UTC = 15:59:59 Shanghai (before cut-off); 08:00:00 UTC = 16:00 (after).
    before, _ = ship_by(douyin, Promise("same-day"), utc(2026, 9, 1, 7, 59, 59))
    after, _ = ship_by(douyin, Promise("same-day"), utc(2026, 9, 1, 8, 0, 0))
    assert_utc(before, utc(2026, 9, 1, 15, 59, 59))
    assert_utc(after, utc(2026, 9, 2, 15, 59, 59))


# --- a shop in another timezone: the platform's clock decides -------------------------------


@pytest.mark.parametrize(
    "paid, expected",
    [
        (
            local(NY, 2026, 9, 1, 15, 59, 59),
            utc(2026, 9, 2, 15, 59, 59),
        ),  # = 09-02 03:59:59 Shanghai: before 16:00
        (local(NY, 2026, 9, 1, 16, 0, 0), utc(2026, 9, 2, 15, 59, 59)),  # = 09-02 04:00 Shanghai
        (local(NY, 2026, 9, 1, 23, 59, 59), utc(2026, 9, 2, 15, 59, 59)),  # = 09-02 11:59:59 Shanghai
        (local(NY, 2026, 9, 2, 0, 0, 0), utc(2026, 9, 2, 15, 59, 59)),  # = 09-02 12:00 Shanghai
        (local(NY, 2026, 10, 31, 16, 30, 0), utc(2026, 11, 1, 15, 59, 59)),  # = 11-01 04:30 Shanghai
        (
            local(NY, 2026, 11, 1, 9, 0, 0),
            utc(2026, 11, 2, 15, 59, 59),
        ),  # = 11-01 22:00 Shanghai: after 16:00
    ],
)
def test_douyin_101706_same_day_is_platform_time_for_a_new_york_shop(douyin, paid, expected):
    """Regression: a shop set to New York used to get New York's day and cut-off. The platform
    judges every shop by its own clock (the rulebook's zone)."""
    deadline, clause = ship_by(douyin, Promise("same-day"), paid)
    assert_utc(deadline, expected)
    assert clause.id == "ship-promise.same-day"


def test_one_instant_has_one_deadline(douyin):
    # 2026-09-01 08:00:00Z is 16:00 in Shanghai (after the cut-off), though 04:00 in New York.
    deadline, _ = ship_by(douyin, Promise("same-day"), utc(2026, 9, 1, 8, 0, 0))
    assert_utc(deadline, utc(2026, 9, 2, 15, 59, 59))  # 2026-09-02 23:59:59 +08:00


# --- next-day -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, paid, expected",
    [
        (SH, local(SH, 2026, 9, 1, 0, 0, 0), utc(2026, 9, 2, 15, 59, 59)),
        (SH, local(SH, 2026, 9, 1, 10, 0, 0), utc(2026, 9, 2, 15, 59, 59)),
        (SH, local(SH, 2026, 9, 1, 16, 0, 0), utc(2026, 9, 2, 15, 59, 59)),  # no cut-off for next-day
        (SH, local(SH, 2026, 9, 1, 23, 59, 59), utc(2026, 9, 2, 15, 59, 59)),
        (SH, local(SH, 2026, 9, 2, 0, 0, 0), utc(2026, 9, 3, 15, 59, 59)),
        (SH, local(SH, 2026, 2, 28, 12, 0, 0), utc(2026, 3, 1, 15, 59, 59)),
        (NY, local(NY, 2026, 9, 1, 23, 30, 0), utc(2026, 9, 3, 15, 59, 59)),  # = 09-02 11:30 Shanghai
        (NY, local(NY, 2026, 9, 2, 0, 0, 0), utc(2026, 9, 3, 15, 59, 59)),  # = 09-02 12:00 Shanghai
        (NY, local(NY, 2026, 10, 31, 12, 0, 0), utc(2026, 11, 2, 15, 59, 59)),  # = 11-01 00:00 Shanghai
    ],
)
def test_next_day(douyin, tz, paid, expected):
    deadline, clause = ship_by(douyin, Promise.parse("next-day"), paid)
    assert_utc(deadline, expected)
    assert clause.id == "ship-promise.next-day"
    assert clause.source == "douyin:101706"


# --- hours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, paid, expected",
    [
        ("48h", utc(2026, 9, 1, 2, 0, 0), utc(2026, 9, 3, 2, 0, 0)),
        ("72h", utc(2026, 9, 1, 2, 0, 0), utc(2026, 9, 4, 2, 0, 0)),
        ("1h", utc(2026, 9, 1, 23, 30, 0), utc(2026, 9, 2, 0, 30, 0)),
        ("240h", utc(2026, 9, 1, 2, 0, 0), utc(2026, 9, 11, 2, 0, 0)),
        ("48h", local(SH, 2026, 9, 1, 15, 59, 59), utc(2026, 9, 3, 7, 59, 59)),
    ],
)
def test_hours_promise_counts_elapsed_hours(douyin, code, paid, expected):
    deadline, clause = ship_by(douyin, Promise.parse(code), paid)
    assert_utc(deadline, expected)
    assert clause.id == "ship-promise.hours"


def test_hours_promise_is_absolute_across_dst(douyin):
    # 48 elapsed hours, whatever the wall clock does on 2026-11-01 in New York.
    paid = local(NY, 2026, 10, 31, 8, 0, 0)  # 12:00Z
    deadline, _ = ship_by(douyin, Promise.parse("48h"), paid)
    assert_utc(deadline, utc(2026, 11, 2, 12, 0, 0))


# --- presale --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, expected",
    [
        (SH, utc(2026, 12, 1, 15, 59, 59)),  # 2026-12-01 23:59:59 +08:00
        (NY, utc(2026, 12, 1, 15, 59, 59)),  # the platform's 2026-12-01, whatever the shop's zone
    ],
)
def test_presale_ships_by_end_of_the_set_platform_date(douyin, tz, expected):
    deadline, clause = ship_by(douyin, Promise.parse("presale:2026-12-01"), utc(2026, 9, 1, 2, 0, 0))
    assert_utc(deadline, expected)
    assert clause.id == "ship-promise.presale"


def test_naive_paid_at_is_refused(douyin):
    with pytest.raises(ValueError):
        ship_by(douyin, Promise("same-day"), datetime(2026, 9, 1, 10, 0, 0))


# --- several promises: the shortest binds -----------------------------------------------------


def test_live_room_same_day_beats_product_48h(douyin):
    paid = local(SH, 2026, 9, 1, 10, 0, 0)  # 02:00Z
    source, promise, deadline = binding_promise(
        douyin, [("product", Promise.parse("48h")), ("live_room", Promise.parse("same-day"))], paid
    )
    assert (source, promise) == ("live_room", Promise("same-day"))
    assert_utc(deadline, utc(2026, 9, 1, 15, 59, 59))


def test_hours_beat_same_day_after_the_cutoff(douyin):
    # paid 16:30 local: same-day -> 09-02 23:59:59 local (31.5 h); 24h -> 09-02 16:30 local.
    paid = local(SH, 2026, 9, 1, 16, 30, 0)
    source, promise, deadline = binding_promise(
        douyin,
        [
            ("detail_page", Promise("same-day")),
            ("video", Promise.parse("24h")),
            ("live_cart", Promise("next-day")),
        ],
        paid,
    )
    assert (source, promise.code) == ("video", "24h")
    assert_utc(deadline, utc(2026, 9, 2, 8, 30, 0))


def test_shortest_of_four_sources(douyin):
    paid = utc(2026, 9, 1, 2, 0, 0)  # 10:00 Shanghai
    candidates = [
        ("detail_page", Promise.parse("72h")),  # 09-04 02:00Z
        ("live_cart", Promise.parse("next-day")),  # 09-02 15:59:59Z
        ("video_title", Promise.parse("presale:2026-09-05")),
        ("voice_over", Promise.parse("30h")),  # 09-02 08:00Z  <- shortest
    ]
    source, promise, deadline = binding_promise(douyin, candidates, paid)
    assert source == "voice_over"
    assert promise == Promise("hours", hours=30)
    assert_utc(deadline, utc(2026, 9, 2, 8, 0, 0))


def test_single_candidate_binds(douyin):
    source, promise, deadline = binding_promise(
        douyin, [("product", Promise("next-day"))], utc(2026, 9, 1, 2, 0, 0)
    )
    assert (source, promise.kind) == ("product", "next-day")
    assert_utc(deadline, utc(2026, 9, 2, 15, 59, 59))


def test_no_candidates_is_invalid(douyin):
    with pytest.raises(InvalidInput):
        binding_promise(douyin, [], utc(2026, 9, 1, 2, 0, 0))


# --- Promise.parse --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected, code",
    [
        ("same-day", Promise("same-day"), "same-day"),
        ("next-day", Promise("next-day"), "next-day"),
        ("NEXT-DAY", Promise("next-day"), "next-day"),
        ("  same-day  ", Promise("same-day"), "same-day"),
        ("48h", Promise("hours", hours=48), "48h"),
        ("72H", Promise("hours", hours=72), "72h"),
        (" 240h ", Promise("hours", hours=240), "240h"),
        ("1h", Promise("hours", hours=1), "1h"),
        ("presale:2026-12-01", Promise("presale", presale_date=date(2026, 12, 1)), "presale:2026-12-01"),
    ],
)
def test_parse_good(text, expected, code):
    promise = Promise.parse(text)
    assert promise == expected
    assert promise.code == code
    assert Promise.parse(promise.code) == promise


@pytest.mark.parametrize(
    "text",
    [
        "",
        "today",
        "same day",
        "sameday",
        "48",
        "h",
        "0h",
        "-5h",
        "4.5h",
        "48 h",
        "48hours",
        "2d",
        "presale",
        "presale:",
        "presale:2026-13-01",
        "presale:2026-02-30",
        "presale:tomorrow",
    ],
)
def test_parse_bad(text):
    with pytest.raises(InvalidInput):
        Promise.parse(text)


def test_parse_superscript_digit_is_invalid_input():
    with pytest.raises(InvalidInput):
        Promise.parse("²h")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "weekly"},
        {"kind": "hours"},
        {"kind": "hours", "hours": 0},
        {"kind": "hours", "hours": -48},
        {"kind": "presale"},
    ],
)
def test_promise_constructor_validates(kwargs):
    with pytest.raises(InvalidInput):
        Promise(**kwargs)

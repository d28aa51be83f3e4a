"""How pages write money, spans of time and error messages (issue 17): "-¥23.97" not "¥-23.97",
"11小时57分" not "11 h 57 min 17 s", and a Chinese error page holds no English detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pledge.web.present import duration, local, yuan
from pledge.web.render import error_text


@pytest.mark.parametrize(
    "fen,shown",
    [(1990, "¥19.90"), (0, "¥0.00"), (-2397, "-¥23.97"), (-5, "-¥0.05"), (None, "")],
)
def test_negative_amounts_carry_the_sign_before_the_currency(fen, shown):
    assert yuan(fen) == shown


@pytest.mark.parametrize(
    "span,zh,en",
    [
        (timedelta(hours=11, minutes=57, seconds=17), "11小时57分", "11 h 57 min"),
        (timedelta(hours=2), "2小时", "2 h"),
        (timedelta(days=1), "1天", "1 d"),
        (timedelta(days=1, minutes=5), "1天0小时5分", "1 d 0 h 5 min"),
        (timedelta(seconds=40), "0分", "0 min"),
        (-timedelta(hours=3, minutes=1), "-3小时1分", "-3 h 1 min"),
    ],
)
def test_spans_read_in_plain_words_to_the_minute(span, zh, en):
    assert duration(span, "zh_CN") == zh
    assert duration(span, "en") == en
    assert duration(int(span.total_seconds()), "zh_CN") == zh


def test_a_chinese_error_page_shows_no_untranslated_english_detail():
    title, detail = error_text("zh_CN", 409, "Conflicts with the current state", "order 12 is already paid")
    assert (title, detail) == (
        "与当前状态冲突",
        "当前状态下无法这样操作，可能别人刚刚处理过。请刷新页面后再试。",
    )
    assert error_text("en", 409, "Conflicts with the current state", "order 12 is already paid") == (
        "Conflicts with the current state",
        "order 12 is already paid",
    )


@pytest.mark.parametrize("status", [403, 404, 405, 500])
def test_every_error_status_has_a_translated_page_text(status):
    title, detail = error_text("zh_CN", status, None, "")
    en_title, en_detail = error_text("en", status, None, "")
    assert title != en_title and detail != en_detail
    assert not any(c.isascii() and c.isalpha() for c in title + detail)
    assert not en_detail.startswith("error.")


def test_error_details_with_values_are_translated_by_their_pattern():
    from pledge.web.i18n import translate_detail

    assert (
        translate_detail("zh_CN", "line 7: choose between 1 and 2 units (bought 3)")
        == "第7行：请选择1到2件（共购买3件）"
    )
    assert translate_detail("zh_CN", "only 3 left of 芍药 (粉玉奴 10枝)") == "芍药（粉玉奴 10枝）只剩3件"
    assert translate_detail("zh_CN", "a message cannot be empty") == "消息不能为空"
    assert translate_detail("zh_CN", "something nobody translated") is None
    assert translate_detail("en", "something nobody translated") == "something nobody translated"


NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 on 24 November in Beijing


@pytest.mark.parametrize(
    ("at", "zh", "en"),
    [
        (datetime(2026, 11, 24, 13, 19, tzinfo=UTC), "今天 21:19", "today 21:19"),
        (
            datetime(2026, 11, 24, 16, 5, tzinfo=UTC),
            "明天 00:05",
            "tomorrow 00:05",
        ),  # past midnight in Beijing
        (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), "昨天 09:00", "yesterday 09:00"),
        (datetime(2026, 9, 3, 2, 0, tzinfo=UTC), "9月3日 10:00", "3 Sep 10:00"),
        (datetime(2025, 12, 31, 15, 59, tzinfo=UTC), "2025年12月31日 23:59", "31 Dec 2025 23:59"),
    ],
)
def test_times_read_in_beijing_time_in_plain_words(at, zh, en):
    assert local(at, now=NOW) == zh and local(at, lang="en", now=NOW) == en
    assert "T" not in zh and "-" not in zh


def test_without_the_readers_present_a_time_carries_its_year():
    at = datetime(2026, 11, 24, 13, 19, tzinfo=UTC)
    assert local(at) == "2026年11月24日 21:19" and local(at, lang="en") == "24 Nov 2026 21:19"
    assert local(at, time_only=True) == "21:19" and local(None) == ""

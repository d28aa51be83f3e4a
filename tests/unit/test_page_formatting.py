"""How pages write money, spans of time and error messages (issue 17): "-¥23.97" not "¥-23.97",
"11小时57分" not "11 h 57 min 17 s", and a Chinese error page holds no English detail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledge.web.present import duration, yuan
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

"""Chat metrics on hand-built message histories (douyin:aJoPPkXuLRqc): rounds, the 10-minute
unanswered round, business hours to the second in the shop's timezone, the window's edges, and
the 1-3 star dissatisfaction rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.chat.model import MAX_BODY, check_stars, clean_body
from pledge.chat.policy import (
    ANSWERED,
    PENDING,
    UNANSWERED,
    BusinessHours,
    ConversationLog,
    Message,
    measure,
    rounds_of,
    rules,
)
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import load

SH = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"
DOUYIN = rules(load("douyin"), datetime(2026, 9, 1, tzinfo=UTC))
TEN_MIN = timedelta(minutes=10)


def sh(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, second, micro, tzinfo=SH)


def B(at: datetime) -> Message:
    return Message(at, "buyer")


def S(at: datetime) -> Message:
    return Message(at, "shop")


SINCE, UNTIL = sh(1, 0), sh(20, 0)


def run(
    *logs: ConversationLog, since: datetime = SINCE, until: datetime = UNTIL, tz: str = TZ, chat_rules=DOUYIN
):
    return measure(list(logs), chat_rules=chat_rules, tz=tz, since=since, until=until)


def convo(*messages: Message, **kw) -> ConversationLog:
    return ConversationLog(list(messages), **kw)


# --- the rulebook ------------------------------------------------------------------------------


def test_douyin_clauses_carry_the_official_numbers():
    assert DOUYIN.response.id == "chat.response-time" and DOUYIN.response.source == "douyin:aJoPPkXuLRqc"
    assert (
        DOUYIN.dissatisfaction.id == "chat.dissatisfaction"
        and DOUYIN.dissatisfaction.source == "douyin:aJoPPkXuLRqc"
    )
    assert (
        str(DOUYIN.response_hours) == "08:00:00-22:59:59" and str(DOUYIN.rating_hours) == "08:00:00-22:59:59"
    )
    assert (
        DOUYIN.no_reply == TEN_MIN
        and DOUYIN.max_stars_unsatisfied == 3
        and DOUYIN.window == timedelta(days=30)
    )


def test_taobao_uses_the_same_numbers_marked_as_pledge_defaults():
    taobao = rules(load("taobao"), datetime(2026, 9, 1, tzinfo=UTC))
    assert taobao.response.source == taobao.dissatisfaction.source == "pledge:default"
    assert taobao.response.text_en.startswith("Pledge default, not a Taobao figure")
    assert taobao.dissatisfaction.text_en.startswith("Pledge default, not a Taobao figure")
    assert taobao.no_reply == TEN_MIN and taobao.max_stars_unsatisfied == 3


def test_metrics_name_the_clauses_they_used():
    m = run(convo(B(sh(1, 10)), S(sh(1, 10, 0, 30))))
    assert m.clause_ids == ("chat.response-time", "chat.dissatisfaction")
    assert m.sources == ("douyin:aJoPPkXuLRqc",)
    assert "chat.response-time" in m.explanation() and "douyin:aJoPPkXuLRqc" in m.explanation()


# --- rounds --------------------------------------------------------------------------------------


def test_consecutive_buyer_messages_are_one_round_timed_from_the_first():
    log = convo(B(sh(1, 10)), B(sh(1, 10, 1)), B(sh(1, 10, 2)), S(sh(1, 10, 3)), S(sh(1, 10, 4)))
    (r,) = rounds_of(log, until=UNTIL, no_reply=TEN_MIN)
    assert (r.started_at, r.replied_at, r.outcome, r.counted_ms) == (
        sh(1, 10),
        sh(1, 10, 3),
        ANSWERED,
        180_000,
    )


def test_shop_messages_that_answer_nothing_start_no_round():
    log = convo(
        S(sh(1, 9)), B(sh(1, 10)), S(sh(1, 10, 0, 20)), S(sh(1, 10, 5)), B(sh(1, 11)), S(sh(1, 11, 0, 40))
    )
    found = rounds_of(log, until=UNTIL, no_reply=TEN_MIN)
    assert [(r.outcome, r.counted_ms) for r in found] == [(ANSWERED, 20_000), (ANSWERED, 40_000)]


def test_average_is_the_sum_of_round_times_over_the_rounds_across_conversations():
    a = convo(B(sh(1, 10)), S(sh(1, 10, 0, 10)), B(sh(1, 10, 5)), S(sh(1, 10, 5, 50)))  # 10 s + 50 s
    b = convo(B(sh(2, 15)), S(sh(2, 15, 1)))  # 60 s
    m = run(a, b)
    assert (m.conversations, m.rounds, m.answered_rounds, m.response_ms_total) == (2, 3, 3, 120_000)
    assert m.average_response_seconds == 40.0


def test_a_reply_at_the_same_instant_takes_zero_seconds():
    m = run(convo(B(sh(1, 10)), S(sh(1, 10))))
    assert m.rounds == 1 and m.average_response_seconds == 0.0


def test_an_unanswered_round_counts_ten_minutes():
    answered = convo(B(sh(1, 10)), S(sh(1, 10, 0, 30)))  # 30 s
    silent = convo(B(sh(1, 11)), B(sh(1, 11, 1)))  # never answered, long ago
    m = run(answered, silent)
    assert (m.rounds, m.answered_rounds, m.unanswered_rounds) == (2, 1, 1)
    assert m.response_ms_total == 30_000 + 600_000 and m.average_response_seconds == 315.0


def test_a_late_reply_counts_its_real_time_not_ten_minutes():
    """The official formula sums reply times; only a missing reply is replaced by 10 minutes."""
    m = run(convo(B(sh(1, 10)), S(sh(1, 10, 20))))
    assert (m.answered_rounds, m.unanswered_rounds, m.average_response_seconds) == (1, 0, 1200.0)


@pytest.mark.parametrize(
    "waited, outcome",
    [
        (timedelta(seconds=599), PENDING),
        (timedelta(seconds=599, microseconds=999_999), PENDING),
        (timedelta(seconds=600), UNANSWERED),
        (timedelta(seconds=601), UNANSWERED),
    ],
)
def test_an_open_round_is_pending_until_ten_minutes_have_passed(waited, outcome):
    start = sh(1, 10)
    (r,) = rounds_of(convo(B(start)), until=start + waited, no_reply=TEN_MIN)
    assert r.outcome == outcome
    m = run(convo(B(start)), until=start + waited)
    assert m.pending_rounds == (outcome == PENDING) and m.rounds == (outcome == UNANSWERED)
    assert m.average_response_seconds == (None if outcome == PENDING else 600.0)


def test_a_conversation_closed_without_a_reply_counts_ten_minutes_at_once():
    start = sh(1, 10)
    log = convo(
        B(start), closed_at=start + timedelta(seconds=5), stars=1, rated_at=start + timedelta(seconds=5)
    )
    m = run(log, until=start + timedelta(seconds=10))
    assert (m.unanswered_rounds, m.pending_rounds, m.response_ms_total) == (1, 0, 600_000)


def test_a_trailing_round_after_answered_ones_is_judged_on_its_own():
    log = convo(B(sh(1, 10)), S(sh(1, 10, 1)), B(sh(1, 10, 2)))
    found = rounds_of(log, until=sh(1, 10, 2) + timedelta(seconds=30), no_reply=TEN_MIN)
    assert [r.outcome for r in found] == [ANSWERED, PENDING]


# --- business hours (shop timezone, to the second) ----------------------------------------------


@pytest.mark.parametrize(
    "start, counted",
    [
        (sh(1, 7, 59, 59), False),
        (sh(1, 7, 59, 59, 999_999), False),
        (sh(1, 8, 0, 0), True),
        (sh(1, 12, 0, 0), True),
        (sh(1, 22, 59, 59), True),
        (sh(1, 22, 59, 59, 999_999), True),
        (sh(1, 23, 0, 0), False),
        (sh(2, 0, 0, 0), False),
        (sh(2, 3, 30, 0), False),
    ],
)
def test_only_conversations_started_in_business_hours_count(start, counted):
    m = run(convo(B(start), S(start + timedelta(seconds=42)), stars=2))
    assert (m.conversations, m.outside_hours) == ((1, 0) if counted else (0, 1))
    assert (
        m.rounds == counted and m.rated_conversations == counted and m.dissatisfied_conversations == counted
    )
    assert m.average_response_seconds == (42.0 if counted else None)


def test_a_conversation_started_at_225959_counts_whole_including_its_night_rounds():
    log = convo(B(sh(1, 22, 59, 59)), S(sh(1, 23, 0, 9)), B(sh(1, 23, 30)), S(sh(1, 23, 32)), B(sh(2, 2)))
    m = run(log)
    assert (m.conversations, m.rounds, m.answered_rounds, m.unanswered_rounds) == (1, 3, 2, 1)
    assert m.response_ms_total == 10_000 + 120_000 + 600_000


def test_a_night_conversation_counts_nowhere_even_when_answered_next_morning():
    night = convo(B(sh(1, 23, 0, 0)), S(sh(2, 9, 0)), B(sh(2, 10)), stars=1)
    m = run(night)
    assert (m.conversations, m.outside_hours, m.rounds, m.unanswered_rounds, m.rated_conversations) == (
        0,
        1,
        0,
        0,
        0,
    )
    assert m.average_response_seconds is None and m.dissatisfaction_bp is None


def test_the_buyer_first_message_starts_the_conversation_not_a_shop_greeting():
    log = convo(S(sh(1, 22, 50)), B(sh(1, 23, 5)), S(sh(1, 23, 6)))
    assert log.started_at == sh(1, 23, 5)
    assert run(log).conversations == 0
    assert run(convo(S(sh(1, 7, 0)))).conversations == 0  # no buyer message: no conversation at all


def test_business_hours_are_read_in_the_shop_timezone():
    at = datetime(2026, 9, 1, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai, 16:30 in Berlin, 23:30 in Tokyo
    log = convo(B(at), S(at + timedelta(seconds=5)))
    assert run(log, tz="Asia/Shanghai").conversations == 1
    assert run(log, tz="Europe/Berlin").conversations == 1
    assert run(log, tz="Asia/Tokyo").conversations == 0
    assert BusinessHours.of(DOUYIN.response).contains(at, "Asia/Tokyo") is False


# --- the window ---------------------------------------------------------------------------------


def test_the_window_counts_conversations_started_in_since_until():
    before = convo(B(sh(1, 11, 59, 59)), S(sh(1, 12, 0, 30)))  # in business hours, one second too early
    at_since = convo(B(sh(1, 12)), S(sh(1, 12, 0, 1)))
    at_until = convo(B(sh(3, 10)), S(sh(3, 10, 0, 1)))
    m = run(before, at_since, at_until, since=sh(1, 12), until=sh(3, 10))
    assert (m.conversations, m.outside_hours, m.rounds, m.response_ms_total) == (1, 0, 1, 1_000)


def test_messages_and_ratings_from_until_on_are_not_seen_yet():
    log = convo(B(sh(1, 10)), S(sh(1, 10, 5)), stars=1, rated_at=sh(1, 10, 5))
    m = run(log, until=sh(1, 10, 5))  # the reply and the rating arrive exactly at `until`
    assert (m.rounds, m.pending_rounds, m.rated_conversations) == (0, 1, 0)
    m = run(log, until=sh(1, 10, 5, 1))
    assert (m.rounds, m.average_response_seconds, m.rated_conversations, m.dissatisfied_conversations) == (
        1,
        300.0,
        1,
        1,
    )


def test_an_empty_or_backwards_window_is_refused_or_empty():
    with pytest.raises(InvalidInput):
        run(since=UNTIL, until=UNTIL)
    m = run()
    assert (m.conversations, m.rounds, m.average_response_seconds, m.dissatisfaction_bp) == (0, 0, None, None)


# --- dissatisfaction ----------------------------------------------------------------------------


def _rated(stars: int | None, day: int = 1, hour: int = 10) -> ConversationLog:
    return convo(
        B(sh(day, hour)),
        S(sh(day, hour, 1)),
        stars=stars,
        rated_at=None if stars is None else sh(day, hour, 2),
    )


@pytest.mark.parametrize("stars, unsatisfied", [(1, True), (2, True), (3, True), (4, False), (5, False)])
def test_one_to_three_stars_is_dissatisfied(stars, unsatisfied):
    m = run(_rated(stars))
    assert (m.rated_conversations, m.dissatisfied_conversations) == (1, int(unsatisfied))
    assert m.dissatisfaction_bp == (10_000 if unsatisfied else 0)


def test_dissatisfaction_is_over_rated_conversations_only_rounded_half_up():
    m = run(
        _rated(3), _rated(4), _rated(5), _rated(None), _rated(None), _rated(1, hour=23)
    )  # the last: night
    assert (m.conversations, m.rated_conversations, m.dissatisfied_conversations) == (5, 3, 1)
    assert m.dissatisfaction_bp == 3333 and m.dissatisfaction_rate == pytest.approx(1 / 3)
    m = run(_rated(3), _rated(2), _rated(5))
    assert m.dissatisfaction_bp == 6667  # 66.666…% half-up
    m = run(*[_rated(1)] + [_rated(5)] * 7)
    assert m.dissatisfaction_bp == 1250


# --- a property: every maximal run of buyer messages is exactly one round ------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["buyer", "shop"]), st.integers(min_value=0, max_value=900)), max_size=30
    )
)
def test_rounds_are_the_runs_of_buyer_messages(steps):
    at, history = sh(1, 10), []
    for sender, gap in steps:
        at += timedelta(seconds=gap)
        history.append(Message(at, sender))
    until = at + timedelta(hours=1)
    found = rounds_of(convo(*history), until=until, no_reply=TEN_MIN)
    runs = sum(
        1
        for i, m in enumerate(history)
        if m.sender == "buyer" and (i == 0 or history[i - 1].sender == "shop")
    )
    assert len(found) == runs
    assert all(r.outcome in (ANSWERED, UNANSWERED) for r in found)  # an hour later nothing is pending
    assert all(r.counted_ms == 600_000 for r in found if r.outcome == UNANSWERED)
    assert all(r.replied_at > r.started_at or r.counted_ms == 0 for r in found if r.outcome == ANSWERED)


# --- message and rating input -------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "\n\t", "x" * (MAX_BODY + 1), None, 42])
def test_bad_message_bodies_are_refused(body):
    with pytest.raises(InvalidInput):
        clean_body(body)


def test_message_bodies_are_trimmed_and_may_be_exactly_the_limit():
    assert clean_body("  你好，向日葵什么时候发货？ ") == "你好，向日葵什么时候发货？"
    assert clean_body("花" * MAX_BODY) == "花" * MAX_BODY


@pytest.mark.parametrize("stars", [0, 6, -1, True, "5", 4.0, None])
def test_bad_ratings_are_refused(stars):
    with pytest.raises(InvalidInput):
        check_stars(stars)


@pytest.mark.parametrize("stars", [1, 2, 3, 4, 5])
def test_ratings_one_to_five_are_accepted(stars):
    assert check_stars(stars) == stars

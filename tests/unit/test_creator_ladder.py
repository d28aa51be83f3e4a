"""The creators' false-advertising ladder (douyin:aJoHtKQ6kLcq, in force from 2026-08-06): the tier
from the live sessions, the violations within one session, the short-video violations in 14 days
and the harm found, and each tier's actions with the text's figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pledge.governance.creator_ladder import (
    Counts,
    CreatorAction,
    CreatorStep,
    Harm,
    Scene,
    held_fen,
    penalty_fen,
    steps_of,
    tier_for,
)
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import load

BOOK = load("douyin")
AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
CLAUSE = BOOK.one("creator_penalty_ladder", AT)
A = CreatorAction


def test_the_clause_is_the_creators_false_advertising_text_in_force_from_august_6():
    assert (CLAUSE.id, CLAUSE.source) == ("creator.false-advertising", "douyin:aJoHtKQ6kLcq")
    assert BOOK.in_force("creator_penalty_ladder", datetime(2026, 8, 5, tzinfo=UTC)) == []
    assert CLAUSE.get("window_days") == 14  # "近14天内"


@pytest.mark.parametrize(
    ("sessions", "in_session", "tier"),
    [
        (1, 1, 1),
        (2, 1, 2),
        (3, 1, 3),
        (4, 1, 3),
        (5, 1, 4),
        (9, 1, 4),
        (1, 2, 2),
        (1, 3, 3),
        (1, 7, 3),
        (5, 3, 4),
    ],
)
def test_live_tier_from_sessions_in_14_days_or_violations_in_one_session(sessions, in_session, tier):
    """Live: "单场直播中累计违规2次 或 近14天内2场直播违规" → 2;
    "单场直播中累计3次违规及以上 或 近14天内3场-4场" → 3; "近14天内5场及以上" → 4
    (the revision strikes 5 and 6 and writes 4 and 5)."""
    assert tier_for(CLAUSE, Counts(Scene.LIVE, sessions=sessions, in_session=in_session)) == tier


@pytest.mark.parametrize(("videos", "tier"), [(1, 1), (2, 2), (5, 2), (6, 3), (9, 3), (10, 4), (30, 4)])
def test_video_tier_from_violations_in_14_days(videos, tier):
    """ "近14天内累计违规2～5次" → 2, "6次-9次" → 3, "10次及以上" → 4."""
    assert tier_for(CLAUSE, Counts(Scene.VIDEO, videos=videos)) == tier


@pytest.mark.parametrize(
    ("harm", "tier"), [(Harm.NONE, 1), (Harm.LIGHT, 2), (Harm.HEAVY, 3), (Harm.SEVERE, 4)]
)
def test_the_harm_found_raises_a_first_violation_on_its_own(harm, tier):
    assert tier_for(CLAUSE, Counts(Scene.VIDEO, videos=1, harm=harm)) == tier
    assert tier_for(CLAUSE, Counts(Scene.VIDEO, videos=10, harm=harm)) == 4  # never lowers it


def test_each_tier_orders_the_texts_actions_with_its_figures():
    assert steps_of(CLAUSE, 1) == tuple(
        CreatorStep(k) for k in (A.WARNING, A.OFF_CART, A.STREAM_CUT, A.VIDEO_PRIVATE)
    )
    assert steps_of(CLAUSE, 2)[-1] == CreatorStep(A.COMMISSION_HELD, days=30, held_bp=500)  # 5%金额30天
    three = steps_of(CLAUSE, 3)
    assert CreatorStep(A.COMMISSION_HELD, days=30, held_bp=1500) in three  # 15%金额30天
    assert CreatorStep(A.SELLING_CLOSED, days=3) in three  # 关闭电商权限3天
    four = {s.kind: s for s in steps_of(CLAUSE, 4)}
    assert A.WARNING not in four and A.OFF_CART not in four
    assert four[A.COMMISSION_FROZEN].days == 90 and A.CREATOR_REMOVED in four
    assert (four[A.MONEY_PENALTY].min_fen, four[A.MONEY_PENALTY].max_fen) == (100_000, 2_000_000)


def test_held_amount_is_the_share_of_the_orders_rounded_half_up_to_the_fen():
    step = CreatorStep(A.COMMISSION_HELD, days=30, held_bp=500)
    assert held_fen(1990 * 12, step) == 1194  # 5% of ¥238.80
    assert held_fen(1990, step) == 100  # ¥0.995 → ¥1.00
    assert held_fen(1989, step) == 99  # ¥0.9945 → ¥0.99


@pytest.mark.parametrize(
    ("involved", "kept"), [(0, 100_000), (35_000, 100_000), (750_000, 750_000), (9_000_000, 2_000_000)]
)
def test_the_money_penalty_is_all_the_commission_involved_within_1000_and_20000_yuan(involved, kept):
    assert penalty_fen(involved, steps_of(CLAUSE, 4)[-1]) == kept


def test_impossible_counts_are_refused():
    with pytest.raises(InvalidInput):
        tier_for(CLAUSE, Counts(Scene.LIVE, sessions=0, in_session=1))
    with pytest.raises(InvalidInput):
        tier_for(CLAUSE, Counts(Scene.VIDEO, videos=0))
    with pytest.raises(InvalidInput):
        steps_of(CLAUSE, 5)
    with pytest.raises(InvalidInput):
        penalty_fen(100, CreatorStep(A.WARNING))

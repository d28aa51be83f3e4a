"""Ranking with quality (docs/reach.md): each factor scaled by `reach.quality-factors`, blended by
`reach.quality-weights`; good service can lift an item above a slightly more relevant one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pledge.feed.training import ShopQuality, rank
from pledge.reach import quality
from pledge.reach.quality import Factors, ShopSignals
from pledge.reach.recording import Subject
from pledge.reach.serving import item_code
from pledge.rulebooks.loader import load

AT = datetime(2026, 9, 1, tzinfo=UTC)
BOOK = load("douyin")


def test_quality_weights_are_cited_pledge_defaults_that_add_up_to_one():
    w = quality.weights(BOOK, AT)
    assert w.relevance_bp + w.experience_bp + w.penalties_bp + w.late_ship_bp == quality.FULL_BP
    for kind in ("reach_quality_weights", "reach_quality_factors", "reach_support_bounds"):
        clause = BOOK.one(kind, AT)
        assert clause.source == "pledge:default" and "Pledge default, not a Douyin figure" in clause.text_en


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        (ShopSignals(9000, 0, 0), Factors(9000, 10000, 10000)),
        (ShopSignals(None, 0, None), Factors(8000, 10000, 10000)),  # no score yet: 80 points
        (ShopSignals(5000, 1, 1000), Factors(5000, 6666, 5000)),  # one penalty of 3; 10% late of 20%
        (ShopSignals(10000, 7, 4000), Factors(10000, 0, 0)),  # past the caps: 0, never negative
    ],
)
def test_reach_quality_factors_scale_each_signal_to_zero_to_one(signals, expected):
    assert quality.factors(signals, quality.factors_clause(BOOK, AT)) == expected


def _shop(signals: ShopSignals) -> ShopQuality:
    factors = quality.factors(signals, quality.factors_clause(BOOK, AT))
    return ShopQuality(signals, factors, quality.quality_bp(factors, quality.weights(BOOK, AT)), None)


def test_reach_quality_weights_let_good_service_outrank_a_slightly_more_relevant_item():
    relevant, serviced = item_code(Subject.PRODUCT, 1), item_code(Subject.PRODUCT, 2)
    shop_of = {(Subject.PRODUCT, 1): 10, (Subject.PRODUCT, 2): 20}
    shops = {10: _shop(ShopSignals(5000, 3, 2000)), 20: _shop(ShopSignals(10000, 0, 0))}
    ranked = rank([relevant, serviced], shop_of, shops, quality.weights(BOOK, AT))
    # relevance 1.0 x 60% + quality 0.1 = 0.7 against relevance 0.5 x 60% + quality 0.4 = 0.7:
    # a tie keeps the model's order; a slightly better shop would win.
    assert [r.score_bp for r in ranked] == [7000, 7000] and ranked[0].code == relevant
    shops[10] = _shop(ShopSignals(4900, 3, 2000))
    ranked = rank([relevant, serviced], shop_of, shops, quality.weights(BOOK, AT))
    assert [r.code for r in ranked] == [serviced, relevant]


def test_items_whose_subject_is_gone_are_dropped_from_the_ranking():
    gone = item_code(Subject.VIDEO, 5)
    assert rank([gone], {}, {}, quality.weights(BOOK, AT)) == []
